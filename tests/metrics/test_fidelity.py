"""Fidelity metrics against their references: SDMetrics' numbers, chance level, a planted defect.

The generator-level control (GaussianCopula fails the boosted detection gate) lives with the other
controls in test_validation_controls.py; these tests need no fit, so `make mutation` runs them.
"""

import numpy as np
import pandas as pd
import pytest

from synth_assets.catalog import AcceptanceCriteria
from synth_assets.gates import acceptance_gates
from synth_assets.metrics import fidelity
from synth_assets.metrics.disclosure import MIN_CELL
from synth_assets.metrics.encoding import MAX_MODEL_CATEGORIES, OTHER, real_vocabulary
from synth_assets.schema import ColumnContract, infer_schema


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
    planted.loc[MIN_CELL - 1 : MIN_CELL + 1, "race"] = "CANARY-TWO"
    planted.loc[MIN_CELL + 2 : MIN_CELL + 2, "sex"] = "CANARY-SEX"
    before = train["race"].value_counts()
    result = fidelity.subgroup_fidelity(planted, holdout, schema, ["race", "sex"])
    assert "CANARY" not in repr(result.details)
    # both planted races, the real races now under the limit, and the planted sex
    small_real = int((planted["race"].value_counts().drop(["CANARY-RACE", "CANARY-TWO"]) < MIN_CELL).sum())
    assert result.details["suppressed_groups"] == 2 + small_real + 1
    assert {g["group"] for g in result.details["groups"] if g["attribute"] == "sex"} == {"Male", "Female"}
    assert before.index[0] in {g["group"] for g in result.details["groups"]}


def test_boosted_detection_gate_passes_real_data_and_fails_a_shifted_column(adult_split):
    schema, train, holdout = adult_split
    gate = acceptance_gates(AcceptanceCriteria())["detection_auc_boosted"]
    same = fidelity.detection_auc(train, holdout, schema, model="boosted")
    assert same.ci_low < 0.5 < same.ci_high and gate.holds(same.value)
    # One column off by a few hours: invisible in most marginal scores, obvious to trees.
    shifted = holdout.assign(hours_per_week=holdout["hours_per_week"] + 3.5)
    separable = fidelity.detection_auc(train, shifted, schema, model="boosted")
    assert separable.value > 0.9 and not gate.holds(separable.value)


def test_detection_copes_with_600_categories_and_missing_values(adult_split):
    schema, train, holdout = adult_split
    rng = np.random.default_rng(0)
    wide = schema.model_copy(update={"columns": (*schema.columns, ColumnContract(name="store", kind="categorical", dtype="object", nullable=True))})

    def with_store(frame):
        codes = pd.Series([f"store-{i}" for i in rng.integers(0, 600, len(frame))], index=frame.index)
        return frame.assign(store=codes.mask(rng.random(len(frame)) < 0.1), age=frame["age"].mask(rng.random(len(frame)) < 0.2))

    real, other = with_store(train), with_store(holdout)
    vocabulary = real_vocabulary(real, wide)["store"]
    assert len(vocabulary.categories) == MAX_MODEL_CATEGORIES and OTHER in vocabulary.categories
    for model in ("logistic", "boosted"):
        estimate = fidelity.detection_auc(real, other, wide, model=model)
        assert estimate.ci_low < 0.5 < estimate.ci_high


def test_detection_on_too_few_rows_is_not_judged(adult_split):
    schema, train, holdout = adult_split
    small = fidelity.detection_auc(train.iloc[:150], holdout.iloc[:150], schema, model="boosted")
    assert small.insufficient == f"150 rows per side; detection needs {fidelity.MIN_DETECTION_ROWS}"


def test_the_quality_score_is_the_mean_of_its_two_properties(adult_split):
    schema, train, holdout = adult_split
    report = fidelity.quality_report(train, holdout, schema)
    shapes, pairs = report["column_shapes"].value, report["column_pair_trends"].value
    assert report["quality_score"].value == pytest.approx((shapes + pairs) / 2, abs=1e-12)
    assert 0.9 < pairs < 1.0 and shapes != pairs
    assert {e.n_samples for e in report.values()} == {len(holdout)}
    assert report["quality_score"].insufficient is None and report["quality_score"].details is None


def test_a_quality_score_on_too_few_rows_is_not_judged(adult_split):
    schema, train, holdout = adult_split
    rows = fidelity.MIN_QUALITY_ROWS - 1
    report = fidelity.quality_report(train, holdout.iloc[:rows], schema)
    assert report["quality_score"].insufficient == f"{rows} rows; the quality score needs {fidelity.MIN_QUALITY_ROWS}"
    assert report["quality_score"].n_samples == rows
    enough = fidelity.quality_report(train.iloc[: fidelity.MIN_QUALITY_ROWS], holdout, schema)["quality_score"]
    assert enough.insufficient is None and enough.n_samples == fidelity.MIN_QUALITY_ROWS


