"""Synthetic-to-real transfer: does a model trained on synthetic rows work on real ones?

TSTR (train on synthetic, test on real) against TRTR (train on the real train split), both scored
on the real holdout that no generator saw, for a linear model and gradient-boosted trees, over
bootstrap repeats (the models are deterministic: resampling the training rows gives the spread).
Every score is also measured against chance (ROC AUC 0.5, the prevalence for PR AUC and F1, the
mean predictor for R2): the ratio `(TSTR - chance) / (TRTR - chance)` is 0 for a model that learned
nothing, whatever the metric's floor. Then: per-subgroup transfer, the error profile (confusion matrices or residual quantiles, feature
importances), and the hybrid curve: synthetic plus k real "anchor" rows from the train split
against those k real rows alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from synth_assets.metrics.disclosure import publishable_count
from synth_assets.metrics.encoding import Vocabulary, model_frame, real_vocabulary
from synth_assets.metrics.encoding import labels as category_labels
from synth_assets.metrics.estimate import Estimate
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

Task = Literal["classification", "regression"]
Model = Literal["boosted", "linear"]
PRIMARY_METRIC = {"classification": "roc_auc", "regression": "r2"}
# Direction of each metric: a TSTR/TRTR ratio above 1 is better for these, worse for the others.
HIGHER_IS_BETTER = {
    "roc_auc": True, "pr_auc": True, "f1": True, "macro_f1": True, "accuracy": True,
    "brier": False, "ece": False, "r2": True, "mae": False, "rmse": False,
}  # fmt: skip
# Below these the holdout scores move by more than the gate's margin between repeats of the split
# (ROC AUC's standard error is ~0.04 at 100 rows: 0.1 of a typical lift over chance).
MIN_HOLDOUT_ROWS = 100
MIN_HOLDOUT_CLASS_ROWS = 5
# TRTR must beat chance by this much for a ratio over chance to mean anything (small tables, noise targets).
MIN_TRTR_LIFT = 0.02
# A train-on-real repeat whose lift over chance is under half the median lift has collapsed:
# it is named in the details (the median keeps it from moving the value).
COLLAPSE_SHARE = 0.5
MIN_SUBGROUP_HOLDOUT_ROWS = 50
IMPORTANCE_ROWS = 1_000
ECE_BINS = 10
REACH = 0.95  # the hybrid curve reports the anchor size at which TSTR reaches 95% of TRTR


@dataclass(frozen=True)
class TransferSettings:
    models: tuple[Model, ...] = ("boosted", "linear")
    repeats: int = 3
    anchor_sizes: tuple[int, ...] = (0, 125, 500, 2000)
    anchor_repeats: int = 2  # anchor draws per size on the hybrid curve
    max_train_rows: int = 50_000
    seed: int = 0

    @property
    def primary_model(self) -> Model:
        return self.models[0]


@dataclass(frozen=True)
class _Problem:
    """The prepared inputs every fit shares."""

    target: str
    task: Task
    vocabulary: dict[str, Vocabulary]
    features: list[str]
    classes: list[str]
    x_holdout: pd.DataFrame
    y_holdout: pd.Series

    def xy(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """Features and labels of the rows whose target is known (a missing target teaches nothing)."""
        frame = frame[frame[self.target].notna()]
        return model_frame(frame, self.features, self.vocabulary), _labels(frame[self.target], self.task).reset_index(drop=True)


def _labels(target: pd.Series, task: Task) -> pd.Series:
    return pd.to_numeric(target) if task == "regression" else category_labels(target)


def transfer_sections(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    task: Task,
    *,
    sensitive_attributes: Sequence[str] = (),
    settings: TransferSettings = TransferSettings(),
) -> dict[str, dict[str, Estimate]]:
    """Every transfer metric, grouped into report sections (see the module docstring)."""
    rng = np.random.default_rng(settings.seed)
    synthetic = bounded_sample(synthetic, settings.max_train_rows, rng)
    train = bounded_sample(train, settings.max_train_rows, rng)
    problem = _problem(train, holdout, schema, task)
    primary = PRIMARY_METRIC[task]
    chance = _chance(problem)
    too_small = _too_small(problem)

    scores: dict[tuple[Model, str], list[dict[str, float]]] = {}
    first_fits = {}
    for model in settings.models:
        for source, frame in (("tstr", synthetic), ("trtr", train)):
            runs = []
            for repeat in range(settings.repeats):
                resampled = _bootstrap(frame, problem, settings.seed + repeat)
                fitted = _fit(model, problem, resampled, settings.seed + repeat)
                predictions = _predict(fitted, problem)
                runs.append(_score(problem, predictions))
                if repeat == 0:
                    first_fits[(model, source)] = (fitted, predictions)
            scores[(model, source)] = runs

    sections = {}
    for model in settings.models:
        section = {}
        for metric in scores[(model, "tstr")][0]:
            tstr = [run[metric] for run in scores[(model, "tstr")]]
            trtr = [run[metric] for run in scores[(model, "trtr")]]
            section[f"tstr_{metric}"] = _repeated(tstr, baseline=float(np.median(trtr)), n=len(problem.y_holdout))
            section[f"trtr_{metric}"] = _repeated(trtr, baseline=chance.get(metric), n=len(problem.y_holdout))
            if metric in chance:
                ratio = _ratio_over_chance(tstr, trtr, chance[metric], metric, n=len(problem.y_holdout))
                if too_small and ratio.insufficient is None:
                    ratio = replace(ratio, insufficient=too_small)
                section[f"ratio_{metric}"] = ratio
        section["transfer_ratio"] = replace(
            section[f"ratio_{primary}"], details={**section[f"ratio_{primary}"].details, "metric": primary, "model": model}
        )
        if model == settings.primary_model and sensitive_attributes:
            section["worst_subgroup_transfer_ratio"] = _subgroup_transfer(
                problem, holdout, first_fits[(model, "tstr")][1], first_fits[(model, "trtr")][1], sensitive_attributes
            )
        sections["transfer" if model == settings.primary_model else f"transfer_{model}"] = section

    sections["error_profile"] = _error_profile(problem, first_fits[(settings.primary_model, "tstr")], first_fits[(settings.primary_model, "trtr")], rng)
    sections["hybrid"] = _hybrid_curve(problem, synthetic, train, scores[(settings.primary_model, "trtr")], settings)
    return sections


def _problem(train: pd.DataFrame, holdout: pd.DataFrame, schema: SchemaContract, task: Task) -> _Problem:
    holdout = holdout[holdout[schema.target].notna()]
    vocabulary = real_vocabulary(pd.concat([train, holdout], ignore_index=True), schema)
    vocabulary.pop(schema.target, None)
    features = [name for name in schema.names if name != schema.target]
    # One class list for every fit and repeat, from all real labels: a class that a resample or
    # the synthetic data lack still gets its column of (zero) probabilities in the same place.
    classes = sorted(set(category_labels(train[schema.target]).dropna()) | set(category_labels(holdout[schema.target]))) if task == "classification" else []
    x_holdout = model_frame(holdout, features, vocabulary)
    return _Problem(schema.target, task, vocabulary, features, classes, x_holdout, _labels(holdout[schema.target], task).reset_index(drop=True))


def _too_small(problem: _Problem) -> str | None:
    """Why the holdout cannot support a transfer verdict, if it cannot (docs/metrics.md#small-tables)."""
    if len(problem.y_holdout) < MIN_HOLDOUT_ROWS:
        return f"{len(problem.y_holdout)} holdout rows with a target; transfer needs {MIN_HOLDOUT_ROWS}"
    if problem.task == "classification":
        rarest = int(problem.y_holdout.value_counts().reindex(problem.classes, fill_value=0).min())
        if rarest < MIN_HOLDOUT_CLASS_ROWS:
            return f"the rarest class has {rarest} holdout rows; transfer needs {MIN_HOLDOUT_CLASS_ROWS}"
    return None


def _bootstrap(frame: pd.DataFrame, problem: _Problem, seed: int) -> pd.DataFrame:
    """A bootstrap resample; for classification, within each class, so every class keeps its count.

    A plain resample of a small table can drop a rare class entirely, and that repeat's model then
    scores well below the others (a collapsed repeat) for a reason that has nothing to do with the data.
    """
    draw = np.random.default_rng(seed)
    if problem.task == "regression":
        return frame.iloc[draw.integers(0, len(frame), len(frame))]
    positions = []
    for rows in frame.groupby(category_labels(frame[problem.target]).to_numpy(), dropna=True).indices.values():
        positions.append(rows[draw.integers(0, len(rows), len(rows))])
    return frame.iloc[np.sort(np.concatenate(positions))] if positions else frame.iloc[:0]


def _chance(problem: _Problem) -> dict[str, float]:
    """What each metric scores on the holdout without learning anything.

    ROC AUC: 0.5. PR AUC and F1: the positive prevalence (binary) or 1 / classes (macro), as a
    random guess at the class rates scores. Accuracy: the majority share. Brier: the constant
    prediction of the class rates. Regression: the holdout mean as the prediction (R2 0).
    Calibration error has no such floor (a constant prevalence is perfectly calibrated): no ratio.
    """
    y = problem.y_holdout.to_numpy()
    if problem.task == "regression":
        y = y.astype(float)
        return {"r2": 0.0, "mae": float(np.mean(np.abs(y - y.mean()))), "rmse": float(y.std())}
    prevalence = np.array([np.mean(y == c) for c in problem.classes])
    binary = len(problem.classes) == 2
    return {
        "roc_auc": 0.5,
        "pr_auc": float(prevalence[1]) if binary else 1.0 / len(problem.classes),
        "f1": float(prevalence[1]) if binary else 1.0 / len(problem.classes),
        "macro_f1": 1.0 / len(problem.classes),
        "accuracy": float(prevalence.max()),
        "brier": float((1.0 - np.sum(prevalence**2)) / (2 if binary else 1)),
    }


def _ratio_over_chance(tstr: list[float], trtr: list[float], chance: float, metric: str, *, n: int) -> Estimate:
    """Median over repeats of `(TSTR - chance) / (TRTR - chance)`; 1 transfers fully, 0 is chance.

    Repeats pair a synthetic fit with a real fit of the same seed. The interval is the 2.5-97.5%
    range of the repeats (training-set variability; with 3 repeats, their min and max). A real
    repeat that collapsed is named, not averaged; with no real lift over chance there is nothing
    to transfer and the ratio is not judged.
    """
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    tstr_lift = sign * (np.asarray(tstr, dtype=float) - chance)
    trtr_lift = sign * (np.asarray(trtr, dtype=float) - chance)
    median_lift = float(np.nanmedian(trtr_lift)) if not np.isnan(trtr_lift).all() else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(trtr_lift > 0, tstr_lift / trtr_lift, np.nan)
    collapsed = [i for i, lift in enumerate(trtr_lift) if not lift > COLLAPSE_SHARE * median_lift]
    details = {
        "repeats": [round(float(r), 6) for r in ratios],
        "chance": round(chance, 6),
        "tstr": [round(float(v), 6) for v in tstr],
        "trtr": [round(float(v), 6) for v in trtr],
        "higher_is_better": HIGHER_IS_BETTER[metric],
        "interval": "2.5-97.5% of the repeats",
    }
    if collapsed:
        details["collapsed_trtr_repeats"] = collapsed
    finite = ratios[~np.isnan(ratios)]
    if not median_lift > MIN_TRTR_LIFT or len(finite) == 0:
        return Estimate(
            float(np.median(finite)) if len(finite) else 0.0,
            baseline=1.0,
            n_samples=n,
            insufficient=f"a model trained on real rows is at chance ({metric} lift {median_lift:.3f} < {MIN_TRTR_LIFT}): nothing to transfer",
            details=details,
        )
    low, high = np.quantile(finite, [0.025, 0.975])
    return Estimate(
        float(np.median(finite)),
        float(low),
        float(high),
        baseline=1.0,
        n_samples=n,
        spread=float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
        details=details,
    )


def _model(model: Model, task: Task, seed: int):
    if model == "boosted":
        if task == "regression":
            return HistGradientBoostingRegressor(categorical_features="from_dtype", max_iter=50, learning_rate=0.2, early_stopping=False, random_state=seed)
        return HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=50, learning_rate=0.2, early_stopping=False, random_state=seed)
    encode = ColumnTransformer(
        [
            ("numbers", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), make_column_selector(dtype_include="number")),
            ("categories", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
        ]
    )
    return make_pipeline(encode, Ridge(alpha=1.0) if task == "regression" else LogisticRegression(max_iter=2000))


