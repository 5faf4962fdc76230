"""Coverage metrics on frames whose answers can be counted by hand."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.gates import Gate
from synth_assets.metrics import coverage
from synth_assets.schema import SchemaContract, infer_schema


@pytest.fixture
def frames():
    real = pd.DataFrame(
        {
            "colour": ["red"] * 50 + ["blue"] * 45 + ["green"] * 5,
            "size": list(range(100)),
            "label": ["a", "b"] * 50,
        }
    )
    synthetic = pd.DataFrame(
        {
            "colour": ["red"] * 60 + ["purple"] * 40,  # loses blue and green, invents purple
            "size": [150] * 10 + [50] * 90,  # ten (red) rows beyond the real maximum
            "label": ["a", "b"] * 50,
        }
    )
    return real, synthetic, infer_schema(real, target="label")


def test_category_coverage_counts_only_categories_a_faithful_sample_would_contain(frames):
    real, synthetic, schema = frames
    result = coverage.category_coverage(real, synthetic, schema)
    colours = result.details["columns"]["colour"]
    # green (5%) would be expected 5 times in 100 rows: eligible; blue and green are missing
    assert (colours["eligible"], colours["covered_eligible"]) == (3, 1)
    assert result.value == pytest.approx((1 + 2) / (3 + 2))  # colour 1/3, label 2/2
    assert colours["missing_named"] == ["blue"]  # 45 rows: publishable; green (5 rows) is only counted
    assert colours["missing_small"] == 1


def test_novel_values_count_invented_categories_and_out_of_range_numbers(frames):
    real, synthetic, schema = frames
    result = coverage.novel_values(real, synthetic, schema)
    assert result.value == pytest.approx(0.5)  # 40 purple rows + 10 rows of size 150, disjoint
    assert result.details["columns"]["colour"] == {"new_categories": 1, "rows": 40}
    assert result.details["columns"]["size"] == {"out_of_range_rows": 10}


def test_tail_coverage_and_range(frames):
    real, synthetic, schema = frames
    real = pd.concat([real, real], ignore_index=True)
    result = coverage.tail_coverage(real, synthetic, schema)
    # synthetic spans [50, 150] against the real [0, 99]: half the real range
    assert result["range_coverage"].value == pytest.approx(49 / 99)
    assert result["tail_quantile_error"].value > 0.3
    # 200 real rows: beyond the 1% and 99% quantiles lie two rows each, too few to publish
    assert set(result["tail_quantile_error"].details["columns"]["size"]["quantiles"]) == {"0.05", "0.95"}


def test_rare_category_ratio(frames):
    real, synthetic, schema = frames
    real = pd.concat([real] * 3 + [real.iloc[[0]].assign(colour="rare")], ignore_index=True)
    synthetic = pd.concat([synthetic, synthetic.iloc[[0, 1]].assign(colour="rare")], ignore_index=True)
    result = coverage.rare_category_ratio(real, synthetic, schema)
    expected = (2 / len(synthetic)) / (1 / len(real))
    assert result.value == pytest.approx(expected)


def test_tail_share_error_sees_a_point_mass_in_the_tail(adult):
    real, other = adult.iloc[::2].reset_index(drop=True), adult.iloc[1::2].reset_index(drop=True)
    schema = infer_schema(adult, target="income")
    gate = Gate("tail_share_error", "coverage", "max", 0.02, "")
    honest = coverage.tail_share_error(real, other, schema)
    assert honest.value < 0.01 and gate.holds(honest.value)
    # The case: 5.8% of synthetic rows at capital_gain = 99999, where real data have 0.5%.
    spiked = other.copy()
    spiked.loc[spiked.sample(frac=0.058, random_state=0).index, "capital_gain"] = 99999
    result = coverage.tail_share_error(real, spiked, schema)
    column = result.details["columns"]["capital_gain"]
    assert result.details["worst_column"] == "capital_gain" and not gate.holds(result.value)
    assert column["real_above_p99"] < 0.011 and column["synthetic_above_p99"] > 0.055
    assert result.value == pytest.approx(column["gap"], abs=1e-5)


def test_tail_shares_on_a_small_table_are_not_judged(adult):
    schema = infer_schema(adult, target="income")
    small = coverage.tail_share_error(adult.iloc[:900], adult.iloc[900:1800], schema)
    assert small.insufficient == "900 real rows; tail shares need 1,000"


def test_category_coverage_details_per_column(frames):
    real, synthetic, schema = frames
    real = real.assign(colour=real["colour"].where(real.index != 0, None))  # a missing value is no category
    real.loc[1:3, "colour"] = "teal"  # 3 rows: neither eligible nor publishable
    synthetic = synthetic.assign(label=synthetic["label"].where(synthetic.index != 1, None))
    result = coverage.category_coverage(real, synthetic, schema)
    assert (result.baseline, result.n_samples) == (1.0, 100)
    assert result.details["columns"] == {
        "colour": {"real_categories": 4, "eligible": 3, "covered_eligible": 1, "covered_all": 1, "missing_named": ["blue"], "missing_small": 2},
        "label": {"real_categories": 2, "eligible": 2, "covered_eligible": 2, "covered_all": 2, "missing_named": [], "missing_small": 0},
    }
    # 200 synthetic rows: the 5% category is expected 10 times; 50 rows: 2.5 times, not eligible
    assert coverage.category_coverage(real, synthetic.iloc[:50], schema).details["columns"]["colour"]["eligible"] == 2
    numbers_only = infer_schema(real[["size"]].assign(label=real["label"]), target="label")
    assert coverage.category_coverage(real, synthetic, numbers_only).value == pytest.approx(1.0)
    no_categories = SchemaContract(columns=tuple(c for c in schema.columns if c.name == "size"), target="size")
    assert coverage.category_coverage(real, synthetic, no_categories).value == 1.0


def test_rare_category_ratio_names_only_publishable_categories():
    real = pd.DataFrame(
        {
            "common": ["u", "v"] * 1000,  # no rare category, and listed first
            "colour": ["x"] * 15 + ["y"] * 5 + ["w"] * 20 + ["z"] * 1960,  # w: exactly 1%, not rare
            "shade": ["s"] * 10 + ["t"] * 1990,
            "label": ["a", "b"] * 1000,
            "size": range(2000),
        }
    )
    synthetic = pd.DataFrame(
        {
            "common": ["u"] * 1010,
            "colour": ["x"] * 5 + ["w"] * 5 + ["z"] * 990 + [None] * 10,
            "shade": ["s"] * 2 + ["t"] * 998 + [None] * 10,
            "label": ["a", "b"] * 505,
            "size": range(1010),
        }
    )
    schema = infer_schema(real, target="label")
    result = coverage.rare_category_ratio(real, synthetic, schema)
    # colour x: 0.5% of (non-missing) synthetic against 0.75% real; y: none against 0.25%; shade s: 0.2% against 0.5%
    assert result.value == pytest.approx((0.005 / 0.0075 + 0.0 + 0.002 / 0.005) / 3)
    assert (result.baseline, result.n_samples) == (1.0, 3)
    assert result.details == {
        "columns": {
            "colour": {"rare_categories": 2, "mean_ratio": 0.3333, "ratios": {"x": 0.6667}},
            "shade": {"rare_categories": 1, "mean_ratio": 0.4, "ratios": {"s": 0.4}},
        }
    }
    common = coverage.rare_category_ratio(real[["label", "size"]], synthetic[["label", "size"]], infer_schema(real[["label", "size"]], target="label"))
    assert common.value == 1.0 and common.baseline == 1.0 and common.n_samples is None
    assert common.details == {"note": "no rare categories", "columns": {}}


def test_tail_coverage_counted_by_hand():
    # z: real [100, 100.4995], a spread under 1 and away from 0; synthetic z shifted by 0.25
    real = pd.DataFrame({"x": np.arange(1000.0), "w": np.arange(1000.0), "z": 100 + np.arange(1000) / 2000, "label": ["a", "b"] * 500})
    synthetic = pd.DataFrame(
        {"x": np.arange(1000.0) * 2, "w": np.arange(1000.0) + 666, "z": 100.25 + np.arange(1000) / 2000, "label": ["a", "b"] * 500}
    )
    schema = infer_schema(real, target="label")
    result = coverage.tail_coverage(real, synthetic, schema)
    # real quantiles 9.99, 49.95, 949.05, 989.01 (spread 979.02); x doubles them, w adds 666
    spread = 989.01 - 9.99
    x_gap = (9.99 + 49.95 + 949.05 + 989.01) / 4 / spread
    w_gap = 666 / spread
    z_gap = 0.25 / (spread / 2000)
    error = result["tail_quantile_error"]
    assert error.value == pytest.approx((x_gap + w_gap + z_gap) / 3) and (error.baseline, error.n_samples) == (0.0, 1000)
    columns = error.details["columns"]
    assert columns["x"]["mean_gap"] == round(x_gap, 4) and columns["w"]["mean_gap"] == round(w_gap, 4) == 0.6803
    assert columns["x"]["quantiles"] == {
        "0.01": {"real": pytest.approx(9.99), "synthetic": pytest.approx(19.98)},
        "0.05": {"real": pytest.approx(49.95), "synthetic": pytest.approx(99.9)},
        "0.95": {"real": pytest.approx(949.05), "synthetic": pytest.approx(1898.1)},
        "0.99": {"real": pytest.approx(989.01), "synthetic": pytest.approx(1978.02)},
    }
    # x covers all of [0, 999]; w only [666, 999], a third; z [100.25, 100.4995] of [100, 100.4995]
    z_coverage = 0.2495 / 0.4995
    assert (columns["x"]["range_coverage"], columns["w"]["range_coverage"], columns["z"]["range_coverage"]) == (1.0, 0.3333, round(z_coverage, 4))
    span = result["range_coverage"]
    assert span.value == pytest.approx((1.0 + 1 / 3 + z_coverage) / 3) and (span.baseline, span.n_samples, span.details) == (1.0, 1000, None)


def test_tail_coverage_of_constant_and_empty_columns():
    # e (empty) comes first: an empty column is skipped, the others still measured; o has one value
    real = pd.DataFrame({"e": [np.nan] * 20, "k": [3.0] * 20, "o": [5.0] + [np.nan] * 19, "label": ["a", "b"] * 10})
    schema = SchemaContract(
        columns=tuple(infer_schema(pd.DataFrame({"e": [1.0, 2.0], "k": [1.0, 2.0], "o": [1.0, 2.0], "label": ["a", "b"]}), target="label").columns),
        target="label",
    )
    same = coverage.tail_coverage(real, real, schema)
    assert same["tail_quantile_error"].value == 0.0 and same["range_coverage"].value == 1.0
    shifted = coverage.tail_coverage(real, real.assign(k=[3.0] * 19 + [4.0]), schema)
    # no spread: a quantile counts 1 when it moved at all (the 95% and 99% ones: 3.05, 3.81); 3 is still
    # there. o is unchanged: (0.5 + 0) / 2
    assert shifted["tail_quantile_error"].value == pytest.approx(0.25) and shifted["range_coverage"].value == 1.0
    missing = coverage.tail_coverage(real, real.assign(k=[4.0] * 20), schema)
    assert missing["tail_quantile_error"].value == 0.5 and missing["range_coverage"].value == 0.5
    assert list(missing["tail_quantile_error"].details["columns"]) == ["k", "o"]  # the empty column is skipped
    assert missing["tail_quantile_error"].details["columns"]["o"]["range_coverage"] == 1.0
    assert coverage.tail_coverage(real, real.assign(k=np.nan, o=np.nan), schema) == {}


def test_tail_share_error_counted_by_hand():
    # e: no synthetic value (skipped, though listed first); o: a single value on each side
    real = pd.DataFrame(
        {"e": np.arange(1000.0), "x": np.arange(1000.0), "w": np.arange(1000.0), "o": [5.0] + [np.nan] * 999, "label": ["a", "b"] * 500}
    )
    # x: 50 of 1,007 rows below the real 1st percentile (9.99), 30 above the 99th (989.01); w: none beyond
    synthetic = pd.DataFrame(
        {"e": np.nan, "x": [-1.0] * 50 + [2000.0] * 30 + [500.0] * 927, "w": [500.0] * 1007, "o": [5.0] + [np.nan] * 1006, "label": ["a"] * 1007}
    )
    frame = pd.DataFrame({"e": [1.0, 2.0], "x": [1.0, 2.0], "w": [1.0, 2.0], "o": [1.0, 2.0], "label": ["a", "b"]})
    schema = SchemaContract(columns=tuple(infer_schema(frame, target="label").columns), target="label")
    result = coverage.tail_share_error(real, synthetic, schema)
    gap = abs(50 / 1007 - 0.01) + abs(30 / 1007 - 0.01)
    assert result.value == pytest.approx(gap) and (result.baseline, result.n_samples, result.insufficient) == (0.0, 1007, None)
    assert result.details["worst_column"] == "x" and result.details["min_real_rows"] == 1000
    low, high = coverage.wilson_interval(30, 1007)
    assert result.details["columns"]["x"] == {
        "real_below_p01": 0.01,
        "synthetic_below_p01": round(50 / 1007, 5),
        "real_above_p99": 0.01,
        "synthetic_above_p99": round(30 / 1007, 5),
        "gap": round(gap, 5),
        "synthetic_above_p99_interval": [round(low, 5), round(high, 5)],
    }
    assert round(50 / 1007, 5) != round(50 / 1007, 6) and round(gap, 5) != round(gap, 6)
    assert result.details["columns"]["w"]["gap"] == 0.02 and list(result.details["columns"]) == ["x", "w", "o"]
    assert result.details["columns"]["o"]["gap"] == 0.0
    # two columns with the same gap: the first is named
    tied = coverage.tail_share_error(real, synthetic.assign(w=synthetic["x"]), schema)
    assert tied.details["worst_column"] == "x"
    calm = coverage.tail_share_error(real, real, schema)
    assert calm.value == 0.0 and calm.details["worst_column"] == "e"  # no gap anywhere: the first column
    small = coverage.tail_share_error(real.iloc[:999], real.iloc[:999], schema)
    assert small.insufficient == "999 real rows; tail shares need 1,000"
    categories = infer_schema(real[["label"]].assign(c="u"), target="label")
    none = coverage.tail_share_error(real, synthetic, categories)
    assert (none.value, none.baseline, none.insufficient) == (0.0, 0.0, None)
    assert none.details == {"note": "no numeric column", "columns": {}}


def test_category_coverage_of_a_one_row_real_table():
    real = pd.DataFrame({"colour": ["red"], "label": ["a"]})
    schema = SchemaContract(columns=infer_schema(pd.DataFrame({"colour": ["red", "blue"], "label": ["a", "b"]}), target="label").columns, target="label")
    # 6 synthetic rows: red is expected 6 times, so it counts against coverage
    result = coverage.category_coverage(real, pd.DataFrame({"colour": ["blue"] * 6, "label": ["a"] * 6}), schema)
    assert result.details["columns"]["colour"]["eligible"] == 1 and result.value == pytest.approx(0.5)


def test_novel_values_ignore_missing_values():
    real = pd.DataFrame({"empty": np.nan, "colour": ["red", "blue", None, "red"], "size": [1.0, 5.0, np.nan, 3.0], "label": ["a", "b", "a", "b"]})
    synthetic = pd.DataFrame({"empty": 1.0, "colour": [None, "red", "red", "blue"], "size": [np.nan, 1.0, 5.0, 0.5], "label": ["a", "a", "b", "b"]})
    schema = infer_schema(real.assign(empty=[1.0, 2.0, 3.0, 4.0]), target="label")
    assert schema.numerical == ["empty", "size"]
    result = coverage.novel_values(real, synthetic, schema)
    assert result.value == 0.25 and (result.baseline, result.n_samples) == (0.0, 4)  # only 0.5 < 1
    assert result.details == {"columns": {"size": {"out_of_range_rows": 1}}}
    assert coverage.novel_values(real, synthetic.iloc[:0], schema).value == 0.0
    assert coverage.novel_values(real.assign(size=np.nan), synthetic, schema).value == 0.0
