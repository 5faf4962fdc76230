"""Targeted attacks: exposure scores, vulnerable-record membership, near copies, linkage inference."""

import warnings

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics import privacy, targeted
from synth_assets.metrics.distance import MixedSpace, nearest_two, nearest_two_with_index
from synth_assets.metrics.estimate import auc_estimate
from synth_assets.schema import infer_schema
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.snapshot import split_train_holdout
from tests import leak_zoo
from tests.metrics.reference import newcombe


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


def test_proportion_difference_is_newcombes_method_ten():
    for counts in ((3, 10, 1, 5), (0, 20, 5, 20), (17, 40, 2, 9)):
        assert targeted.proportion_difference(*counts) == pytest.approx(newcombe(*counts), abs=1e-9), counts


def test_excess_over_holdout_reports_both_shares():
    synthetic_hits = np.array([True, True, True, False, False, False, False, False, False, False])
    holdout_hits = np.array([True, False, False, False, False])
    result = targeted.excess_over_holdout(synthetic_hits, holdout_hits, {"rule": "x"})
    assert (result.value, result.ci_low, result.ci_high) == pytest.approx(newcombe(3, 10, 1, 5), abs=1e-9)
    assert (result.baseline, result.n_samples) == (0.0, 10)
    assert result.details == {"rule": "x", "synthetic_share": 0.3, "holdout_share": 0.2, "holdout_rows": 5}


def test_near_copies_radius_is_the_holdouts_quantile_counted_by_hand():
    holdout_to_train = np.arange(100) / 100  # 100 probes: the quantile is 20/100, radius 0.198
    synthetic_to_train = np.array([0.0, 0.1, 0.198, 0.2, 0.5])
    result = targeted.near_copies(synthetic_to_train, holdout_to_train)
    assert result.details["radius"] == pytest.approx(0.198) and result.details["quantile"] == 0.2
    # 3 of 5 synthetic rows within the radius (it is inclusive); 20 of 100 probes
    assert (result.value, result.ci_low, result.ci_high) == pytest.approx(newcombe(3, 5, 20, 100), abs=1e-9)
    assert result.details["synthetic_share"] == 0.6 and result.details["holdout_share"] == 0.2
    big = targeted.near_copies(np.zeros(10), np.arange(3000) / 3000)  # 3,000 probes: the 1% quantile
    assert big.details["quantile"] == 0.01 and big.details["radius"] == pytest.approx(np.quantile(np.arange(3000) / 3000, 0.01))
    assert targeted.near_copies(np.zeros(10), np.arange(1500) / 1500).details["quantile"] == 0.0133
    # probes at exactly the radius count as within it
    ties = targeted.near_copies(np.zeros(5), np.r_[np.zeros(30), np.ones(70)])
    assert ties.details["radius"] == 0.0 and ties.details["holdout_share"] == 0.3 and ties.details["synthetic_share"] == 1.0


def test_exposure_against_a_reference_subset():
    frame = pd.DataFrame({"x": [0.0, 1.0, 3.0, 7.0, 10.0], "c": ["a", "a", "a", "a", "a"]})
    encoded = MixedSpace.fit(frame, infer_schema(frame, target="c")).encode(frame)
    scores = targeted.exposure_scores(encoded, np.array([0, 2, 4]))
    # over 2 columns, range 10: records 1 and 3 (not in the reference) score their nearest
    # reference record; records 0, 2, 4 their nearest *other* reference record
    np.testing.assert_allclose(scores, np.array([3.0, 1.0, 3.0, 3.0, 7.0]) / 10 / 2)


def test_random_guess_success_counts_draws_within_the_tolerance_inclusively():
    pool = np.array([4.0, 0.0, np.nan, 3.0, 1.0, 2.0])
    # within 1 of 2: 1, 2, 3 (both ends count); within 1 of 0: 0, 1; the missing values are skipped
    assert targeted.random_guess_success(pool, np.array([2.0, 0.0, np.nan]), True, 1.0) == pytest.approx((3 / 5 + 2 / 5) / 2)
    assert targeted.random_guess_success(pool, np.array([10.0]), True, 1.0) == 0.0
    assert targeted.random_guess_success(np.array([np.nan]), np.array([1.0]), True, 1.0) == 0.0
    assert targeted.random_guess_success(pool, np.array([np.nan]), True, 1.0) == 0.0
    # a category the synthetic data never has is guessed with probability 0
    synthetic = np.array(["m", "m", "m", "f"], dtype=object)
    assert targeted.random_guess_success(synthetic, np.array(["f", "x"], dtype=object), False, 0.0) == pytest.approx(0.125)