def _linear_ready(x: pd.DataFrame) -> pd.DataFrame:
    """One-hot encoding has no 'missing' category of its own: name it."""
    return x.apply(lambda c: c.cat.add_categories("(missing)").fillna("(missing)") if c.dtype == "category" else c)


def _fit(model: Model, problem: _Problem, frame: pd.DataFrame, seed: int):
    x, y = problem.xy(frame)
    if len(y) == 0:
        raise ValueError(f"no training row has a value for the target {problem.target!r}: there is nothing to fit")
    if problem.task == "classification" and y.nunique() < 2:
        return _Constant(y.iloc[0], problem.classes)  # a one-class training set teaches nothing
    estimator = _model(model, problem.task, seed)
    estimator.fit(_linear_ready(x) if model == "linear" else x, y)
    return (model, estimator)


class _Constant:
    def __init__(self, label: str, classes: list[str]):
        self.label, self.classes = label, classes


def _predict(fitted, problem: _Problem) -> np.ndarray:
    """Regression: predictions. Classification: probabilities over `problem.classes`."""
    x = problem.x_holdout
    if isinstance(fitted, _Constant):
        return np.tile([float(c == fitted.label) for c in fitted.classes], (len(x), 1))
    model, estimator = fitted
    x = _linear_ready(x) if model == "linear" else x
    if problem.task == "regression":
        return estimator.predict(x)
    probabilities = pd.DataFrame(estimator.predict_proba(x), columns=estimator.classes_)
    return probabilities.reindex(columns=problem.classes, fill_value=0.0).to_numpy()


