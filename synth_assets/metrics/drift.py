"""Drift of current data against a reference profile (aggregates only: no reference rows needed).

Per column: PSI and Jensen-Shannon distance over the reference's bins (numbers: decile bins with
open tails; categories: the category distribution), a two-sample KS test (numbers; the reference
CDF from its percentiles) or a chi-square test of homogeneity (categories), the change in the
share of missing values, and the share of current rows with a category the reference never had.
p-values are adjusted across columns (Benjamini-Hochberg). A column drifts when its shift is both
large (PSI) and significant, or when its missing share or unseen categories move past their
thresholds; the dataset drifts when the share of drifted columns reaches the catalog threshold.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.special import kolmogorov
from scipy.stats import chi2_contingency

from synth_assets.metrics.disclosure import publishable_count
from synth_assets.metrics.encoding import as_float

EPSILON = 1e-4  # keeps PSI finite for empty bins


@dataclass(frozen=True)
class DriftSettings:
    psi_threshold: float = 0.2
    alpha: float = 0.01
    null_share_threshold: float = 0.05
    unseen_share_threshold: float = 0.01
    column_share_threshold: float = 0.05


def psi_and_js(reference_counts, current_counts) -> tuple[float, float]:
    """Population stability index and Jensen-Shannon distance (base 2) of two count vectors."""
    p = np.asarray(reference_counts, dtype=float)
    q = np.asarray(current_counts, dtype=float)
    p, q = p / max(p.sum(), 1.0), q / max(q.sum(), 1.0)
    ps, qs = np.clip(p, EPSILON, None), np.clip(q, EPSILON, None)
    psi = float(np.sum((qs - ps) * np.log(qs / ps)))
    js = float(jensenshannon(p, q, base=2)) if p.sum() and q.sum() else 0.0
    return psi, float(np.nan_to_num(js))


def numeric_drift(reference: dict, values: pd.Series) -> dict:
    numbers = as_float(values)
    present = numbers[~np.isnan(numbers)]
    result = {"kind": "numerical", "null_share_change": _null_share_change(reference, np.isnan(numbers)), "n": int(len(present))}
    if len(present) == 0 or "bin_edges" not in reference:
        return result | {"psi": 0.0, "js": 0.0, "p_value": 1.0, "test": "none"}
    edges = np.asarray(reference["bin_edges"])
    current_counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    psi, js = psi_and_js(reference["bin_counts"], current_counts)
    statistic, p_value = _ks_against_percentiles(reference, present)
    return result | {"psi": psi, "js": js, "test": "ks", "statistic": statistic, "p_value": p_value}


def categorical_drift(reference: dict, values: pd.Series) -> dict:
    labels = values.dropna().astype(str)
    result = {"kind": "categorical", "null_share_change": _null_share_change(reference, values.isna().to_numpy()), "n": int(len(labels))}
    reference_counts = pd.Series(reference.get("frequencies", {}), dtype=float)
    current_counts = labels.value_counts().astype(float)
    categories = reference_counts.index.union(current_counts.index)
    ref, cur = reference_counts.reindex(categories, fill_value=0.0), current_counts.reindex(categories, fill_value=0.0)
    unseen = cur[~cur.index.isin(reference_counts.index)]
    psi, js = psi_and_js(ref.to_numpy(), cur.to_numpy()) if len(labels) else (0.0, 0.0)
    table = np.vstack([ref.to_numpy(), cur.to_numpy()])
    table = table[:, table.sum(axis=0) > 0]
    statistic, p_value = (0.0, 1.0)
    if table.shape[1] > 1 and len(labels):
        statistic, p_value = chi2_contingency(table)[:2]
    return result | {
        "psi": psi,
        "js": js,
        "test": "chi2",
        "statistic": float(statistic),
        "p_value": float(p_value),
        "unseen_share": float(unseen.sum() / max(len(labels), 1)),
        # a new category is named only when enough current rows hold it to be publishable
        "unseen_named": sorted(c for c, n in unseen.items() if publishable_count(int(n))),
        "unseen_small": int(sum(1 for n in unseen if not publishable_count(int(n)))),
    }


def _null_share_change(reference: dict, missing: np.ndarray) -> float:
    """How far the missing share moved; no change for an empty sample (nothing to judge)."""
    return abs(float(missing.mean()) - reference["null_share"]) if len(missing) else 0.0


def drift_report(profile: dict, current: pd.DataFrame, settings: DriftSettings = DriftSettings()) -> dict:
    """Every column's drift and the dataset's verdict (`drifted`, `score`, `threshold`)."""
    columns = {}
    for name, reference in profile["columns"].items():
        if name not in current.columns:
            continue
        if reference["kind"] in ("numerical", "datetime"):
            columns[name] = numeric_drift(reference, current[name])
        else:
            columns[name] = categorical_drift(reference, current[name])
    adjusted = benjamini_hochberg([c["p_value"] for c in columns.values()])
    for column, p_adjusted in zip(columns.values(), adjusted, strict=True):
        column["p_adjusted"] = p_adjusted
        reasons = []
        if column["psi"] >= settings.psi_threshold and p_adjusted < settings.alpha:
            reasons.append(f"distribution shifted (PSI {column['psi']:.2f}, adjusted p {p_adjusted:.1e})")
        if column["null_share_change"] >= settings.null_share_threshold:
            reasons.append(f"missing share changed by {column['null_share_change']:.2f}")
        if column.get("unseen_share", 0.0) >= settings.unseen_share_threshold:
            reasons.append(f"{column['unseen_share']:.1%} of rows hold categories the reference never had")
        column |= {"drifted": bool(reasons), "reasons": reasons}
    drifted = [name for name, column in columns.items() if column["drifted"]]
    score = len(drifted) / len(columns) if columns else 0.0
    worst = max(columns, key=lambda name: columns[name]["psi"], default=None)
    return {
        "drifted": bool(drifted) and score >= settings.column_share_threshold,
        "score": score,
        "threshold": settings.column_share_threshold,
        "drifted_columns": drifted,
        "worst_column": worst,
        "worst_psi": columns[worst]["psi"] if worst else 0.0,
        "rows_compared": int(len(current)),
        "reference_rows": int(profile["n_rows"]),
        "columns": columns,
    }


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate across the columns tested)."""
    p = np.asarray(p_values, dtype=float)
    if len(p) == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(adjusted)
    out[order] = np.minimum(adjusted, 1.0)
    return out.tolist()


