"""Privacy metrics: exact matches, the equal-size DCR share, quasi-identifiers, determinism."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics import privacy
from synth_assets.metrics.anonymeter_risk import anonymeter_risks
from synth_assets.metrics.estimate import auc_estimate


def test_exact_copy_rate_has_the_holdout_as_baseline(adult_split):
    schema, train, holdout = adult_split
    mixed = pd.concat([train.iloc[:30], holdout.iloc[:70]], ignore_index=True)
    result = privacy.exact_copy_rate(mixed, train, holdout, schema)
    assert result["exact_copy_rate"].value >= 0.30
    assert result["exact_copy_rate"].baseline >= 0.70
    assert result["exact_copy_rate"].ci_low < result["exact_copy_rate"].value < result["exact_copy_rate"].ci_high


def test_row_hashes_ignore_dtype_spelling():
    a = pd.DataFrame({"x": pd.array([1, 2], dtype="Int64"), "c": ["u", None]})
    b = pd.DataFrame({"x": np.array([1.0, 2.0]), "c": pd.array(["u", None], dtype="string")})
    assert (privacy.canonical_row_hashes(a, ["x", "c"]) == privacy.canonical_row_hashes(b, ["x", "c"])).all()


def test_dcr_share_is_re_weighted_to_equal_sized_splits(adult_split):
    """Fresh real rows are as close to train as to holdout *per row*: 0.5 after re-weighting,
    although train is four times larger, so the raw share closer to train is near 0.8."""
    schema, train, holdout = adult_split
    fresh, reference = holdout.iloc[:240], holdout.iloc[240:]
    dcr = privacy.distance_privacy(fresh, train, reference, schema)["dcr_share"]
    raw = dcr.details["raw_share_closer_to_train"]
    expected_raw = len(train) / (len(train) + len(reference))
    assert raw == pytest.approx(expected_raw, abs=0.1)
    assert abs(dcr.value - 0.5) < 0.1 and dcr.ci_low < 0.5 < dcr.ci_high


def test_quasi_identifier_risk_counts_unique_combinations():
    train = pd.DataFrame({"zip": ["1", "1", "2", "3"], "age": [30, 30, 40, 50]})
    holdout = pd.DataFrame({"zip": ["1", "4"], "age": [30, 60]})
    synthetic = pd.DataFrame({"zip": ["2", "3", "1", "9"], "age": [40, 50, 30, 9]})
    result = privacy.quasi_identifier_risk(synthetic, train, holdout, ["zip", "age"])
    assert result["qi_unique_share"].value == pytest.approx(0.5)  # (2,40) and (3,50) are unique
    assert result["qi_unique_match_rate"].value == pytest.approx(0.5)  # two synthetic rows hit them
    assert result["qi_unique_match_rate"].baseline == 0.0


def test_auc_interval_is_narrow_for_many_samples_and_covers_chance_for_noise():
    rng = np.random.default_rng(0)
    labels = rng.random(4000) < 0.5
    noise = auc_estimate(labels, rng.random(4000))
    assert noise.ci_low < 0.5 < noise.ci_high and noise.ci_high - noise.ci_low < 0.05
    perfect = auc_estimate(labels, labels.astype(float))
    assert perfect.value == 1.0


def test_anonymeter_inference_baseline_is_random_guessing(adult_split):
    """Upstream's naive baseline comes out near 0 for `sex` (guesses re-indexed to the targets);
    ours must match drawing the secret at random from the synthetic data."""
    schema, train, holdout = adult_split
    synthetic = holdout.sample(frac=1.0, random_state=1).reset_index(drop=True)
    risks = anonymeter_risks(synthetic, train, holdout, schema, ["sex"], seed=0, n_attacks=400)
    details = risks["inference_risk"].details["secrets"]["sex"]
    shares = synthetic["sex"].value_counts(normalize=True)
    chance = float(train["sex"].map(shares).mean())  # P(a random synthetic value equals the target's)
    assert 0.5 < chance < 0.6
    n = details["n_attacks"]
    assert abs(details["baseline_rate"] - chance) < 3 * (chance * (1 - chance) / n) ** 0.5


def test_anonymeter_risks_are_deterministic_and_report_their_trust(adult_split):
    schema, train, holdout = adult_split
    first = anonymeter_risks(holdout, train, holdout, schema, ["income"], seed=3, n_attacks=100)
    second = anonymeter_risks(holdout, train, holdout, schema, ["income"], seed=3, n_attacks=100)
    for name in ("linkability_risk", "inference_risk"):
        assert first[name].value == second[name].value
        assert {"attack_rate", "control_rate", "trustworthy", "warnings"} <= set(first[name].details)
