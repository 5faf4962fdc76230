"""Frames as models see them: numbers as floats, categories with the real vocabulary.

Detection and transfer models must cope with any category count: scikit-learn's
HistGradientBoosting accepts at most 255 categories per column, and one-hot encoding thousands of
rare labels only lets a linear model memorise rows. So each categorical column keeps its
`MAX_MODEL_CATEGORIES - 1` most frequent real categories and pools the rest into `OTHER`.
"""

from dataclasses import dataclass

import pandas as pd

from synth_assets.schema import SchemaContract, as_float  # noqa: F401 - as_float: the metrics' way to read numbers

MAX_MODEL_CATEGORIES = 250  # HistGradientBoosting's limit is max_bins = 255
OTHER = "(other)"  # the generalisation stage's label for rare categories: the same meaning


@dataclass(frozen=True)
class Vocabulary:
    """The categories a model sees for one column, and the rarer real ones pooled into `OTHER`."""

    categories: list[str]
    pooled: frozenset[str] = frozenset()


def labels(series: pd.Series) -> pd.Series:
    """Category labels as strings; missing stays missing."""
    return series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))


def real_vocabulary(
    real: pd.DataFrame, schema: SchemaContract, *, max_categories: int = MAX_MODEL_CATEGORIES
) -> dict[str, Vocabulary]:
    """Per categorical column, its real categories (sorted), the rarest pooled beyond `max_categories`."""
    vocabulary = {}
    for name in schema.categorical:
        counts = real[name].dropna().astype(str).value_counts()
        if len(counts) <= max_categories:
            vocabulary[name] = Vocabulary(sorted(counts.index))
            continue
        # Most frequent first, ties by name so the cut does not depend on row order.
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = sorted(c for c, _ in ranked[: max_categories - 1])
        pooled = frozenset(c for c, _ in ranked[max_categories - 1 :])
        vocabulary[name] = Vocabulary(kept if OTHER in kept else [*kept, OTHER], pooled)
    return vocabulary


def model_frame(frame: pd.DataFrame, columns: list[str], vocabulary: dict[str, Vocabulary]) -> pd.DataFrame:
    """Columns ready for scikit-learn's HistGradientBoosting (native categorical support).

    A pooled real category becomes `OTHER`; a category the real data never had becomes missing,
    so models cannot key on invented labels.
    """
    encoded = {}
    for name in columns:
        if name in vocabulary:
            known = vocabulary[name]
            values = labels(frame[name])
            if known.pooled:
                values = values.where(~values.isin(known.pooled), OTHER)
            encoded[name] = pd.Categorical(values, categories=known.categories)
        else:
            encoded[name] = pd.to_numeric(frame[name].astype("float64"), errors="coerce")
    return pd.DataFrame(encoded, index=frame.index).reset_index(drop=True)
