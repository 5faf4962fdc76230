"""The datasheet's limitations: gates the catalog switched off, metrics near their threshold or not
judged, and the worst subgroup by name."""

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import acceptance_gates
from synth_assets.governance.datasheet import limitations, ungated_limitations, worst_subgroup_lines
from synth_assets.metrics.estimate import Estimate
from synth_assets.reports import gated_report
from tests.conftest import dataset_entry


def test_disabled_borderline_unjudged_gates_and_the_worst_subgroup_are_listed():
    spec = DatasetSpec.model_validate(dataset_entry("sqlite:///unused", acceptance={"detection_auc_max": None, "detection_auc_boosted_max": 0.8}))
    sections = {
        "fidelity": {
            "quality_score": Estimate(0.76),  # gate 0.75: within 5%
            "detection_auc_boosted": Estimate(0.7, insufficient="150 rows per side; detection needs 200"),
            "subgroup_quality": Estimate(0.81, baseline=0.88, details={"worst_group": "sex=Female"}),
        }
    }
    gates = {m: g for m, g in acceptance_gates(spec.acceptance, "validation").items() if m in sections["fidelity"]}
    body, _ = gated_report(sections, gates)
    validation = {"sections": body}
    lines = limitations(validation) + ungated_limitations(spec) + worst_subgroup_lines(validation)
    assert "fidelity.quality_score = 0.7600 is within 5% of its threshold 0.75." in lines
    assert "fidelity.detection_auc_boosted = 0.7000 was not judged: 150 rows per side; detection needs 200." in lines
    # range coverage is off by default
    assert "fidelity.detection_auc is not gated: the catalog sets `detection_auc_max: null`, so it is reported but never held to a threshold." in lines
    assert any(line.startswith("Reported but not gated (off by default") and "coverage.range_coverage" in line for line in lines)
    assert "Worst subgroup for fidelity.subgroup_quality: sex=Female, 0.8100 (mean over subgroups 0.8800)." in lines
