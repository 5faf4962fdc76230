"""A gate on an estimate the data cannot support is "not judged": fitness passes, privacy fails closed."""

import pytest

from synth_assets.gates import Gate
from synth_assets.manifests import GateOutcome
from synth_assets.metrics.estimate import Estimate
from synth_assets.reports import gated_report, gates_markdown, sections_markdown, within_chance


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


def test_a_gate_applies_to_its_own_section_only_and_ungated_metrics_pass_through():
    gates = {"dcr_share": Gate("dcr_share", "privacy", "max", 0.55, "")}
    sections = {
        "fidelity": {"dcr_share": Estimate(0.9), "column_shapes": Estimate(0.8)},  # same name, another section
        "privacy": {"dcr_share": Estimate(0.5)},
    }
    body, outcomes = gated_report(sections, gates)
    assert [(o.section, o.metric, o.passed) for o in outcomes] == [("privacy", "dcr_share", True)]
    assert body["fidelity"] == {"dcr_share": {"value": 0.9}, "column_shapes": {"value": 0.8}}
    assert body["privacy"]["dcr_share"] == {"value": 0.5, "threshold": 0.55, "bound": "max", "passed": True}


def test_every_gate_must_find_its_metric():
    gates = {
        "quality_score": Gate("quality_score", "fidelity", "min", 0.75, ""),
        "dcr_share": Gate("dcr_share", "privacy", "max", 0.55, ""),
        "category_coverage": Gate("category_coverage", "coverage", "min", 0.8, ""),
    }
    # dcr_share is reported, but in the wrong section: its gate finds nothing either.
    sections = {"fidelity": {"quality_score": Estimate(0.9), "dcr_share": Estimate(0.1)}}
    with pytest.raises(ValueError) as raised:
        gated_report(sections, gates)
    assert str(raised.value) == "gated metrics missing from the report: category_coverage, dcr_share"


def test_within_chance_needs_a_baseline_and_both_ends_of_the_interval():
    gate = Gate("near_copy_excess", "privacy", "max", 0.005, "")
    assert within_chance(Estimate(0.02, -0.01, 0.05, baseline=0.0), gate)
    assert not within_chance(Estimate(0.02, -0.01, 0.05), gate)  # no baseline
    assert not within_chance(Estimate(0.02, None, 0.05, baseline=0.0), gate)  # no lower end
    assert not within_chance(Estimate(0.02, -0.01, None, baseline=0.0), gate)  # no upper end
    assert not within_chance(Estimate(0.02), gate)


def test_within_chance_looks_at_the_end_of_the_interval_on_the_passing_side():
    at_most = Gate("near_copy_excess", "privacy", "max", 0.005, "")  # passing side: below
    assert within_chance(Estimate(0.02, 0.0, 0.04, baseline=0.0), at_most)  # touches the baseline
    assert not within_chance(Estimate(0.02, 0.001, 0.04, baseline=0.0), at_most)
    at_least = Gate("auc_gap", "privacy", "min", 0.9, "")  # passing side: above
    assert within_chance(Estimate(0.3, 0.1, 0.5, baseline=0.5), at_least)  # touches the baseline
    assert not within_chance(Estimate(0.3, 0.1, 0.4999, baseline=0.5), at_least)
    assert not within_chance(Estimate(0.3, 0.1, 0.4, baseline=0.45), at_least)  # its low end would reach it