def test_numeric_tolerance_is_one_percent_of_the_real_1_to_99_percentile_range():
    real = pd.Series(np.r_[np.arange(101.0), [np.nan]])
    assert targeted._tolerance(real) == pytest.approx(0.01 * (99.0 - 1.0))


def test_lookup_guesses_trust_only_keys_with_a_single_synthetic_row():
    keys = np.array([1, 2, 2, 3, 4, 5])
    values = np.array(["a", "b", "c", "b", "b", "\x00null"], dtype=object)
    by_key, fallback = targeted._lookup_guesses(keys, values, False)
    assert by_key.to_dict() == {1: "a", 3: "b", 4: "b", 5: "\x00null"} and fallback == "b"
    hits = targeted._hits((by_key, fallback), np.array([1, 2, 3, 9, 5]), np.array(["a", "b", "x", "b", "\x00null"], dtype=object), False, 0.0)
    np.testing.assert_array_equal(hits, [True, True, False, True, True])  # keys 2 and 9: the fallback

    numbers = np.array([10.0, 20.0, 30.0, 40.0, np.nan, 60.0])
    by_key, fallback = targeted._lookup_guesses(keys, numbers, True)
    assert by_key.to_dict() == {1: 10.0, 3: 40.0, 5: 60.0}  # key 4's value is missing
    assert fallback == pytest.approx(30.0)  # the median of every synthetic value
    hits = targeted._hits((by_key, fallback), np.array([1, 3, 7, 5]), np.array([10.5, 39.0, 30.0, 60.0]), True, 0.5)
    np.testing.assert_array_equal(hits, [True, False, True, True])  # within the tolerance counts


def test_values_read_categories_as_labels_with_missing_as_its_own_label():
    values = targeted._values(pd.Series(["a", None, 3]), False)
    assert values.dtype == object and list(values) == ["a", "\x00null", "3"]
    np.testing.assert_array_equal(targeted._values(pd.Series([1, None, 3.5]), True), [1.0, np.nan, 3.5])


def _linkage_tables():
    """1,000 train and 1,000 holdout people with a unique `zip`; the synthetic table copies 300 train
    people's zip with their true secrets (v off by 5, inside the tolerance), 100 holdout people's zip
    with wrong secrets, a train person twice (an ambiguous look-up), and 2,000 filler rows whose v
    makes the synthetic median (100.5) differ from its mode (-100)."""
    n = 1000
    train = pd.DataFrame({"zip": [f"t{i}" for i in range(n)], "s": ["b"] * 600 + ["a"] * 400, "v": np.arange(n, dtype=float)})
    holdout = pd.DataFrame({"zip": [f"h{i}" for i in range(n)], "s": ["b"] * 500 + ["a"] * 500, "v": np.arange(n, dtype=float)})
    leaked = train.iloc[:300].assign(v=train["v"].iloc[:300] + 5)
    wrong = holdout.iloc[:100].assign(s="a", v=holdout["v"].iloc[:100] + 500)
    twice = pd.concat([train.iloc[[400]]] * 2)
    filler = pd.DataFrame({"zip": [f"f{i}" for i in range(2000)], "s": "a", "v": [-100.0] * 1100 + [700.0] * 400 + [6000.0] * 500})
    synthetic = pd.concat([leaked, wrong, twice, filler], ignore_index=True)
    schema = infer_schema(pd.concat([train, holdout], ignore_index=True), target="s")
    return schema, train, holdout, synthetic


