"""Fidelity: how closely the synthetic data reproduces the real distributions, for everyone."""

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from synth_assets.metrics.disclosure import publishable_count
from synth_assets.metrics.encoding import as_float, model_frame, real_vocabulary
from synth_assets.metrics.estimate import Estimate, auc_estimate
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

MAX_QUALITY_ROWS = 50_000  # SDMetrics' report takes ~1 s on 26k x 15; beyond this we sample
MAX_DETECTION_ROWS = 5_000  # per side
MIN_QUALITY_ROWS = 200
DETECTION_FOLDS = 3
# Below this many rows a side the AUC's interval is wider than +-0.06 at chance, too wide to hold
# against a threshold (docs/metrics.md#small-tables): the value is reported, not judged.
MIN_DETECTION_ROWS = 200
MIN_SUBGROUP_ROWS = 100  # real rows a subgroup needs before its score is more signal than noise
_TABLE = "table"


def sdmetrics_metadata(schema: SchemaContract) -> dict:
    return {"tables": {_TABLE: {"columns": {c.name: {"sdtype": c.kind} for c in schema.columns}}}}


def quality_report(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract, *, seed: int = 0
) -> dict[str, Estimate]:
    """SDMetrics QualityReport: column shapes, column-pair trends, and their mean (the overall score)."""
    from sdmetrics.reports import QualityReport

    rng = np.random.default_rng(seed)
    real = bounded_sample(real, MAX_QUALITY_ROWS, rng)
    synthetic = bounded_sample(synthetic, MAX_QUALITY_ROWS, rng)
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(
            {_TABLE: real[schema.names]}, {_TABLE: synthetic[schema.names]}, sdmetrics_metadata(schema), verbose=False
        )
    properties = dict(zip(report.get_properties()["Property"], report.get_properties()["Score"], strict=True))
    n = min(len(real), len(synthetic))
    # Two real samples of 500 rows score 0.92, of 1,000 rows 0.95 (Adult): below 200 rows the
    # column-shape statistics alone stray towards the gate (docs/metrics.md#small-tables).
    insufficient = f"{n} rows; the quality score needs {MIN_QUALITY_ROWS}" if n < MIN_QUALITY_ROWS else None
    shapes, pairs = float(properties["Column Shapes"]), float(properties["Column Pair Trends"])
    # SDMetrics leaves a property NaN when none of its per-column scores could be computed; the
    # score is then the property that was (said so), rather than NaN.
    found = [v for v in (shapes, pairs) if np.isfinite(v)]
    missing = [name for name, v in (("column shapes", shapes), ("column pair trends", pairs)) if not np.isfinite(v)]
    score = float(np.mean(found)) if found else float("nan")
    return {
        "quality_score": Estimate(
            score, n_samples=n, insufficient=insufficient, details={"not_computed": missing} if missing else None
        ),
        "column_shapes": Estimate(shapes, n_samples=n),
        "column_pair_trends": Estimate(pairs, n_samples=n),
    }


def column_shape_scores(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract, columns: list[str] | None = None) -> dict[str, float]:
    """SDMetrics' column-shape scores per column: KS complement (numbers), TV complement (categories).

    Missing values are ignored, as SDMetrics does; a column with no value on one side scores 0.
    """
    scores = {}
    for name in columns or schema.names:
        real_values, synthetic_values = real[name].dropna(), synthetic[name].dropna()
        if len(real_values) == 0 or len(synthetic_values) == 0:
            scores[name] = 0.0
        elif name in schema.numerical:
            # The statistic does not depend on `method`; the asymptotic one skips an exact p-value.
            scores[name] = 1.0 - float(ks_2samp(as_float(real_values), as_float(synthetic_values), method="asymp").statistic)
        else:
            p = real_values.astype(str).value_counts(normalize=True)
            q = synthetic_values.astype(str).value_counts(normalize=True)
            scores[name] = 1.0 - 0.5 * float(p.sub(q, fill_value=0.0).abs().sum())
    return scores


