"""The per-dataset lock and the liveness check, without a pipeline run; MLflow's fast preflight."""

import json
import os
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from synth_assets.failures import MlflowUnreachable, RegenerationInFlight, failures
from synth_assets.publish.mlflow_registry import check_reachable
from synth_assets.runlock import (
    HOST_TAG,
    PID_TAG,
    UNREADABLE_LOCK_GRACE,
    acquire,
    dataset_run_in_flight,
    lock_holder,
    regeneration_in_flight,
    release,
    sweep,
    this_process_tags,
)
from synth_assets.storage import DataRoot
from tests.placeholder_jobs import bakeoff_adult, regenerate_adult, regenerate_census


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


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"run": "r1"}', b'["run-a", 1]'])
def test_an_unreadable_lock_file_names_itself_in_the_holder(tmp_path, content):
    """Empty (a process killed between creating and writing it), corrupt, or of another shape."""
    root = DataRoot(str(tmp_path))
    path = tmp_path / "state" / "locks" / "adult.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    holder = lock_holder(root, "adult")
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    assert holder.describe() == f"run unknown (unreadable lock file) (process -1 on {socket.gethostname()}, since {written})"


def test_an_unreadable_lock_is_refused_while_it_may_be_being_written_and_taken_over_after(tmp_path):
    """An empty lock is a writer between creating and filling it, or one that died there."""
    root = DataRoot(str(tmp_path))
    path = tmp_path / "state" / "locks" / "adult.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    with pytest.raises(RegenerationInFlight, match=r"unreadable lock file"):
        acquire(root, "adult", "run-b")
    long_ago = time.time() - UNREADABLE_LOCK_GRACE.total_seconds() - 1
    os.utime(path, (long_ago, long_ago))
    replaced = acquire(root, "adult", "run-b")
    assert replaced.run_id == "unknown (unreadable lock file)" and lock_holder(root, "adult").run_id == "run-b"


def test_the_lock_records_this_process_and_when_in_utc(tmp_path):
    root = DataRoot(str(tmp_path))
    before = datetime.now(UTC).replace(microsecond=0)
    acquire(root, "adult", "run-a")
    after = datetime.now(UTC)
    holder = lock_holder(root, "adult")
    assert (holder.run_id, holder.pid, holder.host) == ("run-a", os.getpid(), socket.gethostname())
    started = datetime.fromisoformat(holder.started_at)
    assert started.utcoffset() == timedelta(0) and before <= started <= after
    assert started.microsecond == 0 and len(holder.started_at) == len("2026-11-24T06:00:00+00:00")
    assert holder.alive()


def _root_url(kind, tmp_path):
    return {"plain": str(tmp_path), "file": tmp_path.as_uri(), "local": f"local://{tmp_path}"}[kind]


@pytest.mark.parametrize("kind", ["plain", "file", "local"])
def test_a_local_lock_is_created_exclusively_never_through_a_planted_link(kind, tmp_path):
    """O_EXCL does not follow a symbolic link: nothing is ever written where a dangling link at the
    lock's path points. The link is replaced by the lock file (a plain path) or, where it cannot be
    cleared (fsspec's `file://` leaves it), the lock is refused after a bounded number of tries."""
    root = DataRoot(_root_url(kind, tmp_path))
    path = tmp_path / "state" / "locks" / "adult.json"
    path.parent.mkdir(parents=True)
    target = tmp_path / "elsewhere.json"
    path.symlink_to(target)
    try:
        replaced = acquire(root, "adult", "run-a")
    except RegenerationInFlight as refused:
        lock = root.path("state", "locks", "adult.json")
        assert str(refused) == f"could not take the lock {lock} for 'adult': another process keeps taking it"
    else:
        assert replaced is None and not path.is_symlink()
        assert json.loads(path.read_text())["run_id"] == "run-a"
    assert not target.exists()


def test_a_lock_on_an_object_store_root_holds_and_releases():
    root = DataRoot(f"memory://runlock-{uuid.uuid4().hex[:8]}")
    assert acquire(root, "adult", "run-a") is None
    assert lock_holder(root, "adult").run_id == "run-a"
    with pytest.raises(RegenerationInFlight, match="already in flight: run run-a"):
        acquire(root, "adult", "run-b")
    release(root, "adult", "run-a")
    assert lock_holder(root, "adult") is None
    assert not root.path("state", "locks", "adult.json").exists()


def _started(instance, job, dataset, tags):
    run = instance.create_run_for_job(job, tags={"dataset": dataset, **tags})
    instance.handle_run_event(run.run_id, dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=run.job_name))
    return run


def _dead_tags():
    return {PID_TAG: str(_dead_pid()), HOST_TAG: socket.gethostname()}


def _status(instance, run):
    return instance.get_run_by_id(run.run_id).status


