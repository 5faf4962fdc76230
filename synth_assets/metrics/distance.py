"""Mixed-type row distances and exact nearest neighbours, computed in blocks (never a cross join).

The distance between two rows is the Gower-style distance SDMetrics' DCR metrics use: the mean
over columns of
- numerical / datetime: |a - b| / range, capped at 1; one side missing = 1, both missing = 0;
- categorical / boolean: 0 when equal (missing equals missing), else 1.

Categorical mismatches come from one matrix product of one-hot codes; numerical terms are
broadcast per column. Blocks of query rows are processed on a small thread pool (NumPy and BLAS
release the GIL), with memory bounded by `BLOCK_CELLS` distances per block.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.metrics.encoding import as_float, labels
from synth_assets.schema import SchemaContract

BLOCK_CELLS = 1 << 22  # distances held per block: 4M float32 = 16 MB
_NULL = "\x00null"


@dataclass(frozen=True)
class EncodedRows:
    numbers: np.ndarray  # float32 (n, p), scaled so the fitted data spans [0, 1]; NaN = missing
    onehot: np.ndarray  # float32 (n, k); an unseen category is all zeros, so it matches nothing
    n_categorical: int

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def n_columns(self) -> int:
        return self.numbers.shape[1] + self.n_categorical


@dataclass(frozen=True)
class MixedSpace:
    """Column scaling and category vocabularies fitted on real data, shared by every comparison."""

    numerical: tuple[str, ...]
    lows: np.ndarray
    ranges: np.ndarray
    categorical: tuple[str, ...]
    vocabularies: tuple[dict[str, int], ...]

    @classmethod
    def fit(cls, reference: pd.DataFrame, schema: SchemaContract) -> "MixedSpace":
        numbers = _numbers(reference, schema.numerical)
        with np.errstate(all="ignore"):
            lows = np.nan_to_num(np.nanmin(numbers, axis=0), nan=0.0) if len(numbers) else np.zeros(0)
            highs = np.nan_to_num(np.nanmax(numbers, axis=0), nan=0.0) if len(numbers) else np.zeros(0)
        ranges = np.where(highs > lows, highs - lows, 1.0)
        vocabularies = tuple(
            {value: index for index, value in enumerate(sorted(set(_labels(reference[c]))))}
            for c in schema.categorical
        )
        return cls(tuple(schema.numerical), lows, ranges, tuple(schema.categorical), vocabularies)

    def encode(self, frame: pd.DataFrame) -> EncodedRows:
        numbers = ((_numbers(frame, self.numerical) - self.lows) / self.ranges).astype(np.float32)
        blocks = []
        for column, vocabulary in zip(self.categorical, self.vocabularies, strict=True):
            codes = _labels(frame[column]).map(vocabulary).fillna(-1).to_numpy(dtype=np.int64)
            block = np.zeros((len(frame), len(vocabulary)), dtype=np.float32)
            seen = codes >= 0
            block[np.flatnonzero(seen), codes[seen]] = 1.0
            blocks.append(block)
        onehot = np.hstack(blocks) if blocks else np.zeros((len(frame), 0), dtype=np.float32)
        return EncodedRows(numbers, onehot, len(self.categorical))


def nearest_two(query: EncodedRows, reference: EncodedRows, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distances from each query row to its nearest and second-nearest reference rows (exact)."""
    first, second, _ = nearest_two_with_index(query, reference, threads=threads)
    return first, second


def nearest_two_with_index(
    query: EncodedRows, reference: EncodedRows, *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`nearest_two`, and the position in `reference` of each query row's nearest row."""
    if len(reference) < 2:
        raise ValueError("nearest-neighbour distances need at least two reference rows")
    block_rows = max(16, BLOCK_CELLS // len(reference))
    starts = range(0, len(query), block_rows)
    reference_onehot_t = np.ascontiguousarray(reference.onehot.T)
    reference_numbers = np.ascontiguousarray(reference.numbers.T)  # one contiguous row per column
    reference_nulls = np.isnan(reference_numbers)
    reference_in_unit = ~((reference_numbers < 0) | (reference_numbers > 1)).any(axis=1)

    def block(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = slice(start, start + block_rows)
        distances = np.float32(query.n_categorical) - query.onehot[rows] @ reference_onehot_t
        numbers = query.numbers[rows]
        scratch = np.empty_like(distances)
        for j in range(numbers.shape[1]):
            column, query_nulls = numbers[:, j], np.isnan(numbers[:, j])
            np.subtract(column[:, None], reference_numbers[j][None, :], out=scratch)
            np.abs(scratch, out=scratch)
            in_unit = reference_in_unit[j] and not ((column < 0) | (column > 1)).any()
            if not in_unit:  # both sides inside [0, 1] cannot differ by more than 1: skip the cap
                np.minimum(scratch, 1.0, out=scratch)
            if query_nulls.any() or reference_nulls[j].any():
                either = query_nulls[:, None] | reference_nulls[j][None, :]
                scratch[either] = (query_nulls[:, None] != reference_nulls[j][None, :])[either]
            distances += scratch
        # Two reductions beat np.partition (which copies the block) by ~3x here.
        nearest = distances.argmin(axis=1)
        rows_index = np.arange(len(distances))
        first = distances[rows_index, nearest].copy()
        distances[rows_index, nearest] = np.inf
        return first, distances.min(axis=1), nearest

    workers = threads or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(block, starts))
    n_columns = query.n_columns
    first = np.concatenate([p[0] for p in parts]) / n_columns
    second = np.concatenate([p[1] for p in parts]) / n_columns
    return first.astype(np.float64), second.astype(np.float64), np.concatenate([p[2] for p in parts])


def _numbers(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> np.ndarray:
    if not columns:
        return np.zeros((len(frame), 0))
    return np.column_stack([as_float(frame[column]) for column in columns])



def _labels(series: pd.Series) -> pd.Series:
    """Category labels as strings, with missing values as their own label (missing == missing)."""
    return labels(series).fillna(_NULL)