def test_a_property_sdmetrics_cannot_compute_leaves_the_score_to_the_other(adult_split):
    """One numeric column alone: SDMetrics has no pair to score, so the trends property is NaN."""
    schema, train, holdout = adult_split
    single = schema.model_copy(update={"columns": tuple(c for c in schema.columns if c.name == "age"), "target": None})
    report = fidelity.quality_report(train[["age"]], holdout[["age"]], single)
    assert np.isnan(report["column_pair_trends"].value)
    assert report["quality_score"].value == report["column_shapes"].value
    assert report["quality_score"].details == {"not_computed": ["column pair trends"]}


def test_a_score_with_no_computable_property_is_nan_and_says_why():
    """A column with no value at all: SDMetrics computes neither property; the score is NaN (a
    fitness gate then reports it "not judged"), never a number made up from nothing."""
    empty = pd.DataFrame({"x": [np.nan] * 300})
    schema = infer_schema(empty.assign(x=1.0, y="a"), target="y")
    only_x = schema.model_copy(update={"columns": tuple(c for c in schema.columns if c.name == "x"), "target": None})
    report = fidelity.quality_report(empty, empty, only_x)
    assert np.isnan(report["quality_score"].value)
    assert report["quality_score"].details == {"not_computed": ["column shapes", "column pair trends"]}


def test_quality_is_computed_on_a_bounded_seeded_sample_quietly(adult_split, monkeypatch, capsys):
    schema, train, holdout = adult_split
    monkeypatch.setattr(fidelity, "MAX_QUALITY_ROWS", 300)
    report = fidelity.quality_report(train, holdout, schema)
    assert report["quality_score"].n_samples == 300
    assert fidelity.quality_report(train, holdout, schema)["column_shapes"].value == report["column_shapes"].value
    assert fidelity.quality_report(train, holdout, schema, seed=1)["column_shapes"].value != report["column_shapes"].value
    assert capsys.readouterr() == ("", "")  # no progress bars in the run log


def test_column_shapes_are_ks_and_tv_complements():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, None], "c": ["a", "a", "b", "b", None]})
    synthetic = pd.DataFrame({"x": [3.0, 4.0, 5.0, 6.0, 7.0], "c": ["a", "b", "b", "b", "c"]})
    schema = infer_schema(real, target="c")
    scores = fidelity.column_shape_scores(real, synthetic, schema)
    # KS: the largest gap between the empirical CDFs is 0.6 on [4, 5) (all 4 real values, 2 of 5
    # synthetic ones); the missing real value is ignored.
    assert scores["x"] == pytest.approx(0.4)
    # TV: real {a: .5, b: .5}, synthetic {a: .2, b: .6, c: .2}: half of |.3| + |.1| + |.2| is 0.3.
    assert scores["c"] == pytest.approx(0.7)
    assert fidelity.column_shape_scores(real, synthetic, schema, ["c"]) == {"c": pytest.approx(0.7)}
    empty = synthetic.assign(x=np.nan)
    assert fidelity.column_shape_scores(real, empty, schema)["x"] == 0.0
    assert fidelity.column_shape_scores(empty, real, schema)["x"] == 0.0


def test_detection_reports_its_classifier_folds_and_rows(adult_split, monkeypatch):
    schema, train, holdout = adult_split
    estimate = fidelity.detection_auc(train, holdout, schema, model="boosted")
    assert estimate.details == {"classifier": "boosted", "folds": 3, "rows_per_side": len(holdout), "min_rows_per_side": 200}
    assert estimate.n_samples == 2 * len(holdout) and estimate.baseline == 0.5 and estimate.insufficient is None
    monkeypatch.setattr(fidelity, "MAX_DETECTION_ROWS", 250)
    bounded = fidelity.detection_auc(train, holdout, schema)
    assert bounded.details["rows_per_side"] == 250 and bounded.n_samples == 500 and bounded.details["classifier"] == "logistic"


def test_detection_is_judged_from_its_minimum_rows(adult_split):
    schema, train, holdout = adult_split
    rows = fidelity.MIN_DETECTION_ROWS
    assert fidelity.detection_auc(train.iloc[:rows], holdout.iloc[:rows], schema).insufficient is None
    short = fidelity.detection_auc(train.iloc[: rows - 1], holdout, schema)
    assert short.insufficient == f"{rows - 1} rows per side; detection needs {rows}"


