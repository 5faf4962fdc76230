"""The chain reads a real PostgreSQL table and publishes to a real MLflow server over HTTP.

The same sample of Adult is loaded into SQLite and into a fresh PostgreSQL schema; both runs must
give the same snapshot, the same synthetic rows and the same gate values. The PostgreSQL
password comes from the environment and must appear nowhere the run writes.
"""

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from synth_assets.consume import load_synthetic, sample
from synth_assets.storage import frame_hash
from tests.conftest import dataset_entry, isolate_home, run_regenerate, write_catalog, write_sqlite

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "pg-secret-7f3a"  # trust auth ignores it; it must still never be written anywhere


def regenerate(tmp_path: Path, name: str, source_url: str, table: str, monkeypatch, **env):
    home = tmp_path / name
    isolate_home(monkeypatch, home)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    entry = dataset_entry(source_url) | {"source": {"url": source_url, "table": table}}
    result = run_regenerate(write_catalog(tmp_path / f"{name}.yaml", {"adult": entry}), "adult")
    assert result.success, [e.event_specific_data.error.message for e in result.all_events if e.is_step_failure]
    return home, result


def test_postgres_source_and_mlflow_server_match_the_embedded_run(tmp_path, adult_sample, pg_schema, mlflow_server, monkeypatch):
    engine, schema = pg_schema
    adult_sample.to_sql("adult", engine, schema=schema, index=False)

    _, embedded = regenerate(tmp_path, "embedded", write_sqlite(tmp_path / "source.sqlite", adult_sample), "adult", monkeypatch)
    pg_url = "postgresql+psycopg2://${SYNTH_PG_USER}:${SYNTH_PG_PASSWORD}@127.0.0.1:5432/test"
    home, production = regenerate(
        tmp_path,
        "production",
        pg_url,
        f"{schema}.adult",
        monkeypatch,
        SYNTH_PG_USER="postgres",
        SYNTH_PG_PASSWORD=SECRET,
        MLFLOW_TRACKING_URI=mlflow_server,
    )

    def stage(result, name):
        return result.asset_value(["adult", name])

    assert stage(production, "real_snapshot").train_hash == stage(embedded, "real_snapshot").train_hash
    assert stage(production, "real_snapshot").holdout_hash == stage(embedded, "real_snapshot").holdout_hash
    assert stage(production, "synthetic_dataset").content_hash == stage(embedded, "synthetic_dataset").content_hash
    for report in ("validation", "transfer_metrics"):
        assert stage(production, report).gates == stage(embedded, report).gates
    publication = stage(production, "publication")
    assert publication.mlflow_tracking_uri == mlflow_server

    # Consumers reach the champion over HTTP: the published rows, hash-verified, and the generator.
    rows = load_synthetic("adult", tracking_uri=mlflow_server)
    assert frame_hash(rows) == publication.content_hash
    fresh = sample("adult", 40, seed=3, tracking_uri=mlflow_server)
    assert len(fresh) == 40 and list(fresh.columns) == list(rows.columns)

    # The password is nowhere: files the run wrote, Dagster metadata, MLflow tags and params.
    written = [p for p in home.rglob("*") if p.is_file() and p.suffix in {".json", ".md", ".html", ".csv", ".yaml"}]
    assert written and not [p for p in written if SECRET in p.read_text(errors="ignore")]
    assert SECRET not in json.dumps([str(event) for event in production.all_events])
    run = MlflowClient(tracking_uri=mlflow_server).get_run(publication.mlflow_run_id)
    assert SECRET not in json.dumps({**run.data.tags, **run.data.params})
    assert stage(production, "real_snapshot").source_url == "postgresql+psycopg2://127.0.0.1:5432/test"