def _ks_against_percentiles(reference: dict, present: np.ndarray) -> tuple[float, float]:
    """Two-sample KS with the reference CDF interpolated from its 1st-99th percentiles.

    The reference is known to 1% resolution, so the statistic can be off by up to 0.01; the
    asymptotic p-value uses both sample sizes.
    """
    percentiles = np.asarray(reference["percentiles"])
    probabilities = np.arange(1, len(percentiles) + 1) / (len(percentiles) + 1)
    points = np.unique(np.concatenate([percentiles, present]))
    reference_cdf = np.interp(points, percentiles, probabilities, left=0.0, right=1.0)
    current_cdf = np.searchsorted(np.sort(present), points, side="right") / len(present)
    statistic = float(np.max(np.abs(reference_cdf - current_cdf)))
    n_reference = reference.get("n", sum(reference["bin_counts"]))
    effective = n_reference * len(present) / (n_reference + len(present))
    return statistic, float(kolmogorov(statistic * np.sqrt(effective)))


def summary_line(report: dict) -> str:
    """One line for sensor ticks, run tags and logs."""
    if report["status"] == "no_champion":
        return "no champion yet: nothing to compare with"
    if report.get("not_judged"):
        return f"not judged: {report['not_judged']}"
    worst = report["worst_column"]
    line = (
        f"{len(report['drifted_columns'])}/{len(report['columns'])} columns drifted "
        f"(score {report['score']:.2f}, threshold {report['threshold']:.2f}); worst {worst} PSI {report['worst_psi']:.2f}"
    )
    if report["drifted_columns"]:
        line += ": " + ", ".join(report["drifted_columns"][:5])
    return line
