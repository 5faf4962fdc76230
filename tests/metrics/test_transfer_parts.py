"""The parts of the transfer metrics (synth_assets/metrics/transfer.py), each against a hand
computation on a few rows: chance levels, the ratio over chance, scores, resampling, subgroups,
the error profile, the hybrid curve and how `transfer_sections` assembles them. Fast (no table
larger than 600 rows), so `make mutation` runs them; the calibration on Adult is in
test_transfer.py and test_transfer_chance.py.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, confusion_matrix, f1_score, roc_auc_score

from synth_assets.metrics import transfer
from synth_assets.schema import infer_schema

FAST = transfer.TransferSettings(models=("boosted", "linear"), repeats=2, anchor_sizes=(0, 40), anchor_repeats=2)
HYBRID = transfer.TransferSettings(models=("linear",), anchor_sizes=(0, 40), anchor_repeats=2)


def _table(rng: np.random.Generator, n: int, *, classes=("no", "yes"), shift: float = 2.0) -> pd.DataFrame:
    """`x` separates the classes, `noise` does not, `group` is a sensitive attribute."""
    y = rng.choice(classes, size=n)
    centre = np.array([classes.index(label) * shift for label in y])
    return pd.DataFrame({"x": rng.normal(centre, 1.0), "noise": rng.normal(size=n), "group": rng.choice(["a", "b"], size=n, p=[0.6, 0.4]), "y": y})


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(0)
    train, holdout = _table(rng, 400), _table(rng, 200)
    return train, holdout, infer_schema(train, target="y")


def _problem(y, classes=("no", "yes"), task="classification"):
    labels = pd.Series(list(y))
    return transfer._Problem("y", task, {}, [], list(classes), pd.DataFrame(index=range(len(labels))), labels)


def test_chance_levels_by_hand():
    binary = transfer._chance(_problem(["yes", "no", "no", "no"]))
    assert binary == {"roc_auc": 0.5, "pr_auc": 0.25, "f1": 0.25, "macro_f1": 0.5, "accuracy": 0.75, "brier": pytest.approx((1 - 0.25**2 - 0.75**2) / 2)}
    three = transfer._chance(_problem(["a", "a", "b", "c"], classes=("a", "b", "c")))
    assert three == {"roc_auc": 0.5, "pr_auc": pytest.approx(1 / 3), "f1": pytest.approx(1 / 3), "macro_f1": pytest.approx(1 / 3), "accuracy": 0.5, "brier": pytest.approx(1 - 0.25 - 0.0625 - 0.0625)}
    regression = transfer._chance(_problem([1.0, 2.0, 3.0, 6.0], classes=(), task="regression"))
    assert regression == {"r2": 0.0, "mae": pytest.approx(1.5), "rmse": pytest.approx(np.std([1.0, 2.0, 3.0, 6.0]))}


def test_the_ratio_over_chance_is_the_median_of_paired_repeats():
    ratio = transfer._ratio_over_chance([0.7, 0.8, 0.9], [0.9, 0.9, 0.9], 0.5, "roc_auc", n=321)
    expected = [0.5, 0.75, 1.0]
    assert ratio.value == pytest.approx(0.75) and ratio.baseline == 1.0 and ratio.n_samples == 321
    assert (ratio.ci_low, ratio.ci_high) == pytest.approx(tuple(np.quantile(expected, [0.025, 0.975])))
    assert ratio.spread == pytest.approx(np.std(expected, ddof=1)) and ratio.insufficient is None
    assert ratio.details == {
        "repeats": expected, "chance": 0.5, "tstr": [0.7, 0.8, 0.9], "trtr": [0.9, 0.9, 0.9], "higher_is_better": True,
        "interval": "2.5-97.5% of the repeats",
    }
    single = transfer._ratio_over_chance([0.8], [0.9], 0.5, "roc_auc", n=10)
    assert single.value == pytest.approx(0.75) and single.spread == 0.0


def test_a_lower_is_better_metric_is_turned_around():
    # MAE: chance 10, real 4 (lift 6), synthetic 7 (lift 3): half the transfer.
    ratio = transfer._ratio_over_chance([7.0, 7.0], [4.0, 4.0], 10.0, "mae", n=50)
    assert ratio.value == pytest.approx(0.5) and ratio.details["higher_is_better"] is False
    worse_than_chance = transfer._ratio_over_chance([12.0, 12.0], [4.0, 4.0], 10.0, "mae", n=50)
    assert worse_than_chance.value == pytest.approx(-2 / 6)


def test_a_real_model_at_chance_leaves_nothing_to_transfer():
    at_chance = transfer._ratio_over_chance([0.6, 0.6], [0.51, 0.515], 0.5, "roc_auc", n=100)
    assert at_chance.insufficient == "a model trained on real rows is at chance (roc_auc lift 0.013 < 0.02): nothing to transfer"
    assert at_chance.value == pytest.approx(np.median([0.1 / 0.01, 0.1 / 0.015])) and at_chance.ci_low is None
    below = transfer._ratio_over_chance([0.6, 0.6], [0.4, 0.45], 0.5, "roc_auc", n=100)
    assert below.value == 0.0  # no repeat has a real lift to divide by
    assert below.insufficient.startswith("a model trained on real rows is at chance (roc_auc lift -0.075")
    undefined = transfer._ratio_over_chance([0.6], [float("nan")], 0.5, "roc_auc", n=100)
    assert undefined.value == 0.0 and "lift nan" in undefined.insufficient


def test_a_collapsed_real_repeat_is_one_not_above_half_the_median_lift():
    # lifts 0.5, 0.25, 0.25 (median 0.25): none is under half the median
    steady = transfer._ratio_over_chance([0.75, 0.75, 0.75], [1.0, 0.75, 0.75], 0.5, "roc_auc", n=100)
    assert "collapsed_trtr_repeats" not in steady.details
    # lifts 0.5, 0.5, 0.25 (median 0.5): the third is not above half of it
    edge = transfer._ratio_over_chance([0.75, 0.75, 0.75], [1.0, 1.0, 0.75], 0.5, "roc_auc", n=100)
    assert edge.details["collapsed_trtr_repeats"] == [2] and edge.value == pytest.approx(0.5)


def test_binary_scores_match_sklearn_and_hand_computation():
    problem = _problem(["yes", "no", "yes", "no", "yes"])
    p = np.array([[0.2, 0.8], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9], [0.05, 0.95]])
    y, labels = problem.y_holdout.to_numpy(), np.array(["yes", "no", "no", "yes", "yes"])
    scores = transfer._score(problem, p)
    assert scores["roc_auc"] == pytest.approx(roc_auc_score(y == "yes", p[:, 1]))
    assert scores["pr_auc"] == pytest.approx(average_precision_score(y == "yes", p[:, 1]))
    assert scores["f1"] == pytest.approx(f1_score(y, labels, pos_label="yes"))
    assert scores["macro_f1"] == pytest.approx(f1_score(y, labels, average="macro"))
    assert scores["accuracy"] == pytest.approx(3 / 5)
    assert scores["brier"] == pytest.approx(np.mean([0.2**2, 0.3**2, 0.6**2, 0.9**2, 0.05**2]))
    # ECE over P(yes): bins 8, 3, 4, 9, 9 -> |1-.8|/5 + |0-.3|/5 + |1-.4|/5 + 2/5*|0.5-0.925|
    assert scores["ece"] == pytest.approx((0.2 + 0.3 + 0.6) / 5 + 2 / 5 * abs(0.5 - 0.925))
    masked = transfer._score(problem, p, mask=np.array([True, True, True, False, False]))
    assert masked["accuracy"] == pytest.approx(2 / 3) and masked["roc_auc"] == pytest.approx(roc_auc_score([1, 0, 1], [0.8, 0.3, 0.4]))


def test_multiclass_scores_average_over_the_classes():
    classes = ("a", "b", "c")
    problem = _problem(["a", "b", "c", "a", "b", "c"], classes=classes)
    p = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]])
    y = problem.y_holdout.to_numpy()
    labels = np.asarray(classes)[p.argmax(axis=1)]
    scores = transfer._score(problem, p)
    assert scores["roc_auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", labels=list(classes)))
    assert scores["pr_auc"] == pytest.approx(np.mean([average_precision_score(y == c, p[:, k]) for k, c in enumerate(classes)]))
    assert scores["f1"] == pytest.approx(f1_score(y, labels, average="macro")) == scores["macro_f1"]
    onehot = (y[:, None] == np.asarray(classes)[None, :]).astype(float)
    assert scores["brier"] == pytest.approx(np.mean(np.sum((p - onehot) ** 2, axis=1)))
    # probabilities that do not sum to 1 (a class the model never saw) are normalised for the AUC
    assert transfer._auc(y, p * 3, list(classes)) == pytest.approx(scores["roc_auc"])
    # a class missing from the holdout is left out of the PR AUC mean
    present = transfer._pr_auc(y[:4], p[:4], list(classes))
    assert present == pytest.approx(np.mean([average_precision_score(y[:4] == c, p[:4, k]) for k, c in enumerate(classes)]))
    two_present = transfer._pr_auc(np.array(["a", "b", "a"]), p[:3], list(classes))
    assert two_present == pytest.approx(np.mean([average_precision_score(np.array(["a", "b", "a"]) == c, p[:3, k]) for k, c in enumerate(classes[:2])]))
    # calibration of the top class: confidences .6 .5 .7 .4 .5 .6 with hits 1 1 1 0 0 1
    confidence, hit = p.max(axis=1), np.array([1, 1, 1, 0, 0, 1.0])
    bins = np.minimum((confidence * 10).astype(int), 9)
    expected = sum((bins == b).mean() * abs(hit[bins == b].mean() - confidence[bins == b].mean()) for b in set(bins))
    assert scores["ece"] == pytest.approx(expected)


def test_a_holdout_with_one_class_has_no_auc():
    problem = _problem(["yes", "yes", "yes"])
    scores = transfer._score(problem, np.array([[0.1, 0.9], [0.2, 0.8], [0.5, 0.5]]))
    assert np.isnan(scores["roc_auc"]) and np.isnan(scores["pr_auc"])
    assert np.isnan(transfer._auc(np.array(["a", "a"]), np.ones((2, 3)) / 3, ["a", "b", "c"]))


def test_regression_scores_by_hand():
    problem = _problem([1.0, 2.0, 3.0, 4.0], classes=(), task="regression")
    scores = transfer._score(problem, np.array([1.5, 2.0, 2.0, 5.0]))
    assert scores["mae"] == pytest.approx((0.5 + 0 + 1 + 1) / 4)
    assert scores["rmse"] == pytest.approx(np.sqrt((0.25 + 0 + 1 + 1) / 4))
    assert scores["r2"] == pytest.approx(1 - 2.25 / 5)


def test_repeats_report_their_median_spread_and_values():
    estimate = transfer._repeated([0.3, 0.9, 0.5], baseline=0.7, n=12, details={"anchor_rows": 5})
    assert (estimate.value, estimate.baseline, estimate.n_samples) == (0.5, 0.7, 12)
    assert estimate.spread == pytest.approx(np.std([0.3, 0.9, 0.5], ddof=1))
    assert estimate.details == {"repeats": [0.3, 0.9, 0.5], "anchor_rows": 5}
    assert transfer._repeated([0.4], n=1).spread == 0.0 and transfer._repeated([0.4], n=1).baseline is None


def test_a_bootstrap_keeps_every_class_count(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    counts = train["y"].value_counts().to_dict()
    first = transfer._bootstrap(train, problem, 1)
    assert first["y"].value_counts().to_dict() == counts and first.index.is_monotonic_increasing
    assert not first.index.equals(train.index)  # a resample, not the table itself
    assert first.equals(transfer._bootstrap(train, problem, 1)) and not first.equals(transfer._bootstrap(train, problem, 2))
    assert len(transfer._bootstrap(train.iloc[:0], problem, 1)) == 0
    regression = transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")
    resampled = transfer._bootstrap(train, regression, 1)
    assert len(resampled) == len(train) and resampled["x"].nunique() < len(train)


def test_the_problem_keeps_rows_with_a_target_and_every_real_class(tables):
    train, holdout, schema = tables
    holdout = holdout.assign(y=holdout["y"].mask(holdout.index < 10))
    train = train.assign(y=train["y"].where(train.index != 0, "rare"))
    problem = transfer._problem(train, holdout, schema, "classification")
    assert problem.classes == ["no", "rare", "yes"] and problem.features == ["x", "noise", "group"]
    assert len(problem.y_holdout) == len(problem.x_holdout) == 190 and list(problem.y_holdout.index) == list(range(190))
    assert "y" not in problem.vocabulary and set(problem.vocabulary) == {"group"}
    assert transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression").classes == []


def test_too_small_holdouts_and_classes_are_named(tables):
    train, holdout, schema = tables
    assert transfer._too_small(transfer._problem(train, holdout, schema, "classification")) is None
    short = transfer._problem(train, holdout.iloc[:99], schema, "classification")
    assert transfer._too_small(short) == "99 holdout rows with a target; transfer needs 100"
    assert transfer._too_small(transfer._problem(train, holdout.iloc[:100], schema, "classification")) is None
    rare = holdout.assign(y=holdout["y"].where(holdout.index >= 4, "rare"))
    assert transfer._too_small(transfer._problem(train, rare, schema, "classification")) == "the rarest class has 4 holdout rows; transfer needs 5"
    five = holdout.assign(y=holdout["y"].where(holdout.index >= 5, "rare"))
    assert transfer._too_small(transfer._problem(train, five, schema, "classification")) is None
    assert transfer._too_small(transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")) is None


def test_fits_predict_probabilities_in_the_problem_class_order(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    for model in ("boosted", "linear"):
        p = transfer._predict(transfer._fit(model, problem, train, 0), problem)
        assert p.shape == (len(holdout), 2) and np.allclose(p.sum(axis=1), 1.0)
        assert transfer._score(problem, p)["roc_auc"] > 0.8, model  # x separates the classes
    one_class = transfer._fit("boosted", problem, train[train["y"] == "yes"], 0)
    assert transfer._predict(one_class, problem).tolist() == [[0.0, 1.0]] * len(holdout)
    with pytest.raises(ValueError, match="no training row has a value for the target 'y': there is nothing to fit"):
        transfer._fit("boosted", problem, train.assign(y=None), 0)
    # a class the training rows lack still has its (zero) column
    wider = transfer._problem(train.assign(y=train["y"].where(train.index != 0, "rare")), holdout, schema, "classification")
    p = transfer._predict(transfer._fit("linear", wider, train, 0), wider)
    assert p.shape == (len(holdout), 3) and (p[:, 1] == 0).all()


def test_regression_fits_predict_values(tables):
    train, holdout, schema = tables
    numeric = schema.model_copy(update={"target": "x", "columns": schema.columns})
    problem = transfer._problem(train, holdout, numeric, "regression")
    for model in ("boosted", "linear"):
        predictions = transfer._predict(transfer._fit(model, problem, train, 0), problem)
        # knowing y explains part of x's variance (half of it, with enough rows)
        assert predictions.shape == (len(holdout),) and transfer._score(problem, predictions)["r2"] > 0.2, model


def test_subgroup_transfer_names_the_worst_group(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    y = problem.y_holdout.to_numpy()
    perfect = np.column_stack([(y == "no").astype(float), (y == "yes").astype(float)])
    groups = holdout["group"].to_numpy()
    rng = np.random.default_rng(1)
    # synthetic model: perfect in group a, random in group b
    mixed = np.where((groups == "a")[:, None], perfect, rng.random((len(y), 2)))
    result = transfer._subgroup_transfer(problem, holdout, mixed, perfect, ["group"])
    entries = {g["group"]: g for g in result.details["groups"]}
    b_auc = roc_auc_score(y[groups == "b"] == "yes", mixed[groups == "b", 1])
    assert entries["a"] == {"attribute": "group", "group": "a", "holdout_rows": int((groups == "a").sum()), "tstr": 1.0, "trtr": 1.0, "ratio": 1.0}
    assert entries["b"]["ratio"] == pytest.approx(round((b_auc - 0.5) / 0.5, 4))
    assert result.value == entries["b"]["ratio"] and result.n_samples == entries["b"]["holdout_rows"]
    assert result.details["worst_group"] == "group=b" and result.baseline == 1.0 and result.details["metric"] == "roc_auc"


def test_small_and_tiny_subgroups_are_listed_or_suppressed(tables):
    train, holdout, schema = tables
    labels = np.where(holdout.index < 5, "tiny", np.where(holdout.index < 5 + 49, "small", np.where(holdout.index < 104, "fifty", "rest")))
    holdout = holdout.assign(group=labels)
    problem = transfer._problem(train, holdout, schema, "classification")
    y = problem.y_holdout.to_numpy()
    perfect = np.column_stack([(y == "no").astype(float), (y == "yes").astype(float)])
    result = transfer._subgroup_transfer(problem, holdout, perfect, perfect, ["group"])
    entries = {g["group"]: g for g in result.details["groups"]}
    assert "tiny" not in entries and result.details["suppressed_groups"] == 1
    assert entries["small"] == {"attribute": "group", "group": "small", "holdout_rows": 49}
    assert entries["fifty"]["ratio"] == 1.0
    # a group where the real model is at chance is listed without a ratio
    at_chance = np.full_like(perfect, 0.5)
    nothing = transfer._subgroup_transfer(problem, holdout, perfect, at_chance, ["group"])
    assert nothing.value == 1.0 and nothing.details["note"] == "no subgroup is large enough to score" and nothing.n_samples is None


def test_identical_models_agree_fully_and_scrambled_ones_less(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    fitted = transfer._fit("boosted", problem, train, 0)
    predictions = transfer._predict(fitted, problem)
    same = transfer._error_profile(problem, (fitted, predictions), (fitted, predictions), np.random.default_rng(0))
    assert same["confusion_agreement"].value == pytest.approx(1.0) and same["confusion_agreement"].n_samples == len(holdout)
    # one permutation repeat each: the two rankings agree on the feature that matters, not on the noise
    importances = same["importance_agreement"].details
    assert max(importances["tstr"], key=importances["tstr"].get) == max(importances["trtr"], key=importances["trtr"].get) == "x"
    assert same["importance_agreement"].value >= 0.5 and same["importance_agreement"].n_samples == len(holdout)
    flipped = predictions[:, ::-1]  # every prediction the other way round
    other = transfer._error_profile(problem, (fitted, flipped), (fitted, predictions), np.random.default_rng(0))
    # rows of the real model's confusion matrix [r, 1 - r] against [1 - r, r]: half the L1 gap is |2r - 1|
    recalls = np.diag(np.array(other["confusion_agreement"].details["trtr"]))
    assert other["confusion_agreement"].value == pytest.approx(1 - np.mean(np.abs(2 * recalls - 1)), abs=1e-3)
    assert other["confusion_agreement"].details["classes"] == ["no", "yes"]
    constant = transfer._fit("boosted", problem, train[train["y"] == "yes"], 0)
    assert "importance_agreement" not in transfer._error_profile(problem, (constant, predictions), (fitted, predictions), np.random.default_rng(0))


def test_regression_error_profile_compares_residual_quantiles(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")
    fitted = transfer._fit("linear", problem, train, 0)
    predictions = transfer._predict(fitted, problem)
    same = transfer._error_profile(problem, (fitted, predictions), (fitted, predictions), np.random.default_rng(0))
    assert same["residual_quantile_gap"].value == 0.0 and same["residual_quantile_gap"].baseline == 0.0
    shifted = transfer._error_profile(problem, (fitted, predictions + 1.0), (fitted, predictions), np.random.default_rng(0))
    assert shifted["residual_quantile_gap"].value == pytest.approx(1.0 / problem.y_holdout.std())


def test_the_hybrid_curve_adds_real_anchors(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    # Rows without the informative column teach nothing. (Not shuffled labels: a linear model's
    # near-zero weight on x would still rank the holdout by x, and AUC only sees the ranking.)
    useless = train.assign(x=0.0)
    trtr_runs = [{"roc_auc": 0.98}, {"roc_auc": 1.0}]  # out of reach of these rows: ~0.88
    curve = transfer._hybrid_curve(problem, useless, train, trtr_runs, HYBRID)
    assert set(curve) == {"synthetic_plus_0", "synthetic_plus_40", "real_only_40", "reaches_95pct_of_trtr"}  # 95% not reached
    assert curve["reaches_95pct_of_trtr"].value == 0.0
    assert curve["synthetic_plus_0"].details == {"repeats": curve["synthetic_plus_0"].details["repeats"], "anchor_rows": 0}
    assert len(curve["synthetic_plus_0"].details["repeats"]) == 1 and len(curve["real_only_40"].details["repeats"]) == 2
    assert curve["synthetic_plus_0"].baseline == pytest.approx(0.99) and curve["real_only_40"].baseline == pytest.approx(0.99)
    summary = curve["reaches_95pct_of_trtr"].details
    assert summary["metric"] == "roc_auc" and summary["trtr"] == pytest.approx(0.99) and summary["reach"] == 0.95
    assert [p["k"] for p in summary["points"]] == [0, 40] and summary["points"][0]["real_only"] is None
    assert summary["points"][0]["synthetic_plus_anchor"] < 0.7  # the useless rows alone
    faithful = transfer._hybrid_curve(problem, train, train, [{"roc_auc": 0.85}], HYBRID)
    assert faithful["reaches_95pct_of_trtr"].value == 1.0 and faithful["anchor_rows_to_95pct"].value == 0.0
    anchored = transfer._hybrid_curve(problem, useless, train, [{"roc_auc": summary["points"][1]["synthetic_plus_anchor"] / 0.95}], HYBRID)
    assert anchored["anchor_rows_to_95pct"].value == 40.0  # reached exactly at 95% with 40 anchors
    capped = transfer._hybrid_curve(problem, useless, train.iloc[:30], trtr_runs, HYBRID)
    assert "real_only_30" in capped  # k is capped at the train rows


def test_transfer_sections_assemble_every_part(tables):
    train, holdout, schema = tables
    sections = transfer.transfer_sections(train, train, holdout, schema, "classification", sensitive_attributes=["group"], settings=FAST)
    assert list(sections) == ["transfer", "transfer_linear", "error_profile", "hybrid"]
    headline = sections["transfer"]
    scores = ("roc_auc", "pr_auc", "f1", "macro_f1", "accuracy", "brier", "ece")
    assert {f"tstr_{m}" for m in scores} | {f"trtr_{m}" for m in scores} | {f"ratio_{m}" for m in scores if m != "ece"} | {
        "transfer_ratio", "worst_subgroup_transfer_ratio"} == set(headline)
    assert "worst_subgroup_transfer_ratio" not in sections["transfer_linear"]
    ratio = headline["transfer_ratio"]
    assert ratio.value == pytest.approx(1.0) and ratio.details["metric"] == "roc_auc" and ratio.details["model"] == "boosted"
    assert sections["transfer_linear"]["transfer_ratio"].details["model"] == "linear"
    assert headline["tstr_roc_auc"].baseline == pytest.approx(np.median(headline["trtr_roc_auc"].details["repeats"]))
    assert headline["trtr_roc_auc"].baseline == 0.5 and headline["trtr_ece"].baseline is None
    assert headline["trtr_roc_auc"].n_samples == len(holdout) and len(headline["trtr_roc_auc"].details["repeats"]) == FAST.repeats
    assert headline["tstr_roc_auc"].details["repeats"] == headline["trtr_roc_auc"].details["repeats"]  # same rows, same seeds
    assert set(sections["error_profile"]) == {"confusion_agreement", "importance_agreement"}
    assert sections["hybrid"]["synthetic_plus_0"].baseline == pytest.approx(np.mean(headline["trtr_roc_auc"].details["repeats"]))
    assert transfer.transfer_sections(train, train, holdout, schema, "classification", settings=FAST)["transfer"].keys() == set(headline) - {"worst_subgroup_transfer_ratio"}


def test_a_small_holdout_marks_every_ratio_not_judged(tables):
    train, holdout, schema = tables
    settings = transfer.TransferSettings(models=("boosted",), repeats=2, anchor_sizes=(0,), anchor_repeats=1, seed=3, max_train_rows=300)
    sections = transfer.transfer_sections(train, train, holdout.iloc[:80], schema, "classification", settings=settings)
    headline = sections["transfer"]
    assert list(sections) == ["transfer", "error_profile", "hybrid"]
    assert headline["transfer_ratio"].insufficient == "80 holdout rows with a target; transfer needs 100"
    assert headline["ratio_pr_auc"].insufficient == headline["transfer_ratio"].insufficient
    assert headline["trtr_roc_auc"].n_samples == 80


def test_synthetic_and_real_rows_are_sampled_down_to_the_limit(tables):
    train, holdout, schema = tables
    noisy = train.assign(y=np.random.default_rng(5).permutation(train["y"].to_numpy()))
    settings = transfer.TransferSettings(models=("boosted",), repeats=1, anchor_sizes=(0,), anchor_repeats=1, max_train_rows=200)
    limited = transfer.transfer_sections(noisy, train, holdout, schema, "classification", settings=settings)["transfer"]
    unlimited = transfer.TransferSettings(models=("boosted",), repeats=1, anchor_sizes=(0,), anchor_repeats=1)
    full = transfer.transfer_sections(noisy, train, holdout, schema, "classification", settings=unlimited)["transfer"]
    assert limited["trtr_roc_auc"].value != full["trtr_roc_auc"].value
    assert limited["tstr_roc_auc"].value < 0.7 and limited["trtr_roc_auc"].value > 0.8



def test_ratio_evidence_is_complete_in_both_verdicts():
    judged = transfer._ratio_over_chance([0.71234567, 0.8], [0.9, 0.91234567], 0.5, "roc_auc", n=77)
    assert (judged.baseline, judged.n_samples) == (1.0, 77) and judged.spread == pytest.approx(np.std(judged.details["repeats"], ddof=1), abs=1e-5)
    assert judged.details["tstr"] == [0.712346, 0.8] and judged.details["trtr"] == [0.9, 0.912346]
    assert judged.details["repeats"] == [round((0.71234567 - 0.5) / 0.4, 6), round(0.3 / 0.41234567, 6)]
    assert transfer._ratio_over_chance([0.7], [0.9], 0.1234567, "roc_auc", n=1).details["chance"] == 0.123457
    not_judged = transfer._ratio_over_chance([0.6, 0.6], [0.51, 0.51], 0.5, "roc_auc", n=88)
    assert (not_judged.baseline, not_judged.n_samples, not_judged.details["chance"]) == (1.0, 88, 0.5)


def test_the_real_lift_must_exceed_its_minimum():
    # R2's chance is 0, so these lifts are exact: 0.02 is not above MIN_TRTR_LIFT, 0.03 is.
    assert transfer._ratio_over_chance([0.01, 0.01], [0.02, 0.02], 0.0, "r2", n=100).insufficient is not None
    assert transfer._ratio_over_chance([0.01, 0.01], [0.03, 0.03], 0.0, "r2", n=100).insufficient is None
    # a lower-is-better metric's lift is measured the same way (MAE 0.985 against chance 1.0: 0.015)
    small = transfer._ratio_over_chance([0.99, 0.99], [0.985, 0.985], 1.0, "mae", n=100)
    assert small.insufficient is not None and "lift 0.015" in small.insufficient


def test_a_repeat_without_real_lift_has_no_ratio_and_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by zero or an all-NaN median would warn in every run log
        ratio = transfer._ratio_over_chance([0.75, 0.75, 0.75], [1.0, 0.5, 1.0], 0.5, "roc_auc", n=100)
        nothing = transfer._ratio_over_chance([0.6, 0.6], [float("nan"), float("nan")], 0.5, "roc_auc", n=100)
    assert ratio.details["repeats"][0] == 0.5 and np.isnan(ratio.details["repeats"][1]) and ratio.value == 0.5
    assert ratio.details["collapsed_trtr_repeats"] == [1]
    assert nothing.value == 0.0 and "lift nan" in nothing.insufficient


def test_two_repeats_have_a_spread():
    ratio = transfer._ratio_over_chance([0.7, 0.8], [0.9, 0.9], 0.5, "roc_auc", n=10)
    assert ratio.spread == pytest.approx(np.std([0.5, 0.75], ddof=1))


def test_missing_categories_get_a_category_of_their_own_for_linear_models():
    x = pd.DataFrame({"c": pd.Categorical(["a", None, "b"]), "n": [1.0, None, 3.0]})
    ready = transfer._linear_ready(x)
    assert ready["c"].tolist() == ["a", "(missing)", "b"] and "(missing)" in ready["c"].cat.categories
    assert ready["n"].isna().tolist() == [False, True, False]  # numbers are imputed later, with an indicator


def test_a_class_absent_from_the_holdout_is_too_rare(tables):
    train, holdout, schema = tables
    wider = train.assign(y=train["y"].where(train.index >= 20, "rare"))
    problem = transfer._problem(wider, holdout, schema, "classification")
    assert problem.classes == ["no", "rare", "yes"]
    assert transfer._too_small(problem) == "the rarest class has 0 holdout rows; transfer needs 5"


def test_resampling_keeps_one_row_classes_and_leaves_out_missing_targets(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema, "classification")
    odd = train.assign(y=train["y"].where(train.index != 0, "single").where(train.index % 10 != 5, None))
    resampled = transfer._bootstrap(odd, problem, 4)
    assert resampled["y"].value_counts().to_dict() == odd["y"].value_counts().to_dict()  # "single" included
    assert resampled["y"].notna().all()
    assert len(transfer._bootstrap(train.assign(y=None), problem, 4)) == 0
    regression = transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")
    picked = set().union(*(set(transfer._bootstrap(train.iloc[:3], regression, seed).index) for seed in range(20)))
    assert picked == {0, 1, 2}  # every row can be drawn, the first too


def test_sections_count_the_holdout_and_keep_their_own_reason_when_both_apply(tables):
    train, holdout, schema = tables
    sections = transfer.transfer_sections(train, train, holdout, schema, "classification", sensitive_attributes=["group"], settings=FAST)
    headline = sections["transfer"]
    assert {headline[k].n_samples for k in ("tstr_roc_auc", "trtr_roc_auc", "ratio_roc_auc", "tstr_brier")} == {len(holdout)}
    subgroup = headline["worst_subgroup_transfer_ratio"]
    assert subgroup.details["metric"] == "roc_auc" and {g["group"] for g in subgroup.details["groups"]} == {"a", "b"}
    # nothing to learn and a small holdout: the ratio says there is nothing to transfer, not only "too small"
    blank = train.assign(x=0.0)
    settings = transfer.TransferSettings(models=("boosted",), repeats=2, anchor_sizes=(0,), anchor_repeats=1)
    ratio = transfer.transfer_sections(blank, blank, holdout.assign(x=0.0).iloc[:80], schema, "classification", settings=settings)["transfer"]["transfer_ratio"]
    assert ratio.insufficient.startswith("a model trained on real rows is at chance")


def test_subgroup_scores_compare_both_models_within_the_group(tables):
    train, holdout, schema = tables
    labels = ["aa"] * 5 + ["fifty"] * 50 + ["small"] * 49 + ["zz"] * 5 + ["rest"] * (len(holdout) - 109)
    holdout = holdout.assign(group=labels)
    problem = transfer._problem(train, holdout, schema, "classification")
    y = problem.y_holdout.to_numpy()
    perfect = np.column_stack([(y == "no").astype(float), (y == "yes").astype(float)])
    blurred = 0.2 * perfect + 0.8 * np.random.default_rng(3).random(perfect.shape)  # a weaker real model
    noisy = np.where(np.asarray(labels)[:, None] == "fifty", blurred, perfect)
    result = transfer._subgroup_transfer(problem, holdout, perfect, noisy, ["group"])
    entries = {g["group"]: g for g in result.details["groups"]}
    assert result.details["suppressed_groups"] == 2 and set(entries) == {"fifty", "rest", "small"}
    fifty = np.asarray(labels) == "fifty"
    trtr_auc = roc_auc_score(y[fifty] == "yes", noisy[fifty, 1])
    assert entries["fifty"]["trtr"] == pytest.approx(round(trtr_auc, 4)) and entries["fifty"]["tstr"] == 1.0
    assert entries["fifty"]["ratio"] == pytest.approx(round(0.5 / (trtr_auc - 0.5), 4)) and entries["rest"]["ratio"] == 1.0
    assert result.value == 1.0 and result.details["worst_group"] == "group=rest"


def test_f1_of_a_class_never_predicted_is_zero_without_a_warning():
    import warnings

    binary = _problem(["yes", "no", "yes", "no"])
    three = _problem(["a", "b", "c", "a"], classes=("a", "b", "c"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        never_yes = transfer._score(binary, np.array([[0.9, 0.1]] * 4))
        never_c = transfer._score(three, np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1]]))
    assert never_yes["f1"] == 0.0 and never_yes["macro_f1"] == pytest.approx(0.5 * 2 / 3)  # "no": precision 1/2, recall 1
    assert never_c["f1"] == never_c["macro_f1"] == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)


def test_multiclass_auc_with_a_class_absent_from_the_holdout():
    classes = ["a", "b", "c"]
    y = np.array(["a", "b", "a", "b"])
    p = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1], [0.3, 0.3, 0.4]])
    # one-vs-rest for "c" has no positive row: undefined, and the holdout is "too small" for a verdict
    # (`_too_small`); the score is NaN rather than an error
    with pytest.warns(UserWarning):
        assert np.isnan(transfer._auc(y, p, classes))


def test_calibration_counts_a_certain_prediction_in_the_top_bin():
    problem = _problem(["no", "yes"])
    # P(yes) = 1.0 for a "no" row (error 1) and 0.5 for a "yes" row (error 0.5)
    assert transfer._score(problem, np.array([[0.0, 1.0], [0.5, 0.5]]))["ece"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    # confidences that are not exact bin edges in floating point (0.3 * 10 is 3.0000000000000004)
    assert transfer._score(problem, np.array([[0.7, 0.3], [0.7, 0.3]]))["ece"] == pytest.approx(abs(0.5 - 0.3))


def test_repeats_round_to_six_places_and_two_have_a_spread():
    estimate = transfer._repeated([0.12345678, 0.5], n=2)
    assert estimate.details["repeats"] == [0.123457, 0.5] and estimate.spread == pytest.approx(np.std([0.12345678, 0.5], ddof=1))


def test_a_one_row_training_set_predicts_its_class():
    problem = _problem(["no", "yes"])
    constant = transfer._fit("boosted", transfer._Problem("y", "classification", {}, ["x"], ["no", "yes"], pd.DataFrame({"x": [1.0, 2.0]}), problem.y_holdout), pd.DataFrame({"x": [0.5], "y": ["yes"]}), 0)
    assert (constant.label, constant.classes) == ("yes", ["no", "yes"])


def test_regression_subgroups_are_measured_over_r2s_chance_of_zero(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")
    y = problem.y_holdout.to_numpy()
    rng = np.random.default_rng(4)
    half = y + rng.normal(0, 1, len(y)) * y.std()  # explains part of the variance
    result = transfer._subgroup_transfer(problem, holdout, half, y, ["group"])
    entries = {g["group"]: g for g in result.details["groups"]}
    for label, entry in entries.items():
        mask = holdout["group"].to_numpy() == label
        r2 = 1 - np.sum((y[mask] - half[mask]) ** 2) / np.sum((y[mask] - y[mask].mean()) ** 2)
        assert (entry["trtr"], entry["tstr"]) == (1.0, pytest.approx(round(r2, 4)))
        assert entry["ratio"] == pytest.approx(round(r2, 4), abs=1e-4)  # (r2 - 0) / (1 - 0)
    assert result.details["metric"] == "r2" and result.details["chance"] == "0.5 (ROC AUC), 0 (R2)" and result.details["min_holdout_rows"] == 50


def test_the_confusion_profile_keeps_every_class_in_place(tables):
    train, holdout, schema = tables
    wider = train.assign(y=train["y"].where(train.index >= 20, "rare"))  # a class the holdout lacks
    problem = transfer._problem(wider, holdout, schema, "classification")
    fitted = transfer._fit("boosted", problem, wider, 0)
    trtr = transfer._predict(fitted, problem)
    tstr = trtr.copy()
    tstr[:10] = [0.0, 1.0, 0.0]  # the synthetic model calls ten rows "rare"
    profile = transfer._error_profile(problem, (fitted, tstr), (fitted, trtr), np.random.default_rng(0))
    agreement = profile["confusion_agreement"]
    assert agreement.details["classes"] == ["no", "rare", "yes"] and np.array(agreement.details["tstr"]).shape == (3, 3)
    labels = np.asarray(problem.classes)[trtr.argmax(axis=1)]
    expected = np.round(confusion_matrix(problem.y_holdout, labels, labels=problem.classes, normalize="true"), 4).tolist()
    assert agreement.details["trtr"] == expected and agreement.baseline == 1.0 and profile["importance_agreement"].baseline == 1.0


def test_the_residual_profile_compares_quantiles_of_the_errors(tables):
    train, holdout, schema = tables
    problem = transfer._problem(train, holdout, schema.model_copy(update={"target": "x"}), "regression")
    y = problem.y_holdout.to_numpy()
    noise = np.random.default_rng(6).normal(0, 1, len(y))
    fitted = transfer._fit("linear", problem, train, 0)
    profile = transfer._error_profile(problem, (fitted, noise), (fitted, y * 0.5), np.random.default_rng(0))
    gap = profile["residual_quantile_gap"]
    quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
    tstr, trtr = np.quantile(y - noise, quantiles), np.quantile(y - y * 0.5, quantiles)
    assert gap.value == pytest.approx(np.mean(np.abs(tstr - trtr)) / y.std(ddof=1))
    assert gap.details == {"quantiles": quantiles, "tstr": np.round(tstr, 4).tolist(), "trtr": np.round(trtr, 4).tolist()}
    assert gap.n_samples == len(y)
