"""Coverage metrics on frames whose answers can be counted by hand."""

import pandas as pd
import pytest

from synth_assets.gates import Gate
from synth_assets.metrics import coverage
from synth_assets.schema import infer_schema


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