def test_the_in_flight_check_sees_only_live_runs_of_its_own_job(tmp_path):
    root = DataRoot(str(tmp_path))
    with dg.DagsterInstance.ephemeral() as instance:
        assert regeneration_in_flight(instance, "regenerate_adult", root) is None
        _started(instance, bakeoff_adult, "adult", this_process_tags())  # same dataset, another job
        _started(instance, regenerate_census, "census", this_process_tags())  # another job
        finished = _started(instance, regenerate_adult, "adult", this_process_tags())
        instance.report_run_failed(instance.get_run_by_id(finished.run_id), "done")
        assert regeneration_in_flight(instance, "regenerate_adult", root) is None
        older = _started(instance, regenerate_adult, "adult", this_process_tags())
        newer = _started(instance, regenerate_adult, "adult", this_process_tags())
        assert regeneration_in_flight(instance, "regenerate_adult", root) == newer.run_id  # the latest first
        assert regeneration_in_flight(instance, "regenerate_adult", root, other_than=newer.run_id) == older.run_id
        instance.report_run_failed(instance.get_run_by_id(older.run_id), "done")
        assert regeneration_in_flight(instance, "regenerate_adult", root, other_than=newer.run_id) is None


def test_a_dead_run_is_marked_failed_with_its_process_and_host(tmp_path):
    root = DataRoot(str(tmp_path))
    with dg.DagsterInstance.ephemeral() as instance:
        tags = _dead_tags()
        dead = _started(instance, regenerate_adult, "adult", tags)
        assert regeneration_in_flight(instance, "regenerate_adult", root) is None
        assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
        message = f"the process running it ({tags[PID_TAG]} on {tags[HOST_TAG]}) died without finishing; marked failed"
        failure = instance.get_records_for_run(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
        assert [r.event_log_entry.dagster_event.message for r in failure] == [message]
    [record] = failures(root, "adult")
    assert (record.run_id, record.job, record.dataset, record.run_error) == (dead.run_id, "regenerate_adult", "adult", f"run died: {message}")


def test_the_dataset_check_sees_every_job_of_the_dataset_and_records_dead_runs(tmp_path):
    root = DataRoot(str(tmp_path))
    with dg.DagsterInstance.ephemeral() as instance:
        assert dataset_run_in_flight(instance, "adult", root) is None
        census = _started(instance, regenerate_census, "census", this_process_tags())
        assert dataset_run_in_flight(instance, "adult", root) is None
        assert dataset_run_in_flight(instance, "census", root) == census.run_id
        dead = _started(instance, regenerate_adult, "adult", _dead_tags())
        bakeoff = _started(instance, bakeoff_adult, "adult", this_process_tags())
        ours = _started(instance, regenerate_adult, "adult", this_process_tags())
        assert dataset_run_in_flight(instance, "adult", root, other_than=ours.run_id) == bakeoff.run_id
        instance.report_run_failed(instance.get_run_by_id(bakeoff.run_id), "done")
        assert dataset_run_in_flight(instance, "adult", root, other_than=ours.run_id) is None
        assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
        assert dataset_run_in_flight(instance, "adult", root) == ours.run_id
    assert [r.run_id for r in failures(root, "adult")] == [dead.run_id]


def test_sweep_marks_the_datasets_dead_runs_and_drops_their_stale_locks(tmp_path):
    root = DataRoot(str(tmp_path))
    with dg.DagsterInstance.ephemeral() as instance:
        dead = _started(instance, regenerate_adult, "adult", _dead_tags())
        dead_bakeoff = _started(instance, bakeoff_adult, "adult", _dead_tags())
        live = _started(instance, regenerate_adult, "adult", this_process_tags())
        other = _started(instance, regenerate_census, "wide", _dead_tags())  # not swept: not listed
        acquire(root, "adult", "run-a")
        lock = tmp_path / "state" / "locks" / "adult.json"
        lock.write_text(lock.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {_dead_pid()}'))
        acquire(root, "census", "run-c")  # held by this live process: kept

        swept = sweep(instance, root, ["adult", "census", "doctoraus"])  # doctoraus has no lock and no run

        assert sorted(swept) == sorted([dead.run_id, dead_bakeoff.run_id])
        assert _status(instance, dead) == _status(instance, dead_bakeoff) == dg.DagsterRunStatus.FAILURE
        assert _status(instance, live) == dg.DagsterRunStatus.STARTED
        assert sweep(instance, root, ["adult"]) == []
        assert sweep(instance, root, ["doctoraus"]) == []
        assert _status(instance, other) == dg.DagsterRunStatus.STARTED
    assert sorted(r.run_id for r in failures(root, "adult")) == sorted(swept)
    assert not lock.exists()
    assert lock_holder(root, "census").run_id == "run-c"