def test_linkage_attack_counted_by_hand():
    schema, train, holdout, synthetic = _linkage_tables()
    assert "v" in schema.numerical
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # clean inputs: nothing to warn about
        result = targeted.quasi_identifier_inference(synthetic, train, holdout, schema, ["zip"], ["v", "s"])
    estimate = result["qi_inference_advantage"]
    details = estimate.details
    s, v = details["secrets"]["s"], details["secrets"]["v"]
    # s: the fallback (the synthetic mode, "a") misses the 600 train and 500 holdout "b"s; the look-up
    # finds 300 of the train ones (person 400 is listed twice: not trusted) and none of the holdout ones
    assert (s["train_targets"], s["holdout_targets"], s["train_success"], s["holdout_success"]) == (600, 500, 0.5, 0.0)
    assert [s["advantage"], *s["ci"]] == pytest.approx(newcombe(300, 600, 0, 500), abs=1e-9)
    n_synthetic = len(synthetic)
    shares = {"b": 302 / n_synthetic, "a": 2100 / n_synthetic}
    assert s["random_guess_success"] == pytest.approx(0.6 * shares["b"] + 0.4 * shares["a"])
    # v: tolerance 1% of 989.01 - 9.99; the fallback (the median, 100.5) gets the 20 people with v in
    # 91..110 right on each side; the look-up (within 5) is right for the other 280 of the 300 train people
    tolerance = 0.01 * (989.01 - 9.99)
    assert (v["train_targets"], v["holdout_targets"], v["train_success"], v["holdout_success"]) == (980, 980, pytest.approx(280 / 980), 0.0)
    assert [v["advantage"], *v["ci"]] == pytest.approx(newcombe(280, 980, 0, 980), abs=1e-9)
    pool = synthetic["v"].to_numpy()
    brute = np.mean([np.sum(np.abs(pool - t) <= tolerance) / len(pool) for t in train["v"]])
    assert v["random_guess_success"] == pytest.approx(brute)

    assert details["worst_secret"] == "s" and details["matched_share"] == pytest.approx(0.301)
    assert (details["quasi_identifiers"], details["holdout_targets"], details["train_targets"]) == (["zip"], 1000, 1000)
    assert list(details["secrets"]) == ["v", "s"]
    assert set(s) == {"advantage", "ci", "train_targets", "holdout_targets", "train_success", "holdout_success", "random_guess_success"}
    assert (estimate.value, estimate.ci_low, estimate.ci_high) == pytest.approx(newcombe(300, 600, 0, 500), abs=1e-9)
    assert (estimate.baseline, estimate.n_samples, estimate.insufficient) == (0.0, 2000, None)


def test_linkage_attack_needs_two_hundred_targets_the_fallback_misses():
    schema, train, holdout, synthetic = _linkage_tables()
    # the synthetic mode is "b", so the fallback misses only the "a"s: 150 train people
    train = train.assign(s=["b"] * 850 + ["a"] * 150)
    synthetic = synthetic.assign(s="b")
    result = targeted.quasi_identifier_inference(synthetic, train, holdout, schema, ["zip"], ["s"])["qi_inference_advantage"]
    assert result.insufficient == "no secret has 200 targets per side that a fallback guess gets wrong"
    assert (result.value, result.baseline, result.n_samples) == (0.0, 0.0, 2000)
    assert result.details == {"quasi_identifiers": ["zip"], "holdout_targets": 1000, "train_targets": 1000}
    # a secret short of targets is skipped, the next one still judged
    both = targeted.quasi_identifier_inference(synthetic, train, holdout, schema, ["zip"], ["s", "v"])["qi_inference_advantage"]
    assert both.insufficient is None and both.details["worst_secret"] == "v" and list(both.details["secrets"]) == ["v"]
    # exactly 200 "a"s are enough
    enough = targeted.quasi_identifier_inference(synthetic, train.assign(s=["b"] * 800 + ["a"] * 200), holdout, schema, ["zip"], ["s"])
    assert enough["qi_inference_advantage"].details["secrets"]["s"]["train_targets"] == 200


def test_linkage_attack_insufficient_holdout_states_its_numbers(adult_split):
    schema, train, holdout = adult_split
    result = targeted.quasi_identifier_inference(holdout, train, holdout, schema, ["age", "sex"], ["income"])["qi_inference_advantage"]
    assert result.insufficient == "480 holdout targets; at least 1000 are needed"
    assert (result.value, result.baseline, result.n_samples) == (0.0, 0.0, 480)
    assert result.details == {"quasi_identifiers": ["age", "sex"], "holdout_targets": 480}


