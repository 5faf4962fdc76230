"""Frames as models see them: numbers as floats, categories with the real vocabulary."""

import pandas as pd

from synth_assets.schema import SchemaContract, as_float  # noqa: F401 - as_float: the metrics' way to read numbers


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
