"""The regenerate job on the production shape: a Dagster instance on PostgreSQL (deploy/dagster.yaml),
the Celery executor with a real worker process and a Redis broker, and a data root given as a URL.
"""

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest

from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog, write_sqlite
from tests.production.conftest import REDIS_URL, _stop, require

pytestmark = [pytest.mark.postgres, pytest.mark.celery, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path, adult_sample, pg_database, monkeypatch) -> dict[str, str]:
    require("Redis", REDIS_URL)
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    broker = f"{REDIS_URL}/{random.randint(1, 15)}"  # a database of its own, away from anything else on the server
    source = write_sqlite(tmp_path / "source.sqlite", adult_sample)
    env = {
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_PG_HOST": pg_database.host,
        "DAGSTER_PG_PORT": str(pg_database.port),
        "DAGSTER_PG_DB": pg_database.database,
        "DAGSTER_PG_USER": pg_database.username,
        "DAGSTER_PG_PASSWORD": pg_database.password or "",
        "SYNTH_ASSETS_HOME": (tmp_path / "shared-root").as_uri(),  # file://: what every worker mounts
        "SYNTH_ASSETS_CATALOG": str(write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(source)})),
        "SYNTH_ASSETS_EXECUTOR": "celery",
        "SYNTH_ASSETS_CELERY_BROKER": broker,
        "SYNTH_ASSETS_CELERY_BACKEND": broker,
    }
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def celery_worker(production_env, tmp_path):
    """A `dagster-celery` worker in its own process group, stopped (with its pool) afterwards."""
    log = (tmp_path / "worker.log").open("w")
    bin_dir = Path(sys.executable).parent  # dagster-celery starts `celery` from PATH
    worker = subprocess.Popen(
        [
            str(bin_dir / "dagster-celery"),
            "worker",
            "start",
            "-y",
            str(REPO / "deploy" / "celery.yaml"),
            "-A",
            "dagster_celery.app",
            "-l",
            "INFO",
        ],
        cwd=REPO,
        env={**os.environ, **production_env, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while " ready." not in (tmp_path / "worker.log").read_text():
        assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    yield worker
    _stop(worker)
    log.close()


def test_the_regenerate_job_runs_on_celery_workers_against_a_postgres_instance(production_env, celery_worker, tmp_path):
    job = dg.build_reconstructable_job("synth_assets.definitions", "load_job", reconstructable_args=("regenerate_adult",))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.execute_job(job, instance=instance, tags={"dataset": "adult"})
        worker_log = (tmp_path / "worker.log").read_text()
        assert result.success, worker_log[-3000:]
        assert instance.get_run_by_id(result.run_id).status == dg.DagsterRunStatus.SUCCESS
        # Every step went through Celery: each started in a process of the worker's pool, none in
        # this one (a step executed in-process would carry this process's pid).
        starts = {e.step_key: e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
        assert "adult__publication" in starts and set(starts) == {e.step_key for e in result.all_events if e.is_step_success}
        pool = {celery_worker.pid} | {p.pid for p in psutil.Process(celery_worker.pid).children(recursive=True)}
        assert all(pid != os.getpid() for pid in starts.values()), starts
        assert all(pid in pool for pid in starts.values()), (starts, pool)
    assert celery_worker.poll() is None, "the worker is still up"
    champion = read_champion(DataRoot(production_env["SYNTH_ASSETS_HOME"]), "adult")
    assert champion is not None and champion.n_rows == 1200
    assert all(gate.passed for gate in champion.gates)
