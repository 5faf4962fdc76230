"""The reference profile: aggregates of a snapshot that later data is compared against.

Only aggregates are kept: percentiles 1 to 99, histogram counts over interior bin edges
(open-ended tails, so no minimum or maximum), category frequencies and null shares, plus the
generalisation rules the snapshot applied (so later data can be coarsened the same way). No row
of the snapshot can be read back from it. It lives in the restricted zone, with the snapshot and
with every generator fitted on it.
"""

import numpy as np
import pandas as pd

from synth_assets.governance.generalize import GeneralizationRules
from synth_assets.metrics.encoding import as_float
from synth_assets.schema import SchemaContract

PROFILE_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
PERCENTILES = np.arange(1, 100)  # the reference CDF for KS tests
HISTOGRAM_BINS = 10


def reference_profile(frame: pd.DataFrame, schema: SchemaContract, rules: GeneralizationRules | None = None) -> dict:
    columns = {}
    for column in schema.columns:
        series = frame[column.name]
        entry: dict = {"kind": column.kind, "null_share": float(series.isna().mean())}
        values = series.dropna()
        if column.kind in ("numerical", "datetime") and len(values):
            numbers = as_float(values)
            # Interior edges at deciles: each bin holds ~10% of the reference, tails open-ended.
            edges = np.unique(np.quantile(numbers, np.linspace(0, 1, HISTOGRAM_BINS + 1)[1:-1]))
            counts = np.bincount(np.searchsorted(edges, numbers, side="right"), minlength=len(edges) + 1)
            entry |= {
                "quantiles": {str(q): float(v) for q, v in zip(PROFILE_QUANTILES, np.quantile(numbers, PROFILE_QUANTILES), strict=True)},
                "percentiles": np.percentile(numbers, PERCENTILES).tolist(),
                "mean": float(numbers.mean()),
                "std": float(numbers.std()),
                "bin_edges": edges.tolist(),
                "bin_counts": counts.tolist(),
            }
        elif column.kind in ("categorical", "boolean"):
            entry["frequencies"] = {str(k): int(v) for k, v in values.astype(str).value_counts().items()}
        columns[column.name] = entry
    return {
        "n_rows": int(len(frame)),
        "columns": columns,
        "generalization": (rules or GeneralizationRules(recoded={}, bounds={}, summary={})).model_dump(),
    }

