"""Privacy metrics: exact matches, the equal-size DCR share, quasi-identifiers, determinism."""

import warnings

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics import privacy
from synth_assets.metrics.anonymeter_risk import anonymeter_risks
from synth_assets.metrics.distance import MixedSpace, nearest_two
from synth_assets.metrics.estimate import Estimate, auc_estimate
from synth_assets.schema import infer_schema
from tests.metrics.reference import newcombe, wilson


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


def _fields(estimate: Estimate) -> tuple:
    return (estimate.value, estimate.ci_low, estimate.ci_high, estimate.baseline, estimate.n_samples, estimate.insufficient)


def _same(actual: Estimate, expected: Estimate) -> bool:
    """Equal fields, intervals to 1e-9 (the closed forms round differently)."""
    return _fields(actual) == pytest.approx(_fields(expected), abs=1e-9)


@pytest.fixture
def copies():
    """Hand-made: synthetic has 3 rows equal to train rows and 2 equal to holdout rows; one holdout row
    equals a train row. The frames carry unrelated indices, which must not matter."""
    train = pd.DataFrame(
        {"age": [30, 40, 50, 60], "city": ["a", "b", None, "d"], "married": [True, False, True, False], "y": ["n", "y", "n", "y"]},
        index=[10, 11, 12, 13],
    )
    holdout = pd.DataFrame(
        {"age": [50, 31, 41, 51, 61], "city": [None, "e", "f", "g", "h"], "married": [True, True, True, False, False], "y": ["n", "y", "y", "n", "n"]},
        index=[0, 1, 2, 3, 4],
    )
    synthetic = pd.DataFrame(
        {
            # train rows 0, 1, 0; holdout rows 1, 2; then five new rows (one with the *string* "None"
            # where train row 2 has a missing city, one that differs from train row 3 in one column)
            "age": [30, 40, 30, 31, 41, 50, 60, 70, 80, 90],
            "city": ["a", "b", "a", "e", "f", "None", "d", "x", "y", "z"],
            "married": [True, False, True, True, True, True, True, False, False, False],
            "y": ["n", "y", "n", "y", "y", "n", "y", "n", "n", "n"],
        },
        index=range(100, 110),
    )
    return infer_schema(train, target="y"), train, holdout, synthetic


def test_exact_copy_rate_counted_by_hand(copies):
    schema, train, holdout, synthetic = copies
    result = privacy.exact_copy_rate(synthetic, train, holdout, schema)
    assert set(result) == {"exact_copy_excess", "exact_copy_rate", "exact_match_holdout"}

    rate = result["exact_copy_rate"]
    assert _same(rate, Estimate(0.3, *wilson(3, 10), baseline=0.2, n_samples=10))
    holdout_matches = result["exact_match_holdout"]
    assert _same(holdout_matches, Estimate(0.2, *wilson(2, 10), n_samples=10))
    excess = result["exact_copy_excess"]
    value, low, high = newcombe(3, 10, 1, 5)
    assert (excess.value, excess.ci_low, excess.ci_high) == pytest.approx((value, low, high))
    assert (excess.baseline, excess.n_samples) == (0.0, 10)
    assert excess.details == {"synthetic_in_train": 0.3, "holdout_in_train": 0.2, "holdout_rows": 5}


def test_exact_match_share_on_all_and_no_matches(copies):
    _, train, _, _ = copies
    columns = ["age", "city", "married", "y"]
    assert _same(privacy.exact_match_share(train, train, columns), Estimate(1.0, *wilson(4, 4), n_samples=4))
    # a subset of the columns: only those are compared
    other = train.assign(y="changed")
    assert privacy.exact_match_share(other, train, columns).value == 0.0
    assert privacy.exact_match_share(other, train, ["age", "city"]).value == 1.0