def detection_auc(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract, *, model: str = "logistic", seed: int = 0
) -> Estimate:
    """How well a classifier tells real rows from synthetic ones: out-of-fold ROC AUC (0.5 is ideal).

    `logistic` (as SDMetrics' LogisticDetection) sees distributions and linear structure;
    `boosted` trees also find value-level artefacts (amounts real data never takes, interactions)
    and are the gated detector (`detection_auc_boosted_max`). Both take missing values (imputed with
    an indicator, or a `(missing)` category) and any number of categories (the rarest pooled into
    `encoding.OTHER`).
    Below `MIN_DETECTION_ROWS` a side the estimate is marked insufficient: not judged.
    """
    # The vocabulary comes from both sides, before sampling. From the real sample alone, the
    # categories it happens to miss read as missing on the synthetic side only, and a top-k cut
    # ranked on one side favours that side's chance frequencies: two real samples sharing a
    # 600-category column scored 0.68 and 0.57 that way. A label only the synthetic side has is
    # then a feature like any other (a real giveaway).
    vocabulary = real_vocabulary(pd.concat([real, synthetic], ignore_index=True), schema)
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic), MAX_DETECTION_ROWS)
    real, synthetic = bounded_sample(real, n, rng), bounded_sample(synthetic, n, rng)
    features = model_frame(pd.concat([real, synthetic], ignore_index=True), schema.names, vocabulary)
    is_synthetic = np.r_[np.zeros(len(real), bool), np.ones(len(synthetic), bool)]
    if model == "boosted":
        classifier = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=100, random_state=seed)
    else:
        classifier = make_pipeline(
            ColumnTransformer(
                [
                    ("numbers", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), make_column_selector(dtype_include="number")),
                    ("categories", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
                ]
            ),
            LogisticRegression(max_iter=1000),
        )
        features = features.apply(lambda c: c.cat.add_categories("(missing)").fillna("(missing)") if c.dtype == "category" else c)
    folds = StratifiedKFold(n_splits=DETECTION_FOLDS, shuffle=True, random_state=seed)
    scores = cross_val_predict(classifier, features, is_synthetic, cv=folds, method="predict_proba")[:, 1]
    details = {"classifier": model, "folds": DETECTION_FOLDS, "rows_per_side": n, "min_rows_per_side": MIN_DETECTION_ROWS}
    estimate = auc_estimate(is_synthetic, scores, details=details)
    if n < MIN_DETECTION_ROWS:
        return replace(estimate, insufficient=f"{n} rows per side; detection needs {MIN_DETECTION_ROWS}")
    return estimate


def subgroup_fidelity(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract, attributes: list[str]
) -> Estimate:
    """Column-shape fidelity within every subgroup of each sensitive attribute; the value is the worst.

    Averages hide minorities: a generator can match the population and still misrepresent a small
    group. Subgroups with fewer than `MIN_SUBGROUP_ROWS` real rows are listed but not scored, and
    those below the disclosure limit are only counted. A subgroup the synthetic data lacks
    entirely scores 0.
    """
    groups, suppressed = [], 0
    for attribute in attributes:
        others = [name for name in schema.names if name != attribute]
        real_labels, synthetic_labels = real[attribute].astype(str), synthetic[attribute].astype(str)
        for value, real_rows in real_labels.value_counts().items():
            if not publishable_count(real_rows):
                suppressed += 1
                continue
            synthetic_rows = int((synthetic_labels == value).sum())
            entry = {
                "attribute": attribute,
                "group": value,
                "real_rows": int(real_rows),
                "synthetic_rows": synthetic_rows,
                "real_share": round(real_rows / len(real), 6),
                "synthetic_share": round(synthetic_rows / max(len(synthetic), 1), 6),
            }
            if real_rows >= MIN_SUBGROUP_ROWS:
                if synthetic_rows == 0:
                    entry["score"] = 0.0
                else:
                    in_real, in_synthetic = real[real_labels == value], synthetic[synthetic_labels == value]
                    entry["score"] = float(np.mean(list(column_shape_scores(in_real, in_synthetic, schema, others).values())))
            groups.append(entry)
    scored = [g for g in groups if "score" in g]
    details = {"groups": groups, "suppressed_groups": suppressed, "min_rows_scored": MIN_SUBGROUP_ROWS}
    if not scored:
        return Estimate(1.0, details=details | {"note": "no subgroup is large enough to score"})
    worst = min(scored, key=lambda g: g["score"])
    return Estimate(
        worst["score"],
        baseline=float(np.mean([g["score"] for g in scored])),
        n_samples=worst["real_rows"],
        details={"worst_group": f"{worst['attribute']}={worst['group']}"} | details,
    )