def _score(problem: _Problem, predictions: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    y = problem.y_holdout.to_numpy() if mask is None else problem.y_holdout.to_numpy()[mask]
    p = predictions if mask is None else predictions[mask]
    if problem.task == "regression":
        return {"r2": float(r2_score(y, p)), "mae": float(mean_absolute_error(y, p)), "rmse": float(np.sqrt(np.mean((y - p) ** 2)))}
    classes = problem.classes
    labels = np.asarray(classes)[p.argmax(axis=1)]
    onehot = (y[:, None] == np.asarray(classes)[None, :]).astype(float)
    binary = len(classes) == 2
    return {
        "roc_auc": _auc(y, p, classes),
        "pr_auc": _pr_auc(y, p, classes),
        "f1": float(f1_score(y, labels, pos_label=classes[1], zero_division=0.0) if binary else f1_score(y, labels, average="macro", zero_division=0.0)),
        "macro_f1": float(f1_score(y, labels, labels=classes, average="macro", zero_division=0.0)),
        "accuracy": float(accuracy_score(y, labels)),
        "brier": float(np.mean(np.sum((p - onehot) ** 2, axis=1)) / (2 if binary else 1)),
        "ece": _expected_calibration_error(y, p, classes),
    }


def _auc(y: np.ndarray, p: np.ndarray, classes: list[str]) -> float:
    present = sorted(set(y))
    if len(present) < 2:
        return float("nan")
    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], p[:, 1]))
    normalised = p / np.clip(p.sum(axis=1, keepdims=True), 1e-12, None)
    return float(roc_auc_score(y, normalised, multi_class="ovr", labels=classes))