def test_row_hashes_keep_missing_apart_from_its_spellings_and_booleans_apart_from_numbers():
    missing = pd.DataFrame({"c": [None, np.nan, pd.NA]}, dtype=object)
    spelled = pd.DataFrame({"c": ["None", "nan", "<NA>"]})
    hashes = privacy.canonical_row_hashes(missing, ["c"])
    assert len(set(hashes)) == 1  # every spelling of missing is one value
    assert not np.isin(privacy.canonical_row_hashes(spelled, ["c"]), hashes).any()
    # booleans are labels: True equals the label "True", not the number 1
    flags = pd.DataFrame({"b": [True, False]})
    assert (privacy.canonical_row_hashes(flags, ["b"]) == privacy.canonical_row_hashes(pd.DataFrame({"b": ["True", "False"]}), ["b"])).all()
    assert not np.isin(privacy.canonical_row_hashes(flags, ["b"]), privacy.canonical_row_hashes(pd.DataFrame({"b": [1.0, 0.0]}), ["b"])).any()
    # different rows hash differently; the index does not enter
    rows = pd.DataFrame({"x": [1, 2, 2], "c": ["u", "u", "v"]}, index=[5, 6, 7])
    hashes = privacy.canonical_row_hashes(rows, ["x", "c"])
    assert len(set(hashes)) == 3
    assert (hashes == privacy.canonical_row_hashes(rows.reset_index(drop=True), ["x", "c"])).all()
    # a number in an object column reads as its label
    labels = pd.DataFrame({"c": pd.Series([1, "1", 2.5], dtype=object)})
    mixed = privacy.canonical_row_hashes(labels, ["c"])
    assert mixed[0] == mixed[1] != mixed[2]
    # ... also next to a missing value, which stays missing (not the label "None")
    with_missing = privacy.canonical_row_hashes(pd.DataFrame({"c": pd.Series([None, 1], dtype=object)}), ["c"])
    spelled_out = privacy.canonical_row_hashes(pd.DataFrame({"c": pd.Series(["None", "1"], dtype=object)}), ["c"])
    assert with_missing[0] != spelled_out[0] and with_missing[1] == spelled_out[1]


def test_quasi_identifier_risk_reports_its_sample_sizes_interval_and_holdout_baseline():
    train = pd.DataFrame({"zip": ["1", "1", "2", "3", "4"], "age": [30, 30, 40, 50, 60]})
    holdout = pd.DataFrame({"zip": ["2", "4", "1", "9"], "age": [40, 60, 30, 9]})
    synthetic = pd.DataFrame({"zip": ["2", "3", "1", "9", "2"], "age": [40, 50, 30, 9, 40]})
    result = privacy.quasi_identifier_risk(synthetic, train, holdout, ["zip", "age"])
    share = result["qi_unique_share"]
    assert share == Estimate(0.6, n_samples=5)  # (2,40), (3,50), (4,60) are unique among 5 rows
    assert share.details == {"quasi_identifiers": ["zip", "age"]}
    rate = result["qi_unique_match_rate"]
    # synthetic rows (2,40), (3,50), (2,40) point at unique train rows; holdout rows (2,40), (4,60)
    assert _same(rate, Estimate(0.6, *wilson(3, 5), baseline=0.5, n_samples=5))
    assert rate.details == {"quasi_identifiers": ["zip", "age"]}


def _equal_size(share: float, n_train: int, n_holdout: int) -> float:
    """The share closer to train if both splits had one row each: rows weighted by 1 / split size."""
    share = min(max(share, 0.0), 1.0)
    return (share / n_train) / (share / n_train + (1 - share) / n_holdout)


def test_dcr_share_worked_by_hand():
    to_train = np.array([0.1, 0.05, 0.3, 0.37, 0.2])
    to_holdout = np.array([0.2, 0.1, 0.3, 0.47, 0.25])
    dcr = privacy._dcr_share(to_train, to_holdout, 400, 100)
    # closer to train: 1, 1, a tie (1/2), 1, 1 -> raw 0.9; sample sd of (1, 1, .5, 1, 1) = sqrt(0.05)
    half = 1.96 * 0.05**0.5 / 5**0.5
    assert dcr.value == pytest.approx(_equal_size(0.9, 400, 100))
    assert dcr.ci_low == pytest.approx(_equal_size(0.9 - half, 400, 100))
    assert dcr.ci_high == 1.0 and (dcr.baseline, dcr.n_samples) == (0.5, 5)
    details = dcr.details
    assert (details["raw_share_closer_to_train"], details["train_rows"], details["holdout_rows"], details["ties"]) == (
        pytest.approx(0.9), 400, 100, 0.2
    )
    # the 99th percentile of all ten distances: 0.37 + 0.91 * (0.47 - 0.37); 30 bins up to it,
    # and the distance beyond it (0.47) counts in the last bin
    top = 0.37 + 0.91 * 0.1
    histogram = details["histogram"]
    assert set(histogram) == {"edges", "to_train", "to_holdout"}
    assert histogram["edges"] == pytest.approx([round(top * i / 30, 6) for i in range(31)], abs=1e-12)
    assert histogram["edges"] == [round(e, 6) for e in histogram["edges"]]
    expected_train, expected_holdout = [0] * 30, [0] * 30
    for b in (6, 3, 19, 24, 13):
        expected_train[b] += 1
    for b in (13, 6, 19, 29, 16):
        expected_holdout[b] += 1
    assert histogram["to_train"] == expected_train and histogram["to_holdout"] == expected_holdout


