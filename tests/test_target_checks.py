"""Targets are checked before anything is fitted: `synth-assets check` and the snapshot refuse a
target with gaps (or drop those rows, as the catalog says), a single-valued target and a class too
rare for the holdout, each with one line."""

import numpy as np
import pytest

from synth_assets import cli
from synth_assets.catalog import DatasetSpec
from synth_assets.schema import SchemaError
from synth_assets.stages.snapshot import MIN_CLASS_ROWS_PER_SPLIT, check_target
from tests.conftest import BASE_DATASET, dataset_entry, write_catalog, write_sqlite


def _spec(**target) -> DatasetSpec:
    return DatasetSpec.model_validate(dataset_entry("sqlite:///unused", target={**BASE_DATASET["target"], **target}))


def test_a_regression_target_with_gaps_is_refused_or_its_rows_dropped(adult_sample):
    gappy = adult_sample.assign(hours_per_week=adult_sample["hours_per_week"].mask(np.random.default_rng(0).random(len(adult_sample)) < 0.38))
    missing = int(gappy["hours_per_week"].isna().sum())
    with pytest.raises(SchemaError, match=rf"target 'hours_per_week' is missing in {missing:,} of 2,400 rows; .*`target.missing: drop`"):
        check_target(gappy, _spec(column="hours_per_week", task="regression"), "adult")
    kept = check_target(gappy, _spec(column="hours_per_week", task="regression", missing="drop"), "adult")
    assert len(kept) == 2400 - missing and kept["hours_per_week"].notna().all()


def test_a_single_class_and_a_class_too_rare_for_the_holdout_are_refused(adult_sample):
    with pytest.raises(SchemaError, match="target 'income' has a single value"):
        check_target(adult_sample.assign(income="<=50K"), _spec(), "adult")
    # holdout fraction 0.25: 5 rows in each split need 20 rows of the rarest class
    rare = adult_sample.copy()
    rare.loc[:18, "income"] = "rare"
    with pytest.raises(SchemaError, match=rf"rarest class has 19 rows, and a holdout fraction of 0.25 needs 20 for {MIN_CLASS_ROWS_PER_SPLIT}"):
        check_target(rare, _spec(), "adult")
    rare.loc[19, "income"] = "rare"
    assert len(check_target(rare, _spec(), "adult")) == 2400


def test_check_reports_a_target_with_gaps_in_one_line(home, tmp_path, adult_sample, capsys, monkeypatch):
    gappy = adult_sample.assign(income=adult_sample["income"].mask(adult_sample.index % 3 == 0))
    url = write_sqlite(tmp_path / "source.sqlite", gappy)
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(url)})))
    assert cli.main(["check", "adult"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "adult: a run would stop: dataset 'adult': target 'income' is missing in 800 of 2,400 rows; "
        "fill it at the source, or set `target.missing: drop` to leave those rows out"
    )
