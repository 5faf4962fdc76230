"""`synth-assets retract` after a leak, through real refreshes (sdv/gaussian_copula, 2,400 Adult rows).

The path a privacy reviewer follows when undeclared names were published: withdraw the leaky
versions, declare the column, refresh. Runs in order on one home.
"""

import json

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from synth_assets import cli
from synth_assets.history import history
from synth_assets.publish.mlflow_registry import champion_version, registered_model_name
from synth_assets.stages.publish import published_versions, read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, scenario_home, write_catalog, write_sqlite

pytestmark = pytest.mark.slow

FIRST_NAMES = [f"{a}{b}" for a in ("Ann", "Bet", "Car", "Dor", "Eli", "Fay", "Gil", "Hal", "Ida", "Jon") for b in ("a", "ie", "on", "ette", "ward", "ina", "old", "ric", "ley", "en", "o", "us")]


@pytest.fixture(scope="module")
def env(tmp_path_factory, adult_sample):
    with scenario_home(tmp_path_factory, "retract") as (folder, home, monkeypatch):
        with_names = adult_sample.assign(first_name=np.random.default_rng(0).choice(FIRST_NAMES, size=len(adult_sample)))
        source = write_sqlite(folder / "source.sqlite", with_names)
        # 120 random first names add noise the small fit cannot ignore; transfer is not what is tested here.
        relaxed = {"transfer_ratio_min": None, "detection_auc_boosted_max": None}
        catalogs = {
            # The leak: names in the source, detection only warns, so they are modelled and published.
            "undeclared": write_catalog(folder / "undeclared.yaml", {"adult": dataset_entry(source, pii={"detection": "warn"}, acceptance=relaxed)}),
            "declared": write_catalog(folder / "declared.yaml", {"adult": dataset_entry(source, pii={"columns": {"first_name": "drop"}}, acceptance=relaxed)}),
        }
        yield {"home": home, "catalogs": catalogs, "tracking_uri": f"sqlite:///{home / 'mlflow' / 'mlflow.db'}", "monkeypatch": monkeypatch}


def refresh(env, catalog: str):
    env["monkeypatch"].setenv("SYNTH_ASSETS_CATALOG", str(env["catalogs"][catalog]))
    assert cli.main(["refresh", "adult"]) == 0
    return read_champion(_root(env), "adult")


def _root(env) -> DataRoot:
    return DataRoot(str(env["home"]))


def test_retracting_the_champion_moves_it_back_and_deletes_every_copy(env, capsys):
    first = refresh(env, "undeclared")
    second = refresh(env, "undeclared")
    assert "first_name" in first.schema_contract.names and second.version != first.version
    client = MlflowClient(tracking_uri=env["tracking_uri"], registry_uri=env["tracking_uri"])
    model = client.get_model_version(registered_model_name("adult"), second.model_version)
    run_artifacts = client.get_run(model.run_id).info.artifact_uri.removeprefix("file://")
    model_artifacts = client.get_logged_model(model.source.removeprefix("models:/")).artifact_location.removeprefix("file://")
    assert any(p.name == "synthetic.parquet" for p in _files(run_artifacts)) and any(p.name == "generator.pkl" for p in _files(model_artifacts))

    capsys.readouterr()
    assert cli.main(["retract", "adult", second.version, "--reason", "real first names published", "--by", "privacy-review"]) == 0
    out = capsys.readouterr().out
    assert f"champion is now {first.version}" in out

    root = _root(env)
    assert read_champion(root, "adult").version == first.version
    assert champion_version(env["tracking_uri"], "adult") == first.model_version
    assert [p.version for p in published_versions(root, "adult")] == [first.version]
    assert not (env["home"] / "published" / "adult" / "versions" / second.version).exists()
    assert _files(run_artifacts) == [] and _files(model_artifacts) == []  # data, reports and generator gone
    archived = client.get_model_version(registered_model_name("adult"), second.model_version)
    assert archived.current_stage == "Archived" and archived.tags["retraction_reason"] == "real first names published"
    assert client.get_run(model.run_id).data.tags["status"] == "retracted"
    entry = next(e for e in history(root, "adult") if e.version == second.version)
    assert entry.status == "retracted" and entry.retraction.retracted_by == "privacy-review" and entry.gates  # evidence kept


def test_retracting_again_or_an_unknown_version_is_one_line(env, capsys):
    retracted = next(e for e in history(_root(env), "adult") if e.status == "retracted")
    assert cli.main(["retract", "adult", retracted.version, "--reason", "again"]) == 0  # idempotent: finishes an interrupted one
    assert next(e for e in history(_root(env), "adult") if e.version == retracted.version).retraction.reason == "real first names published"
    capsys.readouterr()
    assert cli.main(["retract", "adult", "v-does-not-exist", "--reason", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no published version 'v-does-not-exist'" in err[0]
    assert cli.main(["retract", "adult", retracted.version, "--reason", "  "]) == 2


def test_declaring_the_names_after_the_leak_publishes_without_them(env):
    root = _root(env)
    leaky = read_champion(root, "adult")
    clean = refresh(env, "declared")  # the champion still has first_name: dropping a declared column is allowed
    assert "first_name" not in clean.schema_contract.names
    published = env["home"] / "published" / "adult" / "versions" / clean.version
    import pandas as pd

    assert "first_name" not in pd.read_parquet(published / "synthetic.parquet").columns
    sheet = json.loads((published / "datasheet.json").read_text())
    withdrawn = sheet["retracted_versions"]
    assert [w["version"] for w in withdrawn] == [e.version for e in history(root, "adult") if e.status == "retracted"]
    assert "real first names published" in (published / "datasheet.md").read_text()
    assert sheet["synthetic"]["certified_rows"] == clean.n_rows == sheet["synthetic"]["max_sample_rows_per_call"]

    assert cli.main(["retract", "adult", leaky.version, "--reason", "names"]) == 0  # an older version: the champion stays
    assert read_champion(root, "adult").version == clean.version
    assert champion_version(env["tracking_uri"], "adult") == clean.model_version


def test_retracting_the_last_version_leaves_nothing_served(env, capsys):
    root = _root(env)
    only = read_champion(root, "adult")
    capsys.readouterr()
    assert cli.main(["retract", "adult", only.version, "--reason", "withdrawn for the test"]) == 0
    assert "no published version remains" in capsys.readouterr().out
    assert read_champion(root, "adult") is None and champion_version(env["tracking_uri"], "adult") is None
    assert not (env["home"] / "published" / "adult" / "champion.json").exists()
    assert cli.main(["status"]) == 0
    status = capsys.readouterr().out
    assert "nothing published now" in status and f"withdrawn {only.version}" in status and "withdrawn for the test" in status


def _files(folder: str) -> list:
    from pathlib import Path

    path = Path(folder)
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []
