"""Bad inputs are refused before the fit with one line that names the column and what to do."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_assets.catalog import CatalogError, load_catalog
from synth_assets.schema import SchemaError, infer_schema
from synth_assets.stages.snapshot import prepare_source, take_snapshot
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog, write_sqlite


def _with(frame: pd.DataFrame, column: str, rows: slice, value) -> pd.DataFrame:
    changed = frame.copy()
    changed[column] = changed[column].astype(object if isinstance(value, str) or value is None else np.float64)
    changed.loc[changed.index[rows], column] = value
    return changed


BAD_SOURCES = {
    "+inf in an int column": (
        lambda f: _with(f, "age", slice(0, 3), np.inf),
        "dataset 'adult': column 'age' holds 3 infinite value(s) (+-inf); replace them with NULL or finite numbers at the source",
    ),
    "-inf in an int column": (
        lambda f: _with(f, "hours_per_week", slice(5, 6), -np.inf),
        "column 'hours_per_week' holds 1 infinite value(s)",
    ),
    "empty table": (lambda f: f.iloc[:0], "dataset 'adult': the source returned no rows"),
    "all-null column": (
        lambda f: f.assign(education=None),
        "dataset 'adult': column(s) education hold no values (all 2,400 rows are null); fix the source, or declare them "
        "under `pii.columns` with `drop`",
    ),
    "five rows": (
        lambda f: f.head(5),
        "dataset 'adult': 5 source rows split into 3 train / 2 holdout, too few for the gates (at least 100 train and "
        "30 holdout rows); a holdout fraction of 0.25 needs at least 134 source rows",
    ),
    "too few train rows for the gates": (lambda f: f.head(130), "130 source rows split into 97 train / 33 holdout"),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_bad_source_is_one_clear_line_before_the_fit(case, adult_sample, tmp_path):
    make, expected = BAD_SOURCES[case]
    url = write_sqlite(tmp_path / "source.sqlite", make(adult_sample))
    spec = load_catalog(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})).dataset("adult")
    root = DataRoot(str(tmp_path / "home"))
    with pytest.raises(SchemaError) as raised:
        take_snapshot("adult", spec, root)
    message = str(raised.value)
    assert expected in message and "\n" not in message
    assert not (tmp_path / "home").exists()  # refused before anything was written


def test_all_null_column_is_not_reported_as_a_kind_change(adult_sample, tmp_path):
    """Against a champion's contract, an emptied column used to read "kind changed numerical -> categorical"."""
    contract = infer_schema(adult_sample, target="income")
    url = write_sqlite(tmp_path / "source.sqlite", adult_sample.assign(age=None))
    spec = load_catalog(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})).dataset("adult")
    with pytest.raises(SchemaError, match=r"column\(s\) age hold no values") as raised:
        prepare_source("adult", spec, previous=contract)
    assert "kind changed" not in str(raised.value)


def test_missing_values_in_an_int_column_are_kept_as_nullable_ints(adult_sample, tmp_path):
    """NaN is a missing value, not an error: the contract marks the column nullable and keeps integers."""
    url = write_sqlite(tmp_path / "source.sqlite", _with(adult_sample, "age", slice(0, 10), np.nan))
    spec = load_catalog(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})).dataset("adult")
    _, schema, real, _ = prepare_source("adult", spec)
    age = next(c for c in schema.columns if c.name == "age")
    assert (age.dtype, age.nullable) == ("int64", True)
    assert str(real["age"].dtype) == "Int64" and int(real["age"].isna().sum()) == 10


DUPLICATE_CATALOGS = {
    "dataset declared twice": (
        "datasets:\n  adult:\n    description: first\n  adult:\n    description: second\n",
        "key 'adult' is declared twice in the same block (lines 2 and 4); keep one",
    ),
    "field declared twice": (
        "datasets:\n  adult:\n    description: a\n    description: b\n",
        "key 'description' is declared twice in the same block (lines 3 and 4); keep one",
    ),
}


@pytest.mark.parametrize("case", list(DUPLICATE_CATALOGS))
def test_duplicate_catalog_keys_are_refused_not_last_wins(case, tmp_path):
    text, expected = DUPLICATE_CATALOGS[case]
    path = Path(tmp_path / "dup.yaml")
    path.write_text(text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert str(raised.value) == f"catalog {path}: {expected}"