def test_gates_markdown_table():
    outcomes = (
        GateOutcome(metric="quality_score", section="fidelity", value=0.81234, threshold=0.75, bound="min", passed=True),
        GateOutcome(
            metric="detection_auc", section="fidelity", value=0.95, threshold=0.9, bound="max", passed=False,
            ci_low=0.94, ci_high=0.96, baseline=0.5, n_samples=2400,
        ),
        GateOutcome(
            metric="near_copy_excess", section="privacy", value=0.025, threshold=0.005, bound="max", passed=True, note="within chance"
        ),
        GateOutcome(
            metric="dcr_share", section="privacy", value=0.5, threshold=0.55, bound="max", passed=False, judged=False, note="12 rows"
        ),
        GateOutcome(
            metric="detection_auc", section="fidelity", value=0.99, threshold=0.9, bound="max", passed=True, judged=False, note="40 rows"
        ),
    )
    assert gates_markdown(outcomes) == "\n".join(
        [
            "| gate | value | 95% interval | baseline | n | threshold | result |",
            "|---|---|---|---|---|---|---|",
            "| fidelity_quality_score | 0.8123 |  |  |  | >= 0.75 | pass |",
            "| fidelity_detection_auc | 0.9500 | [0.9400, 0.9600] | 0.5000 | 2,400 | <= 0.9 | **FAIL** |",
            "| privacy_near_copy_excess | 0.0250 |  |  |  | <= 0.005 | pass (within chance) |",
            "| privacy_dcr_share | 0.5000 |  |  |  | <= 0.55 | **FAIL** (not judged: 12 rows) |",
            "| fidelity_detection_auc | 0.9900 |  |  |  | <= 0.9 | pass (not judged: 40 rows) |",
        ]
    )


def test_sections_markdown_tables():
    sections = {
        "fidelity": {
            "detection_auc": {"value": 0.61, "ci_low": 0.55, "ci_high": 0.67, "baseline": 0.5, "n_samples": 400,
                              "threshold": 0.8, "bound": "max", "passed": True},
            "transfer_ratio": {"value": 0.9, "spread": 0.0125, "threshold": 0.95, "bound": "min", "passed": False},
            "column_shapes": {"value": 0.875},
        },
        "privacy": {
            "dcr_share": {"value": 0.5, "threshold": 0.55, "bound": "max", "passed": False, "judged": False,
                          "insufficient": "12 holdout rows"},
            "near_copy_excess": {"value": 0.025, "ci_low": -0.01, "ci_high": 0.06, "baseline": 0.0, "threshold": 0.005,
                                 "bound": "max", "passed": True, "within_chance": True},
        },
    }  # fmt: skip
    header = ["| metric | value | 95% CI / spread | baseline | n | gate |", "|---|---|---|---|---|---|"]
    assert sections_markdown(sections) == "\n".join(
        [
            "**fidelity**",
            "",
            *header,
            "| detection_auc | 0.6100 | [0.5500, 0.6700] | 0.5000 | 400 | <= 0.8: pass |",
            "| transfer_ratio | 0.9000 | ± 0.0125 |  |  | >= 0.95: **FAIL** |",
            "| column_shapes | 0.8750 |  |  |  |  |",
            "",
            "**privacy**",
            "",
            *header,
            "| dcr_share | 0.5000 |  |  |  | <= 0.55: **FAIL** (not judged: 12 holdout rows) |",
            "| near_copy_excess | 0.0250 | [-0.0100, 0.0600] | 0.0000 |  | <= 0.005: pass (past the threshold, within chance) |",
            "",
        ]
    )


def test_each_outcome_carries_its_estimates_evidence():
    gates = {
        "detection_auc": Gate("detection_auc", "fidelity", "max", 0.8, ""),
        "quality_score": Gate("quality_score", "fidelity", "min", 0.75, ""),
    }
    sections = {"fidelity": {"detection_auc": Estimate(0.6, 0.55, 0.65, baseline=0.5, n_samples=400), "quality_score": Estimate(0.9)}}
    _, (detection, quality) = gated_report(sections, gates)
    assert (detection.ci_low, detection.ci_high, detection.baseline, detection.n_samples) == (0.55, 0.65, 0.5, 400)
    assert (quality.ci_low, quality.ci_high, quality.baseline, quality.n_samples) == (None, None, None, None)
    half = detection.model_copy(update={"ci_high": None, "n_samples": 12_345})  # an interval needs both ends
    assert gates_markdown((half,)).splitlines()[-1] == "| fidelity_detection_auc | 0.6000 |  | 0.5000 | 12,345 | <= 0.8 | pass |"
