"""Coverage: do the synthetic data reach the real data's rare categories and tails, and nothing else?

Generators smooth away what is rare; these metrics measure what was lost (categories, tails,
range) and what was invented (categories and numbers the real data never had).
"""

import numpy as np
import pandas as pd

from synth_assets.metrics.disclosure import publishable_count, publishable_quantile
from synth_assets.metrics.encoding import as_float
from synth_assets.metrics.estimate import Estimate, wilson_interval
from synth_assets.schema import SchemaContract

TAIL_QUANTILES = (0.01, 0.05, 0.95, 0.99)
RARE_SHARE = 0.01  # a category held by under 1% of real rows is rare
EXPECTED_MIN = 5.0  # expected synthetic count above which a missing category counts against coverage


def category_coverage(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> Estimate:
    """Share of real (column, category) pairs that appear in the synthetic data.

    Counted over the categories a faithful generator would almost surely produce at this sample
    size: those whose real share times the synthetic row count is at least `EXPECTED_MIN`
    (P(absent) <= e^-5). Rarer categories are listed in the details and measured by
    `rare_category_ratio`, so the value does not fall merely because fewer rows were sampled.
    """
    per_column, covered_total, eligible_total = {}, 0, 0
    for name in schema.categorical:
        real_counts = real[name].dropna().astype(str).value_counts()
        present = set(synthetic[name].dropna().astype(str))
        eligible = real_counts[real_counts / max(len(real), 1) * len(synthetic) >= EXPECTED_MIN]
        missing = [c for c in real_counts.index if c not in present]
        missing_eligible = [c for c in eligible.index if c not in present]
        covered_total += len(eligible) - len(missing_eligible)
        eligible_total += len(eligible)
        per_column[name] = {
            "real_categories": len(real_counts),
            "eligible": len(eligible),
            "covered_eligible": len(eligible) - len(missing_eligible),
            "covered_all": len(real_counts) - len(missing),
            # name a missing category only when enough real rows hold it to be publishable
            "missing_named": sorted(c for c in missing if publishable_count(int(real_counts[c]))),
            "missing_small": sum(1 for c in missing if not publishable_count(int(real_counts[c]))),
        }
    value = covered_total / eligible_total if eligible_total else 1.0
    return Estimate(value, baseline=1.0, n_samples=len(synthetic), details={"columns": per_column})


def rare_category_ratio(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> Estimate:
    """Mean synthetic/real frequency ratio over rare categories (under 1% of real rows); 1.0 is ideal."""
    ratios, per_column = [], {}
    for name in schema.categorical:
        real_share = real[name].dropna().astype(str).value_counts(normalize=True)
        synthetic_share = synthetic[name].dropna().astype(str).value_counts(normalize=True)
        rare = real_share[real_share < RARE_SHARE]
        if rare.empty:
            continue
        column_ratios = (synthetic_share.reindex(rare.index, fill_value=0.0) / rare).astype(float)
        ratios += column_ratios.tolist()
        real_counts = real[name].dropna().astype(str).value_counts()
        per_column[name] = {
            "rare_categories": len(rare),
            "mean_ratio": round(float(column_ratios.mean()), 4),
            "ratios": {c: round(float(r), 4) for c, r in column_ratios.items() if publishable_count(int(real_counts[c]))},
        }
    if not ratios:
        return Estimate(1.0, baseline=1.0, details={"note": "no rare categories", "columns": {}})
    return Estimate(float(np.mean(ratios)), baseline=1.0, n_samples=len(ratios), details={"columns": per_column})


def tail_coverage(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> dict[str, Estimate]:
    """Tail quantiles of numeric columns against the real ones, and the share of the real range covered.

    `tail_quantile_error`: mean |synthetic - real| quantile gap at 1/5/95/99%, in units of the real
    1%-99% spread (0 is ideal). `range_coverage`: mean share of each column's real range that the
    synthetic range spans (1 is ideal). Extremes are used, never reported.
    """
    errors, coverages, per_column = [], [], {}
    for name in schema.numerical:
        real_values, synthetic_values = _numbers(real[name]), _numbers(synthetic[name])
        if len(real_values) == 0 or len(synthetic_values) == 0:
            continue
        real_q = np.quantile(real_values, TAIL_QUANTILES)
        synthetic_q = np.quantile(synthetic_values, TAIL_QUANTILES)
        spread = real_q[-1] - real_q[0]
        gaps = np.abs(synthetic_q - real_q) / spread if spread > 0 else (synthetic_q != real_q).astype(float)
        errors.append(float(gaps.mean()))
        low, high = real_values.min(), real_values.max()
        overlap = max(0.0, min(high, synthetic_values.max()) - max(low, synthetic_values.min()))
        coverage = overlap / (high - low) if high > low else float(np.isin(low, synthetic_values))
        coverages.append(coverage)
        per_column[name] = {
            "quantiles": {
                str(q): {"real": float(r), "synthetic": float(s)}
                for q, r, s in zip(TAIL_QUANTILES, real_q, synthetic_q, strict=True)
                if publishable_quantile(q, len(real_values))
            },
            "mean_gap": round(float(gaps.mean()), 4),
            "range_coverage": round(coverage, 4),
        }
    if not errors:
        return {}
    return {
        "tail_quantile_error": Estimate(float(np.mean(errors)), baseline=0.0, n_samples=len(synthetic), details={"columns": per_column}),
        "range_coverage": Estimate(float(np.mean(coverages)), baseline=1.0, n_samples=len(synthetic)),
    }


TAIL_SHARE_QUANTILES = (0.01, 0.99)
MIN_TAIL_ROWS = 1_000  # real rows for 10 beyond each of the 1st/99th percentiles: fewer is not judged


def tail_share_error(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> Estimate:
    """Per numeric column, the synthetic share of rows beyond the real 1st and 99th percentiles
    against the real share there; the value is the worst column's gap (0 is ideal).

    Quantile gaps miss a point mass in the tail: a generator that puts 5.8% of its rows at
    `capital_gain = 99999`, where real data have 0.5%, moves the 99th percentile little and this
    share by 0.05. The gap of a column is the sum over both tails of |synthetic - real| share; the
    details give every share and the synthetic one's Wilson interval. The percentiles themselves
    are used, never reported.
    """
    per_column, worst, worst_gap = {}, None, 0.0
    for name in schema.numerical:
        real_values, synthetic_values = _numbers(real[name]), _numbers(synthetic[name])
        if len(real_values) == 0 or len(synthetic_values) == 0:
            continue
        low, high = np.quantile(real_values, TAIL_SHARE_QUANTILES)
        shares = {
            "real_below_p01": float(np.mean(real_values < low)),
            "synthetic_below_p01": float(np.mean(synthetic_values < low)),
            "real_above_p99": float(np.mean(real_values > high)),
            "synthetic_above_p99": float(np.mean(synthetic_values > high)),
        }
        gap = abs(shares["synthetic_below_p01"] - shares["real_below_p01"]) + abs(shares["synthetic_above_p99"] - shares["real_above_p99"])
        per_column[name] = {k: round(v, 5) for k, v in shares.items()} | {
            "gap": round(gap, 5),
            "synthetic_above_p99_interval": [round(b, 5) for b in wilson_interval(shares["synthetic_above_p99"] * len(synthetic_values), len(synthetic_values))],
        }
        if worst is None or gap > worst_gap:
            worst, worst_gap = name, gap
    if worst is None:
        return Estimate(0.0, baseline=0.0, details={"note": "no numeric column", "columns": {}})
    insufficient = f"{len(real)} real rows; tail shares need {MIN_TAIL_ROWS:,}" if len(real) < MIN_TAIL_ROWS else None
    return Estimate(
        worst_gap,
        baseline=0.0,
        n_samples=len(synthetic),
        insufficient=insufficient,
        details={"worst_column": worst, "columns": per_column, "min_real_rows": MIN_TAIL_ROWS},
    )


def novel_values(real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract) -> Estimate:
    """Share of synthetic rows carrying a value the real data never had: a new category or an out-of-range number."""
    novel = np.zeros(len(synthetic), dtype=bool)
    per_column = {}
    for name in schema.categorical:
        known = set(real[name].dropna().astype(str))
        values = synthetic[name]
        invented = values.notna().to_numpy() & ~values.astype(str).isin(known).to_numpy()
        if invented.any():
            per_column[name] = {"new_categories": int(values[invented].astype(str).nunique()), "rows": int(invented.sum())}
        novel |= invented
    for name in schema.numerical:
        real_values = _numbers(real[name])
        if len(real_values) == 0:
            continue
        values = _numbers(synthetic[name], keep_missing=True)
        outside = (values < real_values.min()) | (values > real_values.max())
        if outside.any():
            per_column[name] = {"out_of_range_rows": int(outside.sum())}
        novel |= outside
    return Estimate(float(novel.mean()) if len(novel) else 0.0, baseline=0.0, n_samples=len(synthetic), details={"columns": per_column})



def _numbers(series: pd.Series, keep_missing: bool = False) -> np.ndarray:
    values = as_float(series)
    return values if keep_missing else values[~np.isnan(values)]