def test_detection_is_seeded(adult_split):
    schema, train, holdout = adult_split
    shifted = holdout.assign(hours_per_week=holdout["hours_per_week"] + 1)
    first = fidelity.detection_auc(train, shifted, schema, model="boosted", seed=3)
    assert first == fidelity.detection_auc(train, shifted, schema, model="boosted", seed=3)
    assert first.value != fidelity.detection_auc(train, shifted, schema, model="boosted", seed=4).value


def test_subgroup_entries_give_counts_shares_and_scores(adult_split):
    schema, train, holdout = adult_split
    result = fidelity.subgroup_fidelity(train, holdout, schema, ["sex"])
    groups = {g["group"]: g for g in result.details["groups"]}
    for label, group in groups.items():
        real_rows, synthetic_rows = int((train["sex"] == label).sum()), int((holdout["sex"] == label).sum())
        others = [n for n in schema.names if n != "sex"]
        expected = np.mean(list(fidelity.column_shape_scores(train[train["sex"] == label], holdout[holdout["sex"] == label], schema, others).values()))
        assert group == {
            "attribute": "sex",
            "group": label,
            "real_rows": real_rows,
            "synthetic_rows": synthetic_rows,
            "real_share": round(real_rows / len(train), 6),
            "synthetic_share": round(synthetic_rows / len(holdout), 6),
            "score": pytest.approx(expected),
        }
    worst = min(groups.values(), key=lambda g: g["score"])
    assert result.value == worst["score"] and result.n_samples == worst["real_rows"]
    assert result.baseline == pytest.approx(np.mean([g["score"] for g in groups.values()]))
    assert result.details["worst_group"] == f"sex={worst['group']}"
    assert result.details["suppressed_groups"] == 0 and result.details["min_rows_scored"] == fidelity.MIN_SUBGROUP_ROWS


def test_a_subgroup_with_one_synthetic_row_is_scored_on_it(adult_split):
    schema, train, holdout = adult_split
    one_woman = pd.concat([holdout[holdout["sex"] == "Male"], holdout[holdout["sex"] == "Female"].iloc[:1]])
    result = fidelity.subgroup_fidelity(train, one_woman, schema, ["sex"])
    female = next(g for g in result.details["groups"] if g["group"] == "Female")
    assert female["synthetic_rows"] == 1 and female["score"] > 0.2
    single = fidelity.subgroup_fidelity(train, holdout.iloc[:1], schema, ["sex"])
    assert {g["group"]: g["synthetic_share"] for g in single.details["groups"]}[holdout["sex"].iloc[0]] == 1.0


def test_a_subgroup_missing_from_the_synthetic_data_scores_zero(adult_split):
    schema, train, holdout = adult_split
    no_women = holdout[holdout["sex"] != "Female"]
    result = fidelity.subgroup_fidelity(train, no_women, schema, ["sex"])
    female = next(g for g in result.details["groups"] if g["group"] == "Female")
    assert female["score"] == 0.0 and female["synthetic_rows"] == 0 and female["synthetic_share"] == 0.0
    assert result.value == 0.0 and result.details["worst_group"] == "sex=Female"


def test_small_subgroups_are_listed_but_not_scored(adult_split):
    schema, train, holdout = adult_split
    # Exactly MIN_SUBGROUP_ROWS real rows is scored; one fewer is listed without a score.
    planted = train.copy()
    planted.loc[planted.index[: fidelity.MIN_SUBGROUP_ROWS], "race"] = "Scored"
    planted.loc[planted.index[fidelity.MIN_SUBGROUP_ROWS : 2 * fidelity.MIN_SUBGROUP_ROWS - 1], "race"] = "Listed"
    result = fidelity.subgroup_fidelity(planted, holdout, schema, ["race"])
    groups = {g["group"]: g for g in result.details["groups"]}
    assert "score" in groups["Scored"] and "score" not in groups["Listed"]
    assert groups["Listed"]["real_rows"] == fidelity.MIN_SUBGROUP_ROWS - 1


def test_no_subgroup_large_enough_scores_one_and_says_so(adult_split):
    schema, train, holdout = adult_split
    tiny = train.iloc[: fidelity.MIN_SUBGROUP_ROWS - 1]
    result = fidelity.subgroup_fidelity(tiny, holdout, schema, ["sex"])
    assert result.value == 1.0 and result.baseline is None and result.n_samples is None
    assert result.details["note"] == "no subgroup is large enough to score"
    assert all("score" not in g for g in result.details["groups"]) and result.details["groups"]
    assert fidelity.subgroup_fidelity(train, holdout, schema, []).details["groups"] == []
