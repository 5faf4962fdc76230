"""Faults injected around a real regeneration (sdv/gaussian_copula on 2,400 Adult rows).

Each case asserts the message, that the champion's bytes and the MLflow `champion` alias are
unchanged, that nothing half-written is visible in the published zone, and that the next run
recovers. The cases build on one champion, so they share one home and run in order.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from synth_assets import cli
from synth_assets.catalog import load_catalog
from synth_assets.consume import load_synthetic
from synth_assets.definitions import build_definitions
from synth_assets.publish.mlflow_registry import champion_version
from synth_assets.runlock import regeneration_in_flight
from synth_assets.stages.publish import GateFailure, publish_candidate, read_champion
from synth_assets.storage import DataRoot, IntegrityError
from tests.conftest import champion_pointer_unwritable, dataset_entry, scenario_home, write_catalog, write_sqlite

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def env(tmp_path_factory, adult_sample):
    with scenario_home(tmp_path_factory, "reliability") as (folder, home, monkeypatch):
        source = write_sqlite(folder / "source.sqlite", adult_sample)
        catalog = write_catalog(folder / "catalog.yaml", {"adult": dataset_entry(source)})
        monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog))
        renamed = write_sqlite(folder / "renamed.sqlite", adult_sample.rename(columns={"education": "schooling"}))
        yield {
            "home": home,
            "root": DataRoot(str(home)),
            "catalog": catalog,
            "renamed_catalog": write_catalog(folder / "renamed.yaml", {"adult": dataset_entry(renamed)}),
            "tracking_uri": f"sqlite:///{home / 'mlflow' / 'mlflow.db'}",
            "monkeypatch": monkeypatch,
        }


@pytest.fixture(scope="module")
def champion(env):
    """A first refresh through the CLI: the champion every fault must leave alone."""
    assert cli.main(["refresh", "adult"]) == 0
    return read_champion(env["root"], "adult")


def published_state(env) -> dict:
    """What a consumer is served: the champion pointer, every version folder (bytes), the alias.
    (Drift reports are published by every run, failed or not: they describe the source.)"""
    zone = env["home"] / "published" / "adult"
    versions = [p for p in sorted((zone / "versions").rglob("*")) if p.is_file()]
    files = {str(p.relative_to(zone)): p.read_bytes() for p in [zone / "champion.json", *versions]}
    return {"files": files, "alias": champion_version(env["tracking_uri"], "adult")}


@pytest.fixture(scope="module")
def candidate(env, champion):
    """A second regeneration stopped before publication: a passing candidate to publish under faults."""
    defs = build_definitions(load_catalog(env["catalog"]))
    job = defs.resolve_job_def("regenerate_adult")
    stages = ["drift_report", "real_snapshot", "generator", "synthetic_dataset", "validation", "transfer_metrics", "datasheet"]
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=[dg.AssetKey(["adult", s]) for s in stages]
    )
    manifests = {s: result.asset_value(["adult", s]) for s in stages if s != "drift_report"}
    spec = load_catalog(env["catalog"]).dataset("adult")

    def publish(tracking_uri: str | None = None):
        return publish_candidate(
            "adult",
            spec,
            manifests["real_snapshot"],
            manifests["generator"],
            manifests["synthetic_dataset"],
            manifests["validation"],
            manifests["transfer_metrics"],
            manifests["datasheet"],
            env["root"],
            tracking_uri=tracking_uri or env["tracking_uri"],
            artifact_root=(env["home"] / "mlflow" / "artifacts").as_uri(),
            run_id=result.run_id,
        )

    return {"manifests": manifests, "publish": publish}


def test_mlflow_down_stops_the_run_before_the_fit_in_seconds(env, champion, capsys):
    before = published_state(env)
    generators = env["home"] / "restricted" / "adult" / "generators"
    fitted = set(generators.iterdir())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
        started = time.monotonic()
        assert cli.main(["refresh", "adult"]) == 1
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert "adult__real_snapshot: MlflowUnreachable: MLflow at http://127.0.0.1:9 is unreachable" in err
    assert elapsed < 60, f"took {elapsed:.0f} s (was ~298 s of retries after a full fit)"
    assert set(generators.iterdir()) == fitted  # nothing was fitted
    assert published_state(env) == before


def test_failing_run_prints_a_short_summary_and_logs_the_rest_to_a_file(env, champion, capsys):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
        assert cli.main(["refresh", "adult"]) == 1
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output and "STEP_FAILURE" not in output
    assert len(output.splitlines()) <= 12, output
    assert f"champion kept: version {champion.version}" in captured.err
    log_file = Path(next(line for line in captured.err.splitlines() if "full log:" in line).split("full log: ")[1])
    assert log_file.is_relative_to(env["home"] / "state" / "logs")
    assert "Traceback" in log_file.read_text() or "Stack Trace" in log_file.read_text()
    # status reads the failure as text: no Python list, no literal \n
    assert cli.main(["status"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "last failed run" in line)
    assert "[{" not in line and "\\n" not in line and "MlflowUnreachable" in line


def test_lost_champion_pointer_keeps_the_schema_check(env, champion, capsys):
    before = published_state(env)
    (env["home"] / "published" / "adult" / "champion.json").unlink()
    assert read_champion(env["root"], "adult").version == champion.version  # rebuilt from the version folder
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNTH_ASSETS_CATALOG", str(env["renamed_catalog"]))
        assert cli.main(["refresh", "adult"]) == 1
    err = capsys.readouterr().err
    assert "no longer matches the schema contract of the published champion: new columns ['schooling']; missing columns ['education']" in err
    assert published_state(env) == before  # champion.json restored byte for byte, alias still on v1


def test_publication_with_mlflow_down_leaves_nothing_visible(env, candidate, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    before = published_state(env)
    with pytest.raises(Exception, match="127.0.0.1"):
        candidate["publish"]("http://127.0.0.1:9")
    assert published_state(env) == before
    assert not list((env["home"] / "published" / "adult" / ".staging").glob("*"))


def test_tampered_generator_is_refused_before_anything_is_written(env, candidate):
    before = published_state(env)
    path = env["root"].resolve(candidate["manifests"]["generator"].path)
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        with pytest.raises(IntegrityError, match="does not match its recorded hash"):
            candidate["publish"]()
    finally:
        path.write_bytes(original)
    assert published_state(env) == before


def test_a_candidate_with_a_failed_gate_is_refused_before_anything_is_written(env, candidate):
    manifests = candidate["manifests"]
    validation = manifests["validation"]
    failed = (validation.gates[0].model_copy(update={"passed": False}), *validation.gates[1:])
    manifests["validation"] = validation.model_copy(update={"gates": failed})
    before = published_state(env)
    try:
        with pytest.raises(GateFailure, match=rf"failed gates \['{failed[0].check_name}'\]: not published"):
            candidate["publish"]()
    finally:
        manifests["validation"] = validation
    assert published_state(env) == before


def test_alias_and_champion_pointer_move_together(env, candidate):
    """The pointer write fails after the alias moved: the alias goes back, the folder goes."""
    before = published_state(env)
    with champion_pointer_unwritable(), pytest.raises(OSError, match="No space left"):
        candidate["publish"]()
    assert published_state(env) == before  # alias, pointer and version folders as they were


def test_interrupted_publication_is_invisible_and_cleaned_by_the_next(env, champion, candidate, capsys):
    zone = env["home"] / "published" / "adult"
    # What a kill during publication leaves: a staging folder, and (older code) a version folder
    # with data but no publication.json.
    (zone / ".staging" / "20260101T000000Z-deadbeef-1234").mkdir(parents=True)
    (zone / ".staging" / "20260101T000000Z-deadbeef-1234" / "synthetic.parquet").write_bytes(b"half")
    (zone / "versions" / "20260101T000000Z-deadbeef").mkdir()
    (zone / "versions" / "20260101T000000Z-deadbeef" / "synthetic.parquet").write_bytes(b"half")
    assert read_champion(env["root"], "adult").version == champion.version
    assert cli.main(["status", "--json"]) == 0
    assert "deadbeef" not in capsys.readouterr().out

    published = candidate["publish"]()
    assert published.version == candidate["manifests"]["synthetic_dataset"].version != champion.version
    assert sorted(p.name for p in (zone / "versions").iterdir()) == sorted([champion.version, published.version])
    assert not (zone / ".staging").exists()
    assert set(published.files) >= {"synthetic.parquet", "datasheet.md", "schema.json"}
    assert read_champion(env["root"], "adult").version == published.version
    assert champion_version(env["tracking_uri"], "adult") == published.model_version
    with pytest.raises(GateFailure, match="already published"):
        candidate["publish"]()


def test_truncated_published_parquet_is_reported_with_what_to_do(env, candidate, capsys):
    current = read_champion(env["root"], "adult")
    path = env["root"].resolve(current.published_path)
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])
    try:
        assert cli.main(["status", "--json"]) == 0
        integrity = json.loads(capsys.readouterr().out)["datasets"]["adult"]["integrity"]
        assert integrity == {
            "ok": False,
            "problem": "synthetic.parquet does not match its recorded hash",
            "advice": f"restore it from MLflow with `synth-assets pull adult -o synthetic.parquet` (MLflow keeps a verified copy "
            f"of version {current.version}) or publish a new version with `synth-assets refresh adult`",
        }
    finally:
        path.write_bytes(original)
    assert cli.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets"]["adult"]["integrity"]["ok"] is True


def test_truncated_mlflow_artifact_is_refused_by_load_synthetic(env, candidate):
    current = read_champion(env["root"], "adult")
    artifact = next((env["home"] / "mlflow" / "artifacts").rglob(f"{current.mlflow_run_id}/artifacts/release/synthetic.parquet"))
    original = artifact.read_bytes()
    artifact.write_bytes(original[:100])
    try:
        with pytest.raises(IntegrityError, match="cannot be read .* truncated or corrupt"):
            load_synthetic("adult")
    finally:
        artifact.write_bytes(original)
    assert len(load_synthetic("adult")) == current.n_rows


def test_second_refresh_is_refused_and_a_killed_run_is_marked_failed(env, candidate, capsys):
    before = published_state(env)
    lock = env["home"] / "state" / "locks" / "adult.json"
    first = subprocess.Popen(
        [sys.executable, "-m", "synth_assets.cli", "refresh", "adult"], cwd=REPO, env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not lock.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert lock.exists(), "the first refresh never took the lock"
        holder = json.loads(lock.read_text())
        assert holder["pid"] == first.pid
        cli.prepare_dagster_home()
        with dg.DagsterInstance.get() as instance:  # killed once the run is under way, as in a fit
            while instance.get_run_by_id(holder["run_id"]) is None or instance.get_run_by_id(holder["run_id"]).status != dg.DagsterRunStatus.STARTED:
                assert time.monotonic() < deadline, "the first refresh never started its run"
                time.sleep(0.2)
        assert cli.main(["refresh", "adult"]) == 2
        err = capsys.readouterr().err.strip()
        assert f"already in flight: run {holder['run_id']}" in err and len(err.splitlines()) == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert published_state(env) == before
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(holder["run_id"]).status == dg.DagsterRunStatus.STARTED  # stuck
        root = env["root"]
        assert regeneration_in_flight(instance, "regenerate_adult", root) is None  # what the sensor and schedule ask
        assert instance.get_run_by_id(holder["run_id"]).status == dg.DagsterRunStatus.FAILURE
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"last failed run {holder['run_id']}" in out and "run died" in out
    assert "in flight" not in out and not lock.exists()
