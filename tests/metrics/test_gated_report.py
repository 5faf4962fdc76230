"""A gate on an estimate the data cannot support is "not judged": fitness passes, privacy fails closed."""

from synth_assets.gates import Gate
from synth_assets.metrics.estimate import Estimate
from synth_assets.reports import gated_report, gates_markdown, sections_markdown


def test_insufficient_estimates_are_not_judged_and_privacy_fails_closed():
    sections = {
        "fidelity": {"detection_auc": Estimate(0.99, insufficient="40 rows per side; needs 200")},
        "privacy": {"dcr_share": Estimate(0.50, insufficient="12 holdout rows; needs 100")},
        "coverage": {"category_coverage": Estimate(0.5)},
    }
    gates = {
        "detection_auc": Gate("detection_auc", "fidelity", "max", 0.9, ""),
        "dcr_share": Gate("dcr_share", "privacy", "max", 0.55, ""),
        "category_coverage": Gate("category_coverage", "coverage", "min", 0.8, ""),
    }
    body, outcomes = gated_report(sections, gates)
    by_metric = {o.metric: o for o in outcomes}
    assert by_metric["detection_auc"].passed and not by_metric["detection_auc"].judged
    assert not by_metric["dcr_share"].passed and not by_metric["dcr_share"].judged
    assert by_metric["category_coverage"].judged and not by_metric["category_coverage"].passed
    assert body["privacy"]["dcr_share"]["judged"] is False
    assert "not judged: 12 holdout rows; needs 100" in gates_markdown(outcomes)


def test_a_privacy_gate_fails_only_when_its_interval_clears_chance():
    gate = {"near_copy_excess": Gate("near_copy_excess", "privacy", "max", 0.005, "")}

    def outcome(value, low, high):
        body, (result,) = gated_report({"privacy": {"near_copy_excess": Estimate(value, low, high, baseline=0.0)}}, gate)
        return result, body["privacy"]["near_copy_excess"]

    significant, _ = outcome(0.008, 0.002, 0.014)
    assert not significant.passed and significant.note is None
    noisy, entry = outcome(0.025, -0.01, 0.06)  # a holdout-sized control: past 0.005, but chance reaches it
    assert noisy.passed and noisy.judged and entry["within_chance"] and "reaches the chance baseline 0" in noisy.note
    assert "pass (past the threshold, within chance)" in sections_markdown({"privacy": {"near_copy_excess": entry}})
    assert outcome(0.004, -0.01, 0.02)[0].passed  # under the threshold: passes whatever the interval
    # Fitness gates hold to the value alone: detection far from 0.5 is the finding, not noise.
    fidelity = {"detection_auc": Gate("detection_auc", "fidelity", "max", 0.8, "")}
    _, (detection,) = gated_report({"fidelity": {"detection_auc": Estimate(0.85, 0.45, 0.95, baseline=0.5)}}, fidelity)
    assert not detection.passed


def test_a_metric_that_could_not_be_computed_is_not_judged_and_its_manifest_reads_back(tmp_path):
    """A 200-column table once left SDMetrics' pair trends NaN: the report manifest was written with
    `null` and refused when the datasheet step read it ("written by another version")."""
    from synth_assets.manifests import ReportManifest

    gates = {
        "quality_score": Gate("quality_score", "fidelity", "min", 0.75, ""),
        "dcr_share": Gate("dcr_share", "privacy", "max", 0.55, ""),
    }
    sections = {"fidelity": {"quality_score": Estimate(float("nan"))}, "privacy": {"dcr_share": Estimate(float("nan"), baseline=0.5)}}
    body, outcomes = gated_report(sections, gates)
    by_metric = {o.metric: o for o in outcomes}
    assert not by_metric["quality_score"].judged and by_metric["quality_score"].passed  # fitness: not judged passes
    assert "not judged: quality_score could not be computed on this data" in sections_markdown(body)
    assert not by_metric["dcr_share"].judged and not by_metric["dcr_share"].passed  # privacy fails closed
    assert "could not be computed" in by_metric["quality_score"].note

    manifest = ReportManifest(
        dataset="wide", version="v1", path="p", sha256="s", synthetic_hash="h",
        metrics={"fidelity.column_pair_trends": float("nan"), "fidelity.column_shapes": 0.9}, gates=outcomes, files=[],
    )  # fmt: skip
    path = tmp_path / "validation.json"
    path.write_text(manifest.model_dump_json())
    loaded = ReportManifest.load(path)
    assert loaded.metrics["fidelity.column_shapes"] == 0.9 and loaded.metrics["fidelity.column_pair_trends"] != loaded.metrics["fidelity.column_pair_trends"]