def _pr_auc(y: np.ndarray, p: np.ndarray, classes: list[str]) -> float:
    """Average precision: of the positive class for two classes, the mean over classes otherwise."""
    if len(set(y)) < 2:
        return float("nan")
    if len(classes) == 2:
        return float(average_precision_score(y == classes[1], p[:, 1]))
    present = [k for k, c in enumerate(classes) if (y == c).any()]
    return float(np.mean([average_precision_score(y == classes[k], p[:, k]) for k in present]))


def _expected_calibration_error(y: np.ndarray, p: np.ndarray, classes: list[str]) -> float:
    """ECE over 10 equal-width bins: of P(positive) for two classes, of the top class otherwise."""
    if len(classes) == 2:
        confidence, hit = p[:, 1], (y == classes[1]).astype(float)
    else:
        confidence, hit = p.max(axis=1), (np.asarray(classes)[p.argmax(axis=1)] == y).astype(float)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    error = 0.0
    for b in range(ECE_BINS):
        in_bin = bins == b
        if in_bin.any():
            error += in_bin.mean() * abs(hit[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def _repeated(values: list[float], *, baseline: float | None = None, n: int, details: dict | None = None) -> Estimate:
    """Median over repeats (one odd repeat cannot move it), their standard deviation as the spread."""
    values = np.asarray(values, dtype=float)
    return Estimate(
        float(np.median(values)),
        baseline=baseline,
        n_samples=n,
        spread=float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        details={"repeats": [round(float(v), 6) for v in values], **(details or {})},
    )


def _subgroup_transfer(
    problem: _Problem, holdout: pd.DataFrame, tstr: np.ndarray, trtr: np.ndarray, attributes: Sequence[str]
) -> Estimate:
    """The primary metric's ratio over chance within each subgroup of the holdout; the value is the worst."""
    metric = PRIMARY_METRIC[problem.task]
    holdout = holdout[holdout[problem.target].notna()]  # the rows `problem.y_holdout` holds
    groups, suppressed = [], 0
    for attribute in attributes:
        values = holdout[attribute].astype(str).to_numpy()
        for group in sorted(set(values)):
            mask = values == group
            if not publishable_count(int(mask.sum())):
                suppressed += 1
                continue
            entry = {"attribute": attribute, "group": group, "holdout_rows": int(mask.sum())}
            if mask.sum() >= MIN_SUBGROUP_HOLDOUT_ROWS:
                tstr_score, trtr_score = _score(problem, tstr, mask)[metric], _score(problem, trtr, mask)[metric]
                # chance within the group: 0.5 for ROC AUC, the group's own mean for R2 (0)
                chance = 0.5 if metric == "roc_auc" else 0.0
                if not (np.isnan(tstr_score) or np.isnan(trtr_score) or trtr_score - chance <= MIN_TRTR_LIFT):
                    ratio = (tstr_score - chance) / (trtr_score - chance)
                    entry |= {"tstr": round(tstr_score, 4), "trtr": round(trtr_score, 4), "ratio": round(ratio, 4)}
            groups.append(entry)
    scored = [g for g in groups if "ratio" in g]
    details = {"metric": metric, "chance": "0.5 (ROC AUC), 0 (R2)", "groups": groups, "suppressed_groups": suppressed, "min_holdout_rows": MIN_SUBGROUP_HOLDOUT_ROWS}
    if not scored:
        return Estimate(1.0, baseline=1.0, details=details | {"note": "no subgroup is large enough to score"})
    worst = min(scored, key=lambda g: g["ratio"])
    return Estimate(
        worst["ratio"],
        baseline=1.0,
        n_samples=worst["holdout_rows"],
        details={"worst_group": f"{worst['attribute']}={worst['group']}"} | details,
    )


def _error_profile(problem: _Problem, tstr, trtr, rng: np.random.Generator) -> dict[str, Estimate]:
    """Do the two models err in the same way and rely on the same features?"""
    (tstr_fit, tstr_predictions), (trtr_fit, trtr_predictions) = tstr, trtr
    profile = {}
    if problem.task == "classification":
        matrices = {}
        for name, predictions in (("tstr", tstr_predictions), ("trtr", trtr_predictions)):
            labels = np.asarray(problem.classes)[predictions.argmax(axis=1)]
            matrices[name] = confusion_matrix(problem.y_holdout, labels, labels=problem.classes, normalize="true")
        gap = 0.5 * np.abs(matrices["tstr"] - matrices["trtr"]).sum(axis=1).mean()
        profile["confusion_agreement"] = Estimate(
            float(1 - gap),
            baseline=1.0,
            n_samples=len(problem.y_holdout),
            details={"classes": problem.classes, **{k: np.round(v, 4).tolist() for k, v in matrices.items()}},
        )
    else:
        quantiles = (0.05, 0.25, 0.5, 0.75, 0.95)
        residuals = {name: np.quantile(problem.y_holdout.to_numpy() - p, quantiles) for name, p in (("tstr", tstr_predictions), ("trtr", trtr_predictions))}
        scale = float(problem.y_holdout.std()) or 1.0
        profile["residual_quantile_gap"] = Estimate(
            float(np.mean(np.abs(residuals["tstr"] - residuals["trtr"])) / scale),
            baseline=0.0,
            n_samples=len(problem.y_holdout),
            details={"quantiles": list(quantiles), **{k: np.round(v, 4).tolist() for k, v in residuals.items()}},
        )
    importances = {}
    for name, fitted in (("tstr", tstr_fit), ("trtr", trtr_fit)):
        importances[name] = _importances(fitted, problem, rng)
    if importances["tstr"] is not None and importances["trtr"] is not None:
        correlation = spearmanr(importances["tstr"], importances["trtr"]).statistic
        profile["importance_agreement"] = Estimate(
            float(np.nan_to_num(correlation)),
            baseline=1.0,
            n_samples=min(IMPORTANCE_ROWS, len(problem.y_holdout)),
            details={"method": "permutation importance, Spearman correlation", **{k: dict(zip(problem.features, np.round(v, 5).tolist(), strict=True)) for k, v in importances.items()}},
        )
    return profile


def _importances(fitted, problem: _Problem, rng: np.random.Generator) -> np.ndarray | None:
    if isinstance(fitted, _Constant):
        return None
    model, estimator = fitted
    rows = rng.choice(len(problem.y_holdout), size=min(IMPORTANCE_ROWS, len(problem.y_holdout)), replace=False)
    x = problem.x_holdout.iloc[rows]
    x = _linear_ready(x) if model == "linear" else x
    scoring = "r2" if problem.task == "regression" else ("roc_auc" if len(problem.classes) == 2 else "accuracy")
    result = permutation_importance(estimator, x, problem.y_holdout.iloc[rows], scoring=scoring, n_repeats=1, random_state=int(rng.integers(2**31)))
    return result.importances_mean


def _hybrid_curve(
    problem: _Problem, synthetic: pd.DataFrame, train: pd.DataFrame, trtr_runs: list[dict[str, float]], settings: TransferSettings
) -> dict[str, Estimate]:
    """Synthetic + k real anchor rows (drawn from train) against the k real rows alone."""
    metric = PRIMARY_METRIC[problem.task]
    trtr = float(np.mean([run[metric] for run in trtr_runs]))
    curve, points = {}, []
    for k in settings.anchor_sizes:
        k = min(k, len(train))
        # Repeats draw different anchors; with none, the (deterministic) fit needs doing once.
        hybrid, real_only = [], []
        for repeat in range(settings.anchor_repeats if k else 1):
            draw = np.random.default_rng(settings.seed + 1000 + repeat)
            anchors = train.iloc[draw.choice(len(train), size=k, replace=False)]
            mixed = pd.concat([synthetic, anchors], ignore_index=True)
            hybrid.append(_score(problem, _predict(_fit(settings.primary_model, problem, mixed, settings.seed), problem))[metric])
            if k:
                real_only.append(_score(problem, _predict(_fit(settings.primary_model, problem, anchors, settings.seed), problem))[metric])
        curve[f"synthetic_plus_{k}"] = _repeated(hybrid, baseline=trtr, n=len(problem.y_holdout), details={"anchor_rows": k})
        if real_only:
            curve[f"real_only_{k}"] = _repeated(real_only, baseline=trtr, n=len(problem.y_holdout), details={"anchor_rows": k})
        points.append({"k": k, "synthetic_plus_anchor": float(np.mean(hybrid)), "real_only": float(np.mean(real_only)) if real_only else None})
    reached = next((p["k"] for p in points if p["synthetic_plus_anchor"] >= REACH * trtr), None)
    summary = {"metric": metric, "trtr": trtr, "reach": REACH, "points": points}
    curve["reaches_95pct_of_trtr"] = Estimate(float(reached is not None), baseline=1.0, details=summary)
    if reached is not None:
        curve["anchor_rows_to_95pct"] = Estimate(float(reached), details=summary)
    return curve
