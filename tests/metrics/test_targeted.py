"""Targeted attacks: exposure scores, vulnerable-record membership, near copies, linkage inference."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics import privacy, targeted
from synth_assets.metrics.distance import MixedSpace
from synth_assets.schema import infer_schema
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.snapshot import split_train_holdout
from tests import leak_zoo


@pytest.fixture(scope="module")
def adult_full(adult):
    """All of Adult split as the pipeline splits it: 26k train, 6.5k holdout (>= 1,000 targets)."""
    schema = infer_schema(adult, target="income")
    real = schema.conform(adult, what="Adult")
    train, holdout = split_train_holdout(real, holdout_fraction=0.2, seed=0, stratify_on="income")
    return schema, train.reset_index(drop=True), holdout.reset_index(drop=True)


def test_exposure_is_the_distance_to_the_nearest_other_record():
    frame = pd.DataFrame({"x": [0.0, 0.0, 1.0, 2.0, 10.0], "c": ["a", "a", "a", "a", "b"]})
    schema = infer_schema(frame, target="c")
    encoded = MixedSpace.fit(frame, schema).encode(frame)
    scores = targeted.exposure_scores(encoded, np.arange(len(frame)))
    assert scores[0] == scores[1] == 0.0  # a duplicate pair: nobody is less exposed
    assert scores.argmax() == 4  # the outlier, different in both columns
    assert scores[4] == pytest.approx((0.8 + 1.0) / 2)  # (10 - 2) / range 10, plus a category mismatch


def test_vulnerable_attack_is_at_chance_on_unseen_rows_and_finds_copied_outliers(adult_full, adult_spec):
    schema, train, holdout = adult_full
    shuffled = holdout.sample(frac=1.0, random_state=1)
    unseen, reference = shuffled.iloc[:2000], shuffled.iloc[2000:]
    control = targeted.vulnerable_membership(unseen, train, reference, schema)
    for attack in control.values():
        assert attack.insufficient is None and attack.details["non_members"] == 100
        assert attack.ci_low < 0.5 < attack.ci_high and attack.value < 0.6

    # 200 of the 26k train records, the rarest, copied: invisible on average, plain among the exposed.
    rarest = leak_zoo.rarest_first(train, schema, adult_spec.quasi_identifiers)
    leaky = leak_zoo.rare_copies(unseen, train, rarest, 0.1)
    attacked = targeted.vulnerable_membership(leaky, train, reference, schema)
    assert attacked["vulnerable_mia_distance_auc"].value > 0.6
    assert attacked["vulnerable_mia_density_auc"].ci_low > 0.5


def test_vulnerable_attack_needs_fifty_holdout_targets(adult_split):
    schema, train, holdout = adult_split
    result = targeted.vulnerable_membership(holdout, train, holdout.iloc[:200], schema)
    assert "at least 50" in result["vulnerable_mia_distance_auc"].insufficient


def test_near_copies_count_only_what_beats_the_holdouts_own_closeness():
    rng = np.random.default_rng(0)
    holdout_to_train = rng.uniform(0.0, 1.0, 5_000)
    honest = targeted.near_copies(rng.uniform(0.0, 1.0, 5_000), holdout_to_train)
    assert honest.ci_low < 0.0 < honest.ci_high and abs(honest.value) < 0.005
    assert honest.details["quantile"] == 0.01 and honest.details["holdout_share"] == pytest.approx(0.01)
    leaky = np.r_[np.zeros(150), rng.uniform(0.0, 1.0, 4_850)]  # 3% copies
    result = targeted.near_copies(leaky, holdout_to_train)
    assert result.value == pytest.approx(0.03, abs=0.005) and result.ci_low > 0.015
    small = targeted.near_copies(rng.uniform(0.0, 1.0, 500), rng.uniform(0.0, 1.0, 500))
    assert small.details["quantile"] == pytest.approx(0.04)  # 20 of 500 holdout rows: the chance rate has support


def test_proportion_difference_matches_newcombes_worked_example():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339.
    value, low, high = targeted.proportion_difference(56, 70, 48, 80)
    assert value == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=1e-3) and high == pytest.approx(0.3339, abs=1e-3)


def test_exact_copies_are_judged_against_the_holdouts_own_duplicates():
    """DoctorAUS has few columns and many natural duplicates: fresh real rows match train often."""
    doctors = load_bundled("doctoraus")
    schema = infer_schema(doctors, target="insurance")
    real = schema.conform(doctors, what="DoctorAUS")
    train, holdout = split_train_holdout(real, holdout_fraction=0.4, seed=0, stratify_on="insurance")
    fresh, reference = holdout.iloc[: len(holdout) // 2], holdout.iloc[len(holdout) // 2 :]
    result = privacy.exact_copy_rate(fresh, train, reference, schema)
    assert result["exact_copy_rate"].value > 0.02  # the old fixed 1% allowance would fail real data
    excess = result["exact_copy_excess"]
    assert abs(excess.value) < 0.02 and excess.ci_low < 0.0 < excess.ci_high


def test_random_guess_success_is_the_chance_of_a_draw_from_the_synthetic_marginal():
    synthetic = np.array(["m"] * 70 + ["f"] * 30, dtype=object)
    targets = np.array(["m"] * 50 + ["f"] * 50, dtype=object)
    assert targeted.random_guess_success(synthetic, targets, False, 0.0) == pytest.approx(0.5 * 0.7 + 0.5 * 0.3)
    numbers = np.arange(100, dtype=float)
    assert targeted.random_guess_success(numbers, np.array([50.0]), True, 2.0) == pytest.approx(0.05)


def test_linkage_attack_is_even_on_independent_data_and_catches_a_qi_linkage_leak(adult_full, adult_spec):
    schema, train, holdout = adult_full
    qis = adult_spec.quasi_identifiers
    secrets = ["income", "capital_gain", "occupation"]
    # Unseen real rows as "synthetic": the look-up works as well on holdout targets as on train ones.
    shuffled = holdout.sample(frac=1.0, random_state=1)
    unseen, reference = shuffled.iloc[:3000], shuffled.iloc[3000:]
    control = targeted.quasi_identifier_inference(unseen, train, reference, schema, qis, secrets)["qi_inference_advantage"]
    assert control.insufficient is None and control.details["holdout_targets"] >= 1_000
    assert control.ci_low < 0.0 < control.ci_high and control.value < 0.01
    for secret, result in control.details["secrets"].items():
        assert abs(result["train_success"] - result["holdout_success"]) < 0.02, secret

    leaky = leak_zoo.linkage_leak(unseen, train, [*qis, "income", "capital_gain"], 1.0)
    attacked = targeted.quasi_identifier_inference(leaky, train, reference, schema, qis, secrets)["qi_inference_advantage"]
    assert attacked.value > 0.02 and attacked.ci_low > 0.01  # 3,000 linked rows: 12% of train
    assert attacked.details["worst_secret"] in {"income", "capital_gain"}


def test_linkage_random_baseline_matches_random_guessing_for_sex(adult_full):
    """The bug anonymeter's naive baseline has (sex at 0.01-0.04) cannot happen here: ~0.55 is chance."""
    schema, train, holdout = adult_full
    shares = train["sex"].value_counts(normalize=True)
    result = targeted.quasi_identifier_inference(train, train, holdout, schema, ["age", "race"], ["sex"])
    baseline = result["qi_inference_advantage"].details["secrets"]["sex"]["random_guess_success"]
    assert baseline == pytest.approx(float((shares**2).sum()), abs=0.005)
    assert 0.5 < baseline < 0.6


def test_linkage_needs_a_thousand_holdout_targets(adult_split):
    schema, train, holdout = adult_split
    result = targeted.quasi_identifier_inference(holdout, train, holdout, schema, ["age", "sex"], ["income"])
    assert "at least 1000" in result["qi_inference_advantage"].insufficient
