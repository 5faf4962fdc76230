"""Synthetic-to-real transfer: train on synthetic or on real, score both on the real holdout."""

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

from synth_assets.metrics.encoding import model_frame, real_vocabulary
from synth_assets.metrics.estimate import Estimate
from synth_assets.schema import SchemaContract

Task = Literal["classification", "regression"]
PRIMARY_METRIC = {"classification": "roc_auc", "regression": "r2"}


def features_and_target(
    frame: pd.DataFrame, schema: SchemaContract, vocabulary: dict[str, list[str]]
) -> tuple[pd.DataFrame, pd.Series]:
    features = [name for name in schema.names if name != schema.target]
    return model_frame(frame, features, vocabulary), frame[schema.target]


def fit_and_score(
    fit_on: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    task: Task,
    vocabulary: dict[str, list[str]],
    *,
    seed: int,
) -> dict[str, float]:
    """Fit gradient-boosted trees on `fit_on` and score them on the real `holdout`."""
    x_fit, y_fit = features_and_target(fit_on, schema, vocabulary)
    x_test, y_test = features_and_target(holdout, schema, vocabulary)
    if task == "regression":
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
        model.fit(x_fit, pd.to_numeric(y_fit))
        return {"r2": float(r2_score(pd.to_numeric(y_test), model.predict(x_test)))}
    y_fit, y_test = y_fit.astype(str), y_test.astype(str)
    if y_fit.nunique() < 2:
        # A generator that emits one class teaches nothing: the honest score is chance.
        return {"roc_auc": 0.5, "accuracy": float((y_test == y_fit.iloc[0]).mean())}
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    model.fit(x_fit, y_fit)
    classes = sorted(y_test.unique())
    probabilities = pd.DataFrame(model.predict_proba(x_test), columns=model.classes_)
    probabilities = probabilities.reindex(columns=classes, fill_value=0.0).to_numpy()
    if len(classes) == 2:
        auc = roc_auc_score(y_test == classes[1], probabilities[:, 1])
    else:
        probabilities = probabilities / np.clip(probabilities.sum(axis=1, keepdims=True), 1e-12, None)
        auc = roc_auc_score(y_test, probabilities, multi_class="ovr", labels=classes)
    return {"roc_auc": float(auc), "accuracy": float(accuracy_score(y_test, model.predict(x_test)))}


def transfer_metrics(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: SchemaContract, task: Task, *, seed: int = 0
) -> dict[str, Estimate]:
    """TSTR (train on synthetic) and TRTR (train on real) on the same real holdout, and their ratio."""
    vocabulary = real_vocabulary(pd.concat([train, holdout], ignore_index=True), schema)
    tstr = fit_and_score(synthetic, holdout, schema, task, vocabulary, seed=seed)
    trtr = fit_and_score(train, holdout, schema, task, vocabulary, seed=seed)
    primary = PRIMARY_METRIC[task]
    results = {f"tstr_{k}": Estimate(v, baseline=trtr[k], n_samples=len(holdout)) for k, v in tstr.items()}
    results |= {f"trtr_{k}": Estimate(v, n_samples=len(holdout)) for k, v in trtr.items()}
    ratio = tstr[primary] / trtr[primary] if trtr[primary] > 0 else 0.0
    results["transfer_ratio"] = Estimate(float(ratio), baseline=1.0, n_samples=len(holdout))
    return results
