"""Privacy evidence against the train split, each number with its holdout baseline."""

import numpy as np
import pandas as pd

from synth_assets.metrics.distance import MixedSpace, nearest_two
from synth_assets.metrics.estimate import Estimate, wilson_interval
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

MAX_QUERY_ROWS = 10_000  # synthetic rows whose nearest neighbours are computed
MAX_REFERENCE_ROWS = 50_000  # real rows per reference set (train, holdout)


def canonical_row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row hashes that agree across dtype spellings (int64 vs Int64, str vs object)."""
    canonical = {}
    for column in columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            canonical[column] = pd.to_numeric(series).astype(np.float64)
        else:
            canonical[column] = series.astype(object).where(series.notna(), None).map(
                lambda v: v if v is None else str(v)
            )
    return pd.util.hash_pandas_object(pd.DataFrame(canonical), index=False).to_numpy()


def exact_match_share(synthetic: pd.DataFrame, reference: pd.DataFrame, columns: list[str]) -> Estimate:
    """Share of synthetic rows identical, in every column, to some reference row."""
    matches = np.isin(canonical_row_hashes(synthetic, columns), canonical_row_hashes(reference, columns))
    low, high = wilson_interval(matches.sum(), len(matches))
    return Estimate(float(matches.mean()), low, high, n_samples=len(matches))


def exact_copy_rate(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, schema: SchemaContract
) -> Estimate:
    """Identical matches with train; the baseline is the same share against the unseen holdout."""
    against_train = exact_match_share(synthetic, train, schema.names)
    against_holdout = exact_match_share(synthetic, holdout, schema.names)
    return Estimate(
        against_train.value,
        against_train.ci_low,
        against_train.ci_high,
        baseline=against_holdout.value,
        n_samples=against_train.n_samples,
    )


def dcr_share(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: SchemaContract,
    *,
    seed: int = 0,
    max_query_rows: int = MAX_QUERY_ROWS,
    max_reference_rows: int = MAX_REFERENCE_ROWS,
) -> Estimate:
    """Share of synthetic rows closer to train than to holdout, re-weighted to equal-sized sets.

    Every synthetic row is compared with the *whole* train split (up to `max_reference_rows`):
    subsampling train down to the holdout's size would hide most memorised rows. With n_train
    train rows and n_holdout holdout rows a generator that learned only the distribution puts a
    row's nearest neighbour in train with probability n_train / (n_train + n_holdout), so the raw
    share is re-weighted per row of each set (each train row counts 1/n_train, each holdout row
    1/n_holdout). The result reads as with equal-sized splits: 0.5 is ideal, 1.0 means every
    synthetic row sits on a training row. Ties count one half.
    """
    rng = np.random.default_rng(seed)
    query = bounded_sample(synthetic, max_query_rows, rng)
    train_ref = bounded_sample(train, max_reference_rows, rng)
    holdout_ref = bounded_sample(holdout, max_reference_rows, rng)
    space = MixedSpace.fit(pd.concat([train_ref, holdout_ref], ignore_index=True), schema)
    encoded = space.encode(query)
    to_train, _ = nearest_two(encoded, space.encode(train_ref))
    to_holdout, _ = nearest_two(encoded, space.encode(holdout_ref))
    closer = (to_train < to_holdout) + 0.5 * (to_train == to_holdout)
    raw = float(closer.mean())
    half_width = 1.96 * float(closer.std(ddof=1)) / np.sqrt(len(closer)) if len(closer) > 1 else 0.5
    n_train, n_holdout = len(train_ref), len(holdout_ref)

    def equal_size(share: float) -> float:
        share = min(max(share, 0.0), 1.0)
        weighted_train, weighted_holdout = share / n_train, (1 - share) / n_holdout
        return weighted_train / (weighted_train + weighted_holdout)

    return Estimate(
        equal_size(raw),
        equal_size(raw - half_width),
        equal_size(raw + half_width),
        baseline=0.5,
        n_samples=len(query),
    )
