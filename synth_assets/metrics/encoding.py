"""Frames as models see them: numbers as floats, categories with the real vocabulary."""

import numpy as np
import pandas as pd

from synth_assets.schema import SchemaContract


def labels(series: pd.Series) -> pd.Series:
    """Category labels as strings; missing stays missing."""
    return series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))


def real_vocabulary(real: pd.DataFrame, schema: SchemaContract) -> dict[str, list[str]]:
    """Sorted categories of every categorical column, as seen in real data."""
    return {name: sorted(real[name].dropna().astype(str).unique()) for name in schema.categorical}


def model_frame(frame: pd.DataFrame, columns: list[str], vocabulary: dict[str, list[str]]) -> pd.DataFrame:
    """Columns ready for scikit-learn's HistGradientBoosting (native categorical support).

    A category the real data never had becomes missing, so models cannot key on invented labels.
    """
    encoded = {}
    for name in columns:
        if name in vocabulary:
            encoded[name] = pd.Categorical(labels(frame[name]), categories=vocabulary[name])
        else:
            encoded[name] = pd.to_numeric(frame[name].astype("float64"), errors="coerce")
    return pd.DataFrame(encoded)


def as_float(series: pd.Series) -> np.ndarray:
    """Numbers (datetimes as nanoseconds) as float64, with NaN where missing."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
