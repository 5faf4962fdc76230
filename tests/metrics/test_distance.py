"""Exact nearest neighbours in the mixed-type space match a direct, row-by-row computation."""

import warnings

import numpy as np
import pandas as pd
import pytest

from synth_assets.metrics.distance import MixedSpace, nearest_two, nearest_two_with_index
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


def test_fit_scales_each_numeric_column_to_its_real_range_and_sorts_each_vocabulary():
    """Counted by hand: x spans [1, 5]; a constant column keeps width 1; an all-missing one sits at 0."""
    frame = pd.DataFrame(
        {
            "x": [1.0, np.nan, 5.0, 3.0],
            "constant": [7.0, 7.0, 7.0, 7.0],
            "empty": [np.nan, np.nan, np.nan, np.nan],
            "colour": ["red", None, "blue", "red"],
            "label": ["b", "a", "b", "a"],
        }
    )
    schema = infer_schema(frame, target="label")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "All-NaN slice encountered"
        space = MixedSpace.fit(frame, schema)
    assert space.numerical == ("x", "constant", "empty") and space.categorical == ("colour", "label")
    np.testing.assert_array_equal(space.lows, [1.0, 7.0, 0.0])
    np.testing.assert_array_equal(space.ranges, [4.0, 1.0, 1.0])
    assert space.vocabularies == ({"\x00null": 0, "blue": 1, "red": 2}, {"a": 0, "b": 1})


def test_encode_gives_scaled_numbers_and_one_hot_codes():
    reference = pd.DataFrame({"x": [0.0, 10.0, 5.0], "colour": ["red", "blue", None], "label": ["a", "b", "a"]})
    space = MixedSpace.fit(reference, infer_schema(reference, target="label"))
    query = pd.DataFrame({"x": [2.5, np.nan, 20.0, -10.0], "colour": [None, "red", "green", "blue"], "label": ["b", "a", "a", "c"]})
    encoded = space.encode(query)
    assert encoded.numbers.dtype == np.float32 and encoded.onehot.dtype == np.float32
    np.testing.assert_array_equal(encoded.numbers, np.array([[0.25], [np.nan], [2.0], [-1.0]], dtype=np.float32))
    # colour vocabulary: null, blue, red; label: a, b. An unseen value ("green", "c") is all zeros.
    np.testing.assert_array_equal(
        encoded.onehot,
        np.array([[1, 0, 0, 0, 1], [0, 0, 1, 1, 0], [0, 0, 0, 1, 0], [0, 1, 0, 0, 0]], dtype=np.float32),
    )
    assert encoded.n_categorical == 2 and encoded.n_columns == 3 and len(encoded) == 4


