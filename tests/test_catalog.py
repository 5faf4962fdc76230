"""The catalog: the bundled one loads, and every kind of mistake gets one clear error."""

from pathlib import Path

import pytest
import yaml

from synth_assets import settings
from synth_assets.catalog import CatalogError, expand_env, load_catalog
from tests.conftest import dataset_entry, write_catalog


def test_bundled_catalog_declares_the_demo(monkeypatch):
    monkeypatch.delenv("SYNTH_ASSETS_CATALOG", raising=False)
    catalog = load_catalog()
    adult = catalog.dataset("adult")
    assert adult.source.bootstrap == "adult"
    assert adult.target.column == "income"
    assert adult.generator.engine == "mostlyai" and adult.generator.model == "tabular_argn"
    assert 0 < adult.acceptance.quality_score_min <= 1


def test_environment_variable_points_to_another_catalog(tmp_path, monkeypatch):
    path = write_catalog(tmp_path / "other.yaml", {"other": dataset_entry("sqlite:///x.db")})
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(path))
    assert list(load_catalog().datasets) == ["other"]


def _error_for(tmp_path: Path, entry: dict) -> str:
    path = write_catalog(tmp_path / "bad.yaml", {"adult": entry})
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    return str(raised.value)


def test_unknown_key_names_the_field_and_lists_the_valid_keys(tmp_path):
    message = _error_for(tmp_path, dataset_entry("sqlite:///x.db", acceptance={"quality_minimum": 0.8}))
    assert "datasets.adult.acceptance.quality_minimum: unknown key" in message
    assert "quality_score_min" in message and "dcr_share_max" in message


def test_wrong_type_names_the_field(tmp_path):
    message = _error_for(tmp_path, dataset_entry("sqlite:///x.db", synthetic_rows="many"))
    assert "datasets.adult.synthetic_rows" in message
    assert "'many'" in message


def test_missing_source_is_reported(tmp_path):
    entry = dataset_entry("sqlite:///x.db")
    del entry["source"]
    assert "datasets.adult.source: required field is missing" in _error_for(tmp_path, entry)


def test_threshold_out_of_range_is_reported(tmp_path):
    message = _error_for(tmp_path, dataset_entry("sqlite:///x.db", acceptance={"dcr_share_max": 1.5}))
    assert "datasets.adult.acceptance.dcr_share_max" in message
    assert "less than or equal to 1" in message and "1.5" in message


def test_unknown_generator_model_lists_the_valid_ones(tmp_path):
    message = _error_for(tmp_path, dataset_entry("sqlite:///x.db", generator={"model": "gpt"}))
    assert "datasets.adult.generator" in message
    assert "unknown model 'gpt'" in message and "gaussian_copula" in message


def test_source_needs_a_table_or_a_query(tmp_path):
    entry = dataset_entry("sqlite:///x.db")
    entry["source"] = {"url": "sqlite:///x.db", "table": "a", "query": "select 1"}
    assert "exactly one of `table` or `query`" in _error_for(tmp_path, entry)


def test_every_problem_is_reported_at_once(tmp_path):
    message = _error_for(
        tmp_path, dataset_entry("sqlite:///x.db", synthetic_rows=-3, split={"holdout_fraction": 2})
    )
    assert "synthetic_rows" in message and "split.holdout_fraction" in message


def test_invalid_yaml_and_missing_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("datasets: [unclosed")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="cannot read catalog"):
        load_catalog(tmp_path / "absent.yaml")


def test_unknown_dataset_lists_the_declared_ones():
    with pytest.raises(CatalogError, match="unknown dataset 'nope'; the catalog declares: adult"):
        load_catalog(settings.BUNDLED_CATALOG).dataset("nope")


def test_environment_references_expand_or_fail_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTH_ASSETS_HOME", str(tmp_path))
    monkeypatch.setenv("DB_PASSWORD", "s3cret")
    assert expand_env("sqlite:///${SYNTH_ASSETS_HOME}/a.db", what="x") == f"sqlite:///{tmp_path}/a.db"
    assert expand_env("postgresql://u:${DB_PASSWORD}@h/db", what="x") == "postgresql://u:s3cret@h/db"
    monkeypatch.delenv("DB_PASSWORD")
    with pytest.raises(CatalogError, match=r"datasets.adult.source.url references \$\{DB_PASSWORD\}, which is not set"):
        expand_env("postgresql://u:${DB_PASSWORD}@h/db", what="datasets.adult.source.url")


def test_catalog_yaml_round_trips_through_the_models():
    raw = yaml.safe_load(settings.BUNDLED_CATALOG.read_text())
    catalog = load_catalog(settings.BUNDLED_CATALOG)
    assert catalog.dataset("adult").synthetic_rows == raw["datasets"]["adult"]["synthetic_rows"]