def test_vulnerable_membership_rebuilt_from_exposure_scores(adult_split):
    """2,400 real rows: all of them form the exposure reference, so the attacked set is determined."""
    schema, train, holdout = adult_split
    train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
    synthetic = pd.concat([train.iloc[:200], holdout.iloc[:100]], ignore_index=True)
    result = targeted.vulnerable_membership(synthetic, train, holdout, schema, holdout_targets=61)

    real = pd.concat([train, holdout], ignore_index=True)
    is_member = np.r_[np.ones(len(train), bool), np.zeros(len(holdout), bool)]
    space = MixedSpace.fit(real, schema)
    encoded = space.encode(real)
    _, exposure = nearest_two(encoded, encoded)  # the nearest other record (itself is at 0)
    order = np.argsort(-exposure, kind="stable")
    cutoff = int(np.flatnonzero(np.cumsum(~is_member[order]) == 61)[0]) + 1
    targets = order[:cutoff]
    # the last target's score is held by no other record: the attacked set is the same for any tie order
    assert np.sum(exposure == exposure[order[cutoff - 1]]) == 1
    # (and the reported figures have more digits than they are rounded to)
    assert round(cutoff / len(real), 4) != round(cutoff / len(real), 5)
    assert round(float(exposure[targets].min()), 6) != round(float(exposure[targets].min()), 7)
    to_synthetic, _ = nearest_two(space.encode(real.iloc[targets]), space.encode(synthetic))
    labels_ = is_member[targets]
    distance = auc_estimate(labels_, -to_synthetic)
    density = auc_estimate(labels_, np.log(exposure[targets] + 1e-6) - np.log(to_synthetic + 1e-6))
    for name, expected in (("vulnerable_mia_distance_auc", distance), ("vulnerable_mia_density_auc", density)):
        got = result[name]
        assert (got.value, got.ci_low, got.ci_high, got.n_samples, got.baseline) == pytest.approx(
            (expected.value, expected.ci_low, expected.ci_high, expected.n_samples, 0.5)
        ), name
        assert got.details == {
            "holdout_targets": 61,
            "exposure_reference_rows": 5000,
            "members": int(labels_.sum()),
            "non_members": 61,
            "min_exposure": round(float(exposure[targets].min()), 6),
            "share_of_real_records": round(cutoff / len(real), 4),
        }, name
    # the default attacks 100 holdout records, at most a fifth of the holdout: 96 here
    assert targeted.vulnerable_membership(synthetic, train, holdout, schema)["vulnerable_mia_distance_auc"].details["non_members"] == 96


def test_vulnerable_membership_insufficient_states_its_numbers(adult_split):
    schema, train, holdout = adult_split
    result = targeted.vulnerable_membership(holdout, train, holdout.iloc[:249], schema)
    assert set(result) == {"vulnerable_mia_distance_auc", "vulnerable_mia_density_auc"}
    for estimate in result.values():
        assert estimate.insufficient == "249 holdout rows give 49 vulnerable targets; at least 50 are needed"
        assert (estimate.value, estimate.baseline, estimate.n_samples) == (0.5, 0.5, 49)
        assert estimate.details == {"holdout_targets": 49, "exposure_reference_rows": 5000}
    assert targeted.vulnerable_membership(holdout, train, holdout.iloc[:250], schema)["vulnerable_mia_distance_auc"].insufficient is None


def test_exposed_near_copies_rebuilt_from_spacings(adult_split):
    """Inputs under every cap are used whole: exposure cut, near copies and the holdout's chance rate."""
    schema, train, holdout = adult_split
    train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
    space = MixedSpace.fit(pd.concat([train, holdout], ignore_index=True), schema)
    encoded = space.encode(train)
    _, spacing = nearest_two(encoded, encoded)
    cut = float(np.quantile(spacing, 0.9))
    assert round(cut, 6) != round(cut, 7)
    exposed = np.flatnonzero((spacing > 0) & (spacing >= cut))
    # synthetic: 30 exposed train records copied, 30 barely moved, and holdout rows
    moved = train.iloc[exposed[30:60]].assign(age=train["age"].iloc[exposed[30:60]] + 1)
    synthetic = pd.concat([train.iloc[exposed[:30]], moved, holdout.iloc[:140]], ignore_index=True)
    result = targeted.exposed_near_copies(synthetic, train, holdout, schema)

    def near_copy(frame):
        distance, _, nearest = nearest_two_with_index(space.encode(frame), encoded)
        own = spacing[nearest]
        return (own > 0) & (own >= cut) & (distance < 0.2 * own)

    synthetic_hits, holdout_hits = near_copy(synthetic), near_copy(holdout)
    assert synthetic_hits[:30].all()
    expected = newcombe(int(synthetic_hits.sum()), 200, int(holdout_hits.sum()), len(holdout))
    assert (result.value, result.ci_low, result.ci_high) == pytest.approx(expected, abs=1e-9)
    assert (result.baseline, result.n_samples) == (0.0, 200)
    assert result.details == {
        "exposure_cut": round(cut, 6),
        "exposed_share": 0.1,
        "spacing_fraction": 0.2,
        "train_rows": len(train),
        "synthetic_share": float(synthetic_hits.mean()),
        "holdout_share": float(holdout_hits.mean()),
        "holdout_rows": len(holdout),
    }