def test_dcr_share_of_exact_ties_and_of_a_single_row():
    zeros = np.zeros(4)
    dcr = privacy._dcr_share(zeros, zeros, 10, 10)
    assert (dcr.value, dcr.ci_low, dcr.ci_high) == (0.5, 0.5, 0.5)
    assert dcr.details["ties"] == 1.0 and dcr.details["histogram"]["edges"][-1] == 1.0  # all at 0: bins up to 1
    assert dcr.details["histogram"]["to_train"] == [4] + [0] * 29
    # one row: no spread to estimate, so the interval is +-0.5 around the raw share
    one = privacy._dcr_share(np.array([0.2]), np.array([0.1]), 10, 10)
    assert (one.value, one.ci_low, one.ci_high) == (0.0, 0.0, 0.5)
    # two rows: the interval from their spread; a distance beyond the 99th percentile in the last bin
    two = privacy._dcr_share(np.array([0.0, 1.0]), np.array([0.0, 0.0]), 10, 10)
    half = 1.96 * 0.125**0.5 / 2**0.5  # closer: 1/2 (a tie), 0; sample sd sqrt(1/8)
    assert (two.value, two.ci_low, two.ci_high) == pytest.approx((0.25, 0.0, 0.25 + half))
    assert two.details["histogram"]["to_train"] == [1] + [0] * 28 + [1]
    # the share closer to holdout: below one half, the lower bound clipped at 0
    low = privacy._dcr_share(np.array([0.3, 0.3, 0.1]), np.array([0.1, 0.2, 0.2]), 10, 30)
    raw, half = 1 / 3, 1.96 * (1 / 3) ** 0.5 / 3**0.5
    assert low.value == pytest.approx(_equal_size(raw, 10, 30))
    assert (low.ci_low, low.ci_high) == (0.0, pytest.approx(_equal_size(raw + half, 10, 30)))


