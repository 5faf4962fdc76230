"""The CLI: one clear line and a non-zero exit for every user error; status before any run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from synth_assets import cli
from tests.conftest import dataset_entry, write_catalog

REPO = Path(__file__).resolve().parents[1]


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_unknown_dataset_is_one_line_and_exit_2(home, capsys):
    assert cli.main(["refresh", "nope"]) == 2
    assert _error_line(capsys) == "synth-assets: error: unknown dataset 'nope'; the catalog declares: adult"


def test_bad_catalog_is_reported_before_anything_runs(home, tmp_path, monkeypatch, capsys):
    path = write_catalog(tmp_path / "bad.yaml", {"adult": dataset_entry("sqlite:///x.db", acceptance={"dcr_share_max": 7})})
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(path))
    assert cli.main(["refresh", "adult"]) == 2
    err = capsys.readouterr().err
    assert "invalid catalog" in err and "datasets.adult.acceptance.dcr_share_max" in err
    assert not (home / "dagster").exists()


def test_unreachable_source_fails_the_run_with_the_cause(home, tmp_path, monkeypatch, capsys):
    # Port 1 on loopback refuses connections: a database that is down.
    url = "postgresql+psycopg2://reader:hunter2@127.0.0.1:1/warehouse"
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})))
    assert cli.main(["refresh", "adult"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("synth-assets: error: regeneration of 'adult' failed")
    assert "adult__real_snapshot: SourceError: dataset 'adult': cannot read source postgresql+psycopg2://127.0.0.1:1/warehouse" in err
    assert "hunter2" not in err and "reader" not in err
    capsys.readouterr()
    assert cli.main(["status", "--json"]) == 0
    failure = json.loads(capsys.readouterr().out)["datasets"]["adult"]["last_failure"]
    assert {s["step"] for s in failure["failed_steps"]} == {"adult__real_snapshot", "adult__drift_report"}
    assert "hunter2" not in json.dumps(failure)


def test_status_before_any_run(home, capsys):
    assert cli.main(["status", "--json"]) == 0
    adult = json.loads(capsys.readouterr().out)["datasets"]["adult"]
    assert adult["published"] is None and adult["gates"] == {}
    assert adult["source"] == f"sqlite:///{home}/sources/adult.sqlite"
    assert adult["mlflow"]["champion_version"] is None
    assert not (home / "mlflow").exists()  # asking about a champion creates no store


@pytest.mark.slow
def test_dagster_definitions_validate(home):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr
