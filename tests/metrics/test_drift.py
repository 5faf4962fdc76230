"""Drift statistics from a reference profile: quiet on the same population, loud on real shifts."""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from synth_assets.metrics.drift import DriftSettings, benjamini_hochberg, drift_report, numeric_drift
from synth_assets.metrics.profile import reference_profile


def test_the_same_population_does_not_drift(adult_split):
    schema, train, holdout = adult_split
    report = drift_report(reference_profile(train, schema), holdout)
    assert not report["drifted"] and report["drifted_columns"] == []
    assert report["worst_psi"] < DriftSettings().psi_threshold  # noise on 480 rows stays under it
    assert set(report["columns"]) == set(schema.names)


def test_shifted_numbers_new_categories_and_missing_values_drift(adult_split):
    schema, train, holdout = adult_split
    shifted = holdout.copy()
    shifted["age"] = shifted["age"] + 15
    shifted.loc[shifted.index[:60], "workclass"] = "Gig-economy"
    shifted.loc[shifted.index[:120], "occupation"] = None
    report = drift_report(reference_profile(train, schema), shifted, DriftSettings())
    assert report["drifted"]
    assert set(report["drifted_columns"]) == {"age", "workclass", "occupation"}
    assert report["worst_column"] == "age" and report["columns"]["age"]["psi"] > 1.0
    assert report["columns"]["workclass"]["unseen_named"] == ["Gig-economy"]  # 60 rows: publishable
    assert "missing share" in " ".join(report["columns"]["occupation"]["reasons"])
    assert report["score"] == pytest.approx(3 / len(schema.names))


def test_ks_from_percentiles_matches_the_two_sample_statistic(adult_split):
    schema, train, holdout = adult_split
    profile = reference_profile(train, schema)
    for column, shift in (("age", 0), ("age", 3), ("hours_per_week", 5)):
        result = numeric_drift(profile["columns"][column], holdout[column] + shift)
        exact = ks_2samp(train[column], holdout[column] + shift).statistic
        assert result["statistic"] == pytest.approx(exact, abs=0.02)


def test_benjamini_hochberg():
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert adjusted == pytest.approx([0.04, 0.0533333, 0.0533333, 0.2])
    assert benjamini_hochberg([]) == []
    assert max(benjamini_hochberg(list(np.linspace(0.5, 1, 10)))) <= 1.0
