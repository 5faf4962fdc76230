"""Exact nearest neighbours in the mixed-type space match a direct, row-by-row computation."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics.distance import MixedSpace, nearest_two
from synth_assets.schema import infer_schema


def _gower(a: pd.Series, b: pd.Series, space: MixedSpace) -> float:
    total = 0.0
    for column, low, width in zip(space.numerical, space.lows, space.ranges, strict=True):
        x, y = a[column], b[column]
        if pd.isna(x) or pd.isna(y):
            total += float(pd.isna(x) != pd.isna(y))
        else:
            total += min(abs((x - low) / width - (y - low) / width), 1.0)
    for column in space.categorical:
        x, y = a[column], b[column]
        total += 0.0 if (pd.isna(x) and pd.isna(y)) or x == y else 1.0
    return total / (len(space.numerical) + len(space.categorical))


@pytest.fixture
def mixed_frames():
    rng = np.random.default_rng(3)

    def frame(n: int, shift: float) -> pd.DataFrame:
        numbers = rng.normal(shift, 1.0, n)
        numbers[rng.random(n) < 0.1] = np.nan
        colours = rng.choice(["red", "green", "blue", None], n).astype(object)
        return pd.DataFrame({"x": numbers, "y": rng.integers(0, 50, n), "colour": colours, "label": rng.choice(["a", "b"], n)})

    # the query reaches outside the reference's range, which exercises the cap at 1
    return frame(40, 2.5), frame(60, 0.0)


def test_nearest_two_matches_brute_force(mixed_frames):
    query, reference = mixed_frames
    schema = infer_schema(reference, target="label")
    space = MixedSpace.fit(reference, schema)
    first, second = nearest_two(space.encode(query), space.encode(reference))
    for i in range(len(query)):
        distances = sorted(_gower(query.iloc[i], reference.iloc[j], space) for j in range(len(reference)))
        assert first[i] == pytest.approx(distances[0], abs=1e-6)
        assert second[i] == pytest.approx(distances[1], abs=1e-6)


def test_small_blocks_give_the_same_answer(mixed_frames, monkeypatch):
    query, reference = mixed_frames
    schema = infer_schema(reference, target="label")
    space = MixedSpace.fit(reference, schema)
    expected = nearest_two(space.encode(query), space.encode(reference))
    monkeypatch.setattr("synth_assets.metrics.distance.BLOCK_CELLS", 7 * len(reference))
    actual = nearest_two(space.encode(query), space.encode(reference), threads=3)
    np.testing.assert_allclose(actual, expected)


def test_an_identical_row_is_at_distance_zero_and_an_unseen_category_matches_nothing(mixed_frames):
    _, reference = mixed_frames
    schema = infer_schema(reference, target="label")
    space = MixedSpace.fit(reference, schema)
    query = reference.iloc[[0]].copy()
    first, _ = nearest_two(space.encode(query), space.encode(reference))
    assert first[0] == 0.0
    query["colour"] = "never-seen"
    first, _ = nearest_two(space.encode(query), space.encode(reference))
    assert first[0] >= 1 / 4
