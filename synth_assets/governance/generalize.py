"""Generalisation before anything is learned: rare categories and extreme numbers are coarsened.

A generator reproduces what it saw: a category held by one person, or the one extreme income,
can come back verbatim in the synthetic rows (GaussianCopula keeps each column's min and max),
and so can land in MLflow and in reports. The snapshot therefore recodes categories held by fewer
than `min_category_rows` rows to OTHER, and top- and bottom-codes numbers: values beyond the
`top_code_rows`-th most extreme one are set to it (classic statistical disclosure control).

The rules learned on a snapshot are kept with its reference profile (restricted zone) so that
later data, e.g. the drift sensor's sample, is coarsened exactly the same way.
"""

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from synth_assets.metrics.encoding import as_float
from synth_assets.schema import SchemaContract

OTHER = "(other)"


class GeneralizationRules(BaseModel):
    """What to recode: raw rare categories (restricted: they name rare values) and numeric bounds."""

    model_config = ConfigDict(frozen=True)

    recoded: dict[str, list[str]]
    bounds: dict[str, tuple[float, float]]
    summary: dict[str, dict[str, int]]  # per column, counts only: safe to publish


def fit_generalization(
    frame: pd.DataFrame, schema: SchemaContract, *, min_category_rows: int, top_code_rows: int
) -> GeneralizationRules:
    recoded, bounds, summary = {}, {}, {}
    if min_category_rows > 0:
        for name in schema.categorical:
            if name == schema.target:
                continue  # a rare class is what the model must learn; the target is never recoded
            counts = frame[name].dropna().astype(str).value_counts()
            rare = counts[counts < min_category_rows]
            if len(rare):
                recoded[name] = sorted(rare.index)
                summary[name] = {"categories_recoded": int(len(rare)), "rows_recoded": int(rare.sum())}
    if top_code_rows > 0:
        for name in schema.numerical:
            values = as_float(frame[name])
            present = np.sort(values[~np.isnan(values)])
            if len(present) <= 2 * top_code_rows:
                continue
            low, high = float(present[top_code_rows - 1]), float(present[-top_code_rows])
            below, above = int((values < low).sum()), int((values > high).sum())
            if below or above:
                bounds[name] = (low, high)
                summary[name] = {"rows_bottom_coded": below, "rows_top_coded": above}
    return GeneralizationRules(recoded=recoded, bounds=bounds, summary=summary)


def apply_generalization(frame: pd.DataFrame, rules: GeneralizationRules) -> pd.DataFrame:
    out = frame.copy()
    for name, categories in rules.recoded.items():
        mask = out[name].astype(str).isin(categories) & out[name].notna()
        out[name] = out[name].astype(object).where(~mask, OTHER)
    for name, (low, high) in rules.bounds.items():
        values = as_float(out[name])
        out[name] = out[name].where(~(values < low), _like(out[name], low)).where(~(values > high), _like(out[name], high))
    return out


def _like(series: pd.Series, value: float):
    """`value` in the column's own type (integers stay integers, datetimes stay datetimes)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.Timestamp(int(value))
    if pd.api.types.is_integer_dtype(series):
        return int(value)
    return value
