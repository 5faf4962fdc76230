"""The per-dataset lock and the liveness check, without a pipeline run; MLflow's fast preflight."""

import subprocess
import time

import dagster as dg
import pytest

from synth_assets.failures import MlflowUnreachable, RegenerationInFlight, failures
from synth_assets.publish.mlflow_registry import check_reachable
from synth_assets.runlock import HOST_TAG, PID_TAG, acquire, lock_holder, regeneration_in_flight, release, this_process_tags
from synth_assets.storage import DataRoot


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_second_holder_is_refused_naming_the_first(tmp_path):
    root = DataRoot(str(tmp_path))
    assert acquire(root, "adult", "run-a") is None
    with pytest.raises(RegenerationInFlight, match=r"already in flight: run run-a \(process \d+ on .*\); wait for it"):
        acquire(root, "adult", "run-b")
    acquire(root, "doctoraus", "run-c")  # other datasets are independent
    release(root, "adult", "run-b")  # not the holder: nothing happens
    assert lock_holder(root, "adult").run_id == "run-a"
    release(root, "adult", "run-a")
    assert lock_holder(root, "adult") is None
    assert acquire(root, "adult", "run-b") is None


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    root = DataRoot(str(tmp_path))
    acquire(root, "adult", "run-a")
    path = tmp_path / "state" / "locks" / "adult.json"
    path.write_text(path.read_text().replace(f'"pid": {lock_holder(root, "adult").pid}', f'"pid": {_dead_pid()}'))
    replaced = acquire(root, "adult", "run-b")
    assert replaced is not None and replaced.run_id == "run-a"
    assert lock_holder(root, "adult").run_id == "run-b"


def test_a_started_run_whose_process_died_is_marked_failed(tmp_path):
    root = DataRoot(str(tmp_path))

    @dg.op
    def noop():
        return None

    @dg.job(tags={"dataset": "adult"})
    def regenerate_adult():
        noop()

    with dg.DagsterInstance.ephemeral() as instance:
        alive = instance.create_run_for_job(regenerate_adult, tags={"dataset": "adult", **this_process_tags()})
        dead = instance.create_run_for_job(
            regenerate_adult, tags={"dataset": "adult", PID_TAG: str(_dead_pid()), HOST_TAG: this_process_tags()[HOST_TAG]}
        )
        for run in (alive, dead):
            instance.handle_run_event(run.run_id, dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=run.job_name))
        assert regeneration_in_flight(instance, "regenerate_adult", root) == alive.run_id
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    [record] = failures(root, "adult")
    assert record.run_id == dead.run_id and record.run_error.startswith("run died: the process running it")


def test_unreachable_mlflow_is_found_in_well_under_a_second():
    started = time.monotonic()
    with pytest.raises(MlflowUnreachable, match=r"MLflow at http://127.0.0.1:9 is unreachable \(ConnectionError within 5 s\)"):
        check_reachable("http://127.0.0.1:9")
    assert time.monotonic() - started < 5


def test_mlflow_credentials_never_appear_in_the_preflight_error():
    with pytest.raises(MlflowUnreachable) as raised:
        check_reachable("http://user:secret@127.0.0.1:9")
    assert "secret" not in str(raised.value)