def test_a_space_without_categorical_or_numeric_columns():
    numbers_only = pd.DataFrame({"x": [0.0, 1.0, 4.0], "y": [0.0, 2.0, 2.0]})
    space = MixedSpace(("x", "y"), np.zeros(2), np.array([4.0, 2.0]), (), ())
    encoded = space.encode(numbers_only)
    assert encoded.onehot.shape == (3, 0) and encoded.onehot.dtype == np.float32 and encoded.n_columns == 2
    first, second = nearest_two(encoded, encoded)
    np.testing.assert_allclose(first, [0.0, 0.0, 0.0])
    # row 0 to row 1: (0.25 + 1) / 2; row 1 to row 2: (0.75 + 0) / 2
    np.testing.assert_allclose(second, [0.625, 0.375, 0.375])

    categories_only = pd.DataFrame({"c": ["a", "b", "a"], "label": ["x", "x", "y"]})
    schema = infer_schema(categories_only, target="label")
    assert schema.numerical == []
    space = MixedSpace.fit(categories_only, schema)
    assert space.lows.shape == (0,) and space.ranges.shape == (0,)
    encoded = space.encode(categories_only)
    assert encoded.numbers.shape == (3, 0) and encoded.n_columns == 2
    first, second, nearest = nearest_two_with_index(encoded, encoded)
    np.testing.assert_allclose(first, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(second, [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(nearest, [0, 1, 2])


def test_encode_refuses_a_vocabulary_per_column_mismatch():
    space = MixedSpace((), np.zeros(0), np.zeros(0), ("a", "b"), ({"u": 0},))
    with pytest.raises(ValueError):
        space.encode(pd.DataFrame({"a": ["u"], "b": ["v"]}))


def test_nearest_neighbours_need_two_reference_rows():
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "label": ["a", "b", "a"]})
    space = MixedSpace.fit(frame, infer_schema(frame, target="label"))
    encoded = space.encode(frame)
    with pytest.raises(ValueError, match="^nearest-neighbour distances need at least two reference rows$"):
        nearest_two(encoded, space.encode(frame.iloc[:1]))
    first, second = nearest_two(encoded, space.encode(frame.iloc[:2]))
    np.testing.assert_allclose(first, [0.0, 0.0, 0.5])
    np.testing.assert_allclose(second, [0.75, 0.75, 0.75])


def test_missing_numbers_on_one_side_only_count_as_a_full_mismatch():
    reference = pd.DataFrame({"x": [0.0, 1.0, np.nan], "label": ["a", "a", "a"]})
    space = MixedSpace.fit(reference, infer_schema(reference, target="label"))
    query = pd.DataFrame({"x": [np.nan, 0.5], "label": ["a", "a"]})
    first, second, nearest = nearest_two_with_index(space.encode(query), space.encode(reference))
    # the missing query value: 0 to the missing reference value, 1 to the others (over 2 columns)
    np.testing.assert_allclose(first, [0.0, 0.25])
    np.testing.assert_allclose(second, [0.5, 0.25])
    assert nearest[0] == 2
    # only the reference has a missing value
    query = pd.DataFrame({"x": [0.25], "label": ["a"]})
    first, second = nearest_two(space.encode(query), space.encode(reference))
    np.testing.assert_allclose([first[0], second[0]], [0.125, 0.375])
    # only the query has one, and the reference none
    first, second = nearest_two(space.encode(pd.DataFrame({"x": [np.nan], "label": ["a"]})), space.encode(reference.iloc[:2]))
    np.testing.assert_allclose([first[0], second[0]], [0.5, 0.5])


def test_the_cap_at_one_holds_when_only_the_reference_lies_outside_the_fitted_range():
    fitted = pd.DataFrame({"x": [0.0, 1.0], "label": ["a", "a"]})
    space = MixedSpace.fit(fitted, infer_schema(fitted, target="label"))
    reference = pd.DataFrame({"x": [1.5, 3.0, -2.0], "label": ["a", "a", "a"]})
    query = pd.DataFrame({"x": [0.0, 1.0], "label": ["a", "a"]})
    first, second = nearest_two(space.encode(query), space.encode(reference))
    # |0 - 1.5| = 1.5, |0 - 3| and |0 - -2| capped at 1: nearest 1 (of 2 columns), second 1
    np.testing.assert_allclose(first, [0.5, 0.25])
    np.testing.assert_allclose(second, [0.5, 0.5])


def test_the_nearest_index_points_at_the_nearest_reference_row(mixed_frames):
    query, reference = mixed_frames
    space = MixedSpace.fit(reference, infer_schema(reference, target="label"))
    first, second, nearest = nearest_two_with_index(space.encode(query), space.encode(reference))
    assert first.dtype == np.float64 and second.dtype == np.float64
    for i in range(len(query)):
        distances = np.array([_gower(query.iloc[i], reference.iloc[j], space) for j in range(len(reference))])
        assert distances[nearest[i]] == pytest.approx(distances.min(), abs=1e-6)


def test_the_cap_at_one_holds_for_values_just_beyond_the_fitted_range():
    fitted = pd.DataFrame({"x": [0.0, 1.0], "label": ["a", "a"]})
    space = MixedSpace.fit(fitted, infer_schema(fitted, target="label"))
    inside, beyond = pd.DataFrame({"x": [0.0, 1.0], "label": ["a", "a"]}), pd.DataFrame({"x": [0.5, 1.5], "label": ["a", "a"]})
    # a reference value at 1.5 (no query beyond [0, 1]); a query value at 1.5 (no reference beyond)
    first, second = nearest_two(space.encode(inside.iloc[:1]), space.encode(beyond))
    np.testing.assert_allclose([first[0], second[0]], [0.25, 0.5])
    first, second = nearest_two(space.encode(beyond.iloc[1:]), space.encode(inside))
    np.testing.assert_allclose([first[0], second[0]], [0.25, 0.5])


def test_encode_subtracts_the_fitted_low_before_scaling():
    reference = pd.DataFrame({"x": [2.0, 6.0], "label": ["a", "b"]})
    space = MixedSpace.fit(reference, infer_schema(reference, target="label"))
    encoded = space.encode(pd.DataFrame({"x": [2.0, 4.0, 6.0, 10.0], "label": ["a"] * 4}))
    np.testing.assert_array_equal(encoded.numbers, np.array([[0.0], [0.5], [1.0], [2.0]], dtype=np.float32))
