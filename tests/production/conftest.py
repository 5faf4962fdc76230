"""Real servers for the production-shape tests: PostgreSQL, Redis, an MLflow tracking server.

A test needing a server that is not reachable is skipped with the reason, unless
SYNTH_ASSETS_REQUIRE_SERVICES=1 (set by .ci/run), where the servers are part of the contract.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("SYNTH_ASSETS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SYNTH_ASSETS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _reachable(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=2).close()
        return True
    except OSError:
        return False


def require(name: str, url: str) -> None:
    if _reachable(url):
        return
    message = f"{name} is not reachable at {url}"
    if os.environ.get("SYNTH_ASSETS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}, and SYNTH_ASSETS_REQUIRE_SERVICES=1")
    pytest.skip(f"{message}; start it, or set SYNTH_ASSETS_TEST_PG_URL / SYNTH_ASSETS_TEST_REDIS_URL")


@pytest.fixture
def pg_schema():
    """A fresh schema in the `test` database, dropped afterwards."""
    require("PostgreSQL", PG_ADMIN_URL)
    name = f"synth_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_ADMIN_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    yield engine, name
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def pg_database():
    """A fresh database (for Dagster or MLflow storage), dropped afterwards."""
    require("PostgreSQL", PG_ADMIN_URL)
    name = f"synth_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_ADMIN_URL).set(database=name)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def mlflow_server(pg_database, tmp_path):
    """`mlflow server` on loopback: PostgreSQL backend store, proxied local artifact store."""
    port = _free_port()
    log = (tmp_path / "mlflow-server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            pg_database.render_as_string(hide_password=False),
            "--artifacts-destination",
            str(tmp_path / "mlflow-artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{uri}/health", process, tmp_path / "mlflow-server.log")
        yield uri
    finally:
        _stop(process)
        log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server not up after {timeout:g} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """Stop a server started in its own session, with everything it forked."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
