"""Generalisation before anything is learned: rare categories and extreme numbers are coarsened.

A generator reproduces what it saw: a category held by one person, or the one extreme income,
can come back verbatim in the synthetic rows (GaussianCopula keeps each column's min and max),
and so can land in MLflow and in reports. The snapshot therefore recodes categories held by fewer
than `min_category_rows` rows to OTHER, and top- and bottom-codes numbers: values beyond the
`top_code_rows`-th most extreme one are set to it (classic statistical disclosure control).
"""

import numpy as np
import pandas as pd

from synth_assets.metrics.encoding import as_float
from synth_assets.schema import SchemaContract

OTHER = "(other)"


def generalize(
    frame: pd.DataFrame, schema: SchemaContract, *, min_category_rows: int, top_code_rows: int
) -> tuple[pd.DataFrame, dict]:
    """The generalised frame and a summary of what changed (counts only, no values)."""
    out = frame.copy()
    summary: dict[str, dict] = {}
    if min_category_rows > 0:
        for name in schema.categorical:
            if name == schema.target:
                continue  # a rare class is what the model must learn; the target is never recoded
            counts = out[name].value_counts()
            rare = counts.index[counts < min_category_rows]
            if len(rare):
                mask = out[name].isin(rare)
                out[name] = out[name].astype(object).where(~mask, OTHER)
                summary[name] = {"categories_recoded": int(len(rare)), "rows_recoded": int(mask.sum())}
    if top_code_rows > 0:
        for name in schema.numerical:
            values = as_float(out[name])
            present = np.sort(values[~np.isnan(values)])
            if len(present) <= 2 * top_code_rows:
                continue
            low, high = present[top_code_rows - 1], present[-top_code_rows]
            below, above = values < low, values > high
            if below.any() or above.any():
                out[name] = out[name].where(~below, _like(out[name], low)).where(~above, _like(out[name], high))
                summary[name] = {"rows_bottom_coded": int(below.sum()), "rows_top_coded": int(above.sum())}
    return out, summary


def _like(series: pd.Series, value: float):
    """`value` in the column's own type (integers stay integers, datetimes stay datetimes)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.Timestamp(int(value))
    if pd.api.types.is_integer_dtype(series):
        return int(value)
    return value