def _numbers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(0.0, 1.0, n), "y": rng.integers(0, 1000, n).astype(float), "label": rng.choice(["a", "b"], n)})


def test_large_inputs_are_sampled_with_the_seed():
    """Above the caps (5,000 exposure reference rows and spacing samples, 50,000 linkage targets)
    the attacks sample: the default seed is 0, and another seed samples other records."""
    train, holdout = _numbers(5000, 1), _numbers(1000, 2)
    schema = infer_schema(train, target="label")
    synthetic = train.iloc[:300]
    membership = [targeted.vulnerable_membership(synthetic, train, holdout, schema, **seed) for seed in ({}, {"seed": 0}, {"seed": 1})]
    assert membership[0]["vulnerable_mia_distance_auc"].details == membership[1]["vulnerable_mia_distance_auc"].details
    assert membership[0]["vulnerable_mia_distance_auc"].details != membership[2]["vulnerable_mia_distance_auc"].details
    train = _numbers(6000, 3)
    copies = [targeted.exposed_near_copies(synthetic, train, holdout, schema, **seed) for seed in ({}, {"seed": 0}, {"seed": 1})]
    assert copies[0].details["exposure_cut"] == copies[1].details["exposure_cut"] != copies[2].details["exposure_cut"]
    assert copies[0].details["train_rows"] == 6000

    n = 50_010
    people = pd.DataFrame({"zip": np.arange(n) % 5000, "s": np.where(np.arange(n) % 3 == 0, "b", "a")})
    linkage_schema = infer_schema(people.assign(zip=people["zip"].astype(str)), target="s")
    linked = [
        targeted.quasi_identifier_inference(people, people, people, linkage_schema, ["zip"], ["s"], **seed)["qi_inference_advantage"]
        for seed in ({}, {"seed": 0}, {"seed": 1})
    ]
    assert (linked[0].details["train_targets"], linked[0].details["holdout_targets"], linked[0].n_samples) == (50_000, 50_000, 100_000)
    assert linked[0].details == linked[1].details and linked[0].details != linked[2].details


def test_numeric_fallback_is_the_overall_median_even_when_no_key_is_unique():
    keys = np.array([1, 1, 2, 2])
    by_key, fallback = targeted._lookup_guesses(keys, np.array([10.0, 20.0, 30.0, 40.0]), True)
    assert by_key.empty
    assert fallback == pytest.approx(25.0)  # as for categories, whose fallback is always the mode
    assert np.isnan(targeted._lookup_guesses(keys, np.full(4, np.nan), True)[1])  # no value at all: no guess


def test_exposed_near_copies_of_records_exactly_at_the_exposure_cut():
    """Spacings in exact binary fractions: 83 clustered records 1 apart, 17 outliers 16 apart. The 90%
    quantile of the spacings falls among the outliers' equal spacings, so every outlier is exposed,
    being exactly at the cut; synthetic copies of them are near copies, the holdout's cluster rows not."""
    x = np.r_[np.arange(83.0), 256 + 16 * np.arange(17.0)]
    train = pd.DataFrame({"x": x, "label": "a"})
    holdout = pd.DataFrame({"x": np.arange(0.5, 40.5), "label": "a"})
    schema = infer_schema(pd.DataFrame({"x": [0.0, 1.0], "label": ["a", "b"]}), target="label")
    result = targeted.exposed_near_copies(train.iloc[83:], train, holdout, schema)
    assert result.details["exposure_cut"] == round(16 / 512 / 2, 6)
    assert (result.details["synthetic_share"], result.details["holdout_share"]) == (1.0, 0.0)


def test_exposed_near_copies_sample_large_query_sets():
    """Over 10,000 synthetic or holdout rows, a sample of 10,000 each is compared."""
    big = _numbers(10_001, 5)
    train = _numbers(300, 6)
    schema = infer_schema(train, target="label")
    result = targeted.exposed_near_copies(big, train, big, schema)
    assert result.n_samples == 10_000 and result.details["holdout_rows"] == 10_000
