"""Gates from the catalog (`synth_assets/gates.py`): which gates apply, and where a value passes."""

import pytest

from synth_assets.catalog import AcceptanceCriteria
from synth_assets.gates import Gate, acceptance_gates, applicable_gates


@pytest.mark.parametrize(("bound", "at", "inside", "outside"), [("min", 0.8, 0.81, 0.79), ("max", 0.8, 0.79, 0.81)])
def test_a_value_on_the_threshold_passes_and_one_past_it_fails(bound, at, inside, outside):
    gate = Gate("m", "fidelity", bound, 0.8, "d")
    assert gate.holds(at) and gate.holds(inside) and not gate.holds(outside)
    assert gate.check_name == "fidelity_m"
    assert gate.describe() == f"m {'>=' if bound == 'min' else '<='} 0.8: d"


def test_acceptance_gates_come_from_the_criteria_by_report_and_null_switches_one_off():
    criteria = AcceptanceCriteria(quality_score_min=0.9, dcr_share_max=None, transfer_ratio_min=0.7)
    validation = acceptance_gates(criteria, "validation")
    assert validation["quality_score"] == Gate("quality_score", "fidelity", "min", 0.9, validation["quality_score"].description)
    assert "dcr_share" not in validation and "transfer_ratio" not in validation
    assert validation["exact_copy_excess"].section == "privacy" and validation["exact_copy_excess"].bound == "max"
    transfer = acceptance_gates(criteria, "transfer")
    assert set(transfer) == {"transfer_ratio"} and transfer["transfer_ratio"].threshold == 0.7
    assert set(acceptance_gates(criteria)) == set(validation) | set(transfer)


def test_gates_that_need_declarations_apply_only_with_them(adult_spec):
    with_both = applicable_gates(adult_spec, "validation")
    assert {"subgroup_quality", "qi_inference_advantage"} <= set(with_both)
    bare = adult_spec.model_copy(update={"sensitive_attributes": [], "quasi_identifiers": []})
    without = applicable_gates(bare, "validation")
    assert not {"subgroup_quality", "qi_inference_advantage", "qi_unique_match_rate"} & set(without)
    assert set(with_both) - set(without) <= {"subgroup_quality", "qi_inference_advantage", "qi_unique_share", "qi_unique_match_rate"}
    per_subgroup = adult_spec.acceptance.model_copy(update={"worst_subgroup_transfer_ratio_min": 0.5})
    assert "worst_subgroup_transfer_ratio" in applicable_gates(adult_spec.model_copy(update={"acceptance": per_subgroup}), "transfer")
    assert "worst_subgroup_transfer_ratio" not in applicable_gates(bare.model_copy(update={"acceptance": per_subgroup}), "transfer")
