"""Fidelity metrics against their references: SDMetrics' numbers, chance level, a planted defect."""

import numpy as np
import pytest

from synth_assets.metrics import fidelity
from synth_assets.metrics.disclosure import MIN_CELL


def test_column_shapes_match_sdmetrics(adult_split):
    schema, train, holdout = adult_split
    ours = fidelity.column_shape_scores(train, holdout, schema)
    report = fidelity.quality_report(train, holdout, schema)
    assert np.mean(list(ours.values())) == pytest.approx(report["column_shapes"].value, abs=1e-9)


def test_detection_is_at_chance_on_two_real_samples_and_certain_on_noise(adult_split):
    schema, train, holdout = adult_split
    same = fidelity.detection_auc(train, holdout, schema)
    assert same.ci_low < 0.5 < same.ci_high
    shifted = holdout.assign(age=holdout["age"] + 25, hours_per_week=holdout["hours_per_week"] * 3)
    assert fidelity.detection_auc(train, shifted, schema).value > 0.95


def test_subgroup_fidelity_finds_the_distorted_group(adult_split):
    schema, train, holdout = adult_split
    distorted = holdout.copy()
    women = distorted["sex"] == "Female"
    distorted.loc[women, "age"] = 80  # every woman the same age: women's fidelity collapses
    result = fidelity.subgroup_fidelity(train, distorted, schema, ["sex"])
    assert result.details["worst_group"] == "sex=Female"
    groups = {g["group"]: g["score"] for g in result.details["groups"]}
    assert groups["Female"] < groups["Male"] - 0.03
    assert result.value == groups["Female"]


def test_subgroups_below_the_disclosure_limit_are_never_named(adult_split):
    schema, train, holdout = adult_split
    planted = train.copy()
    planted.loc[: MIN_CELL - 2, "race"] = "CANARY-RACE"
    result = fidelity.subgroup_fidelity(planted, holdout, schema, ["race"])
    assert "CANARY" not in repr(result.details)
    assert result.details["suppressed_groups"] >= 1