def test_nearest_neighbour_ratio_counts_two_identical_neighbours_as_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ratio = privacy._ratio(np.array([0.0, 1.0, 2.0, 0.0, 0.5]), np.array([0.0, 2.0, 4.0, 3.0, 0.5]))
    np.testing.assert_array_equal(ratio, [0.0, 0.5, 0.5, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(privacy._ratio(np.array([2.0]), np.array([0.0])), [0.0])  # never a warning


def test_percentile_interval_is_a_percentile_bootstrap():
    values = np.random.default_rng(4).normal(size=300)
    low, high = privacy._percentile_interval(values, 5, np.random.default_rng(11))
    rng = np.random.default_rng(11)
    estimates = []
    for _ in range(200):  # 200 resamples of all rows, with replacement
        resample = values[rng.integers(0, len(values), size=len(values))]
        estimates.append(np.percentile(resample, 5))
    assert (low, high) == (np.percentile(estimates, 2.5), np.percentile(estimates, 97.5))
    assert privacy._percentile_interval(np.full(7, 3.0), 50, np.random.default_rng(0)) == (3.0, 3.0)


def test_distance_privacy_against_its_parts(adult_split):
    """Small inputs are used whole, so each number can be rebuilt from nearest-neighbour distances."""
    schema, train, holdout = adult_split
    train, holdout = train.iloc[:300], holdout.iloc[:120]
    synthetic = pd.concat([train.iloc[:40], holdout.iloc[:20], train.iloc[100:140].assign(age=train["age"].iloc[100:140] + 1)], ignore_index=True)
    result = privacy.distance_privacy(synthetic, train, holdout, schema)
    assert set(result) == {"dcr_share", "dcr_p05", "nndr_p05", "nndr_p10", "near_copy_excess", "mia_distance_auc", "mia_density_auc"}

    space = MixedSpace.fit(pd.concat([train, holdout]), schema)
    to_train, second = nearest_two(space.encode(synthetic), space.encode(train))
    to_holdout, _ = nearest_two(space.encode(synthetic), space.encode(holdout))
    probe, probe_second = nearest_two(space.encode(holdout), space.encode(train))
    dcr = result["dcr_share"]
    assert dcr.details["raw_share_closer_to_train"] == pytest.approx(np.mean((to_train < to_holdout) + 0.5 * (to_train == to_holdout)))
    assert (dcr.details["train_rows"], dcr.details["holdout_rows"], dcr.n_samples) == (300, 120, 100)

    def nndr(a, b):
        return np.array([x / y if y > 0 else 0.0 for x, y in zip(a, b, strict=True)])

    for name, values, baseline, q in (
        ("dcr_p05", to_train, probe, 5),
        ("nndr_p05", nndr(to_train, second), nndr(probe, probe_second), 5),
        ("nndr_p10", nndr(to_train, second), nndr(probe, probe_second), 10),
    ):
        estimate = result[name]
        assert estimate.value == pytest.approx(np.percentile(values, q)), name
        assert estimate.baseline == pytest.approx(np.percentile(baseline, q)), name
        assert estimate.n_samples == 100 and values.min() <= estimate.ci_low <= estimate.ci_high <= values.max(), name
    assert result["nndr_p05"].baseline != result["nndr_p10"].baseline
    near = result["near_copy_excess"]
    radius = np.quantile(probe, 20 / 120)
    assert near.details["radius"] == pytest.approx(radius)
    assert near.value == pytest.approx(np.mean(to_train <= radius) - np.mean(probe <= radius))

    for name in ("mia_distance_auc", "mia_density_auc"):
        # holdout halves: 60 non-members, 60 reference rows; 60 members drawn from train
        assert result[name].details["members"] == result[name].details["non_members"] == 60
        assert result[name].n_samples == 120 and result[name].baseline == 0.5
    assert result["mia_density_auc"].details["reference_rows"] == 60
    assert "reference_rows" not in result["mia_distance_auc"].details

    # deterministic for a seed, the default seed is 0, and another seed draws other bootstrap samples
    again = privacy.distance_privacy(synthetic, train, holdout, schema, seed=0)
    assert all(again[k] == result[k] for k in result)
    other = privacy.distance_privacy(synthetic, train, holdout, schema, seed=1)
    assert any(other[k] != result[k] for k in result)


def test_distance_privacy_caps_its_query_and_reference_rows(adult_split):
    schema, train, holdout = adult_split
    result = privacy.distance_privacy(holdout, train, holdout, schema, max_query_rows=50, max_reference_rows=200)
    dcr = result["dcr_share"]
    assert dcr.n_samples == 50 and (dcr.details["train_rows"], dcr.details["holdout_rows"]) == (200, 200)
    assert result["dcr_p05"].n_samples == 50


def test_membership_attacks_see_a_generator_that_copied_its_training_rows(adult_split):
    schema, train, holdout = adult_split
    copied = train.sample(frac=1.0, random_state=0)
    result = privacy.distance_privacy(copied, train, holdout, schema)
    # every member is at distance 0 from a synthetic row; non-members are not (Adult has few duplicates)
    assert result["mia_distance_auc"].value > 0.97
    assert result["mia_density_auc"].value > 0.97
    assert result["mia_distance_auc"].details == {"members": 240, "non_members": 240}
    assert result["dcr_share"].value > 0.95 and result["dcr_p05"].value == 0.0


def test_membership_attack_sizes_on_a_large_holdout_with_duplicates():
    """Coarse values make exact duplicates (distance 0, which the density score must survive); a
    holdout over 5,000 rows is probed on a sample; at most 2,000 members and non-members each."""
    rng = np.random.default_rng(8)

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"x": rng.integers(0, 12, n).astype(float), "label": rng.choice(["a", "b"], n)})

    train, holdout, synthetic = frame(2100), frame(5100), frame(50)
    schema = infer_schema(train, target="label")
    result = privacy.distance_privacy(synthetic, train, holdout, schema)
    for name in ("mia_distance_auc", "mia_density_auc"):
        assert np.isfinite(result[name].value) and result[name].details["members"] == 2000 == result[name].details["non_members"]
    assert result["mia_density_auc"].details["reference_rows"] == 2550
    assert result["dcr_share"].details["holdout_rows"] == 5100
    # fewer train rows than non-members: as many non-members as members
    small = privacy.distance_privacy(synthetic, train.iloc[:300], holdout.iloc[:1000], schema)
    assert small["mia_distance_auc"].details == {"members": 300, "non_members": 300}
