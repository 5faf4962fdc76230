"""One regeneration per dataset at a time, and dead runs found and marked failed.

Two regenerations of one dataset would share its manifests (the IO manager keeps one per asset)
and mix their versions, so every entry point refuses a second one:
- the CLI takes `state/locks/<dataset>.json` (created exclusively) before it starts a run;
- the sensor and the schedule skip while `regeneration_in_flight` finds a live run;
- the run itself checks, in its first step, that no other live run of its job is in flight
  (this covers runs launched from the UI on an instance without the queued coordinator);
- a deployed instance also limits runs per `dataset` tag (deploy/dagster.yaml).

A run whose process was killed (`kill -9`, OOM) stays STARTED in Dagster forever. Runs started by
the CLI carry their process id and host in tags; a run whose process is gone is marked failed
here, so the sensor, the schedule and the next refresh go on. Runs launched by the daemon are
covered by Dagster's run monitoring (enabled in deploy/dagster.yaml).
"""

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import psutil

from synth_assets.failures import FailureRecord, RegenerationInFlight, record_failure
from synth_assets.storage import DataRoot

PID_TAG, HOST_TAG = "synth_assets/pid", "synth_assets/host"
# An unreadable lock younger than this may be one being written right now (created, not yet
# filled); older, its writer died between the two and the lock is taken over.
UNREADABLE_LOCK_GRACE = timedelta(seconds=60)
UNREADABLE = "unknown (unreadable lock file)"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dataclass(frozen=True)
class Holder:
    run_id: str
    pid: int
    host: str
    started_at: str

    def alive(self) -> bool:
        """False only when we can tell: the holder ran on this host and its process is gone, or the
        lock is unreadable and older than a writer needs to fill it."""
        if self.run_id == UNREADABLE:
            return datetime.now(UTC) - datetime.fromisoformat(self.started_at) < UNREADABLE_LOCK_GRACE
        return self.host != socket.gethostname() or process_alive(self.pid)

    def describe(self) -> str:
        return f"run {self.run_id} (process {self.pid} on {self.host}, since {self.started_at})"


def process_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def this_process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _lock_path(root: DataRoot, dataset: str):
    return root.path("state", "locks", f"{dataset}.json")


def lock_holder(root: DataRoot, dataset: str) -> Holder | None:
    path = _lock_path(root, dataset)
    try:
        return Holder(**json.loads(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        return Holder(run_id=UNREADABLE, pid=-1, host=socket.gethostname(), started_at=modified)


def acquire(root: DataRoot, dataset: str, run_id: str) -> Holder | None:
    """Take the dataset's lock for `run_id` in this process; returns a dead holder it replaced.

    Raises RegenerationInFlight naming the run that holds it while that run is alive.
    """
    path = _lock_path(root, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = Holder(run_id=run_id, pid=os.getpid(), host=socket.gethostname(), started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    replaced = None
    for _ in range(2):
        try:
            _create_exclusively(path, json.dumps(holder.__dict__).encode())
            return replaced
        except FileExistsError:
            current = lock_holder(root, dataset)
            if current is not None and current.alive():
                raise RegenerationInFlight(
                    f"a regeneration of {dataset!r} is already in flight: {current.describe()}; "
                    "wait for it to finish (`synth-assets status` shows it) and try again"
                ) from None
            replaced = current
            path.unlink(missing_ok=True)
    raise RegenerationInFlight(f"could not take the lock {path} for {dataset!r}: another process keeps taking it")


def _create_exclusively(path, data: bytes) -> None:
    if path.protocol in ("", "file", "local"):
        # O_EXCL: of two processes racing for the lock, exactly one creates the file.
        with open(path.path, "xb") as out:
            out.write(data)
        return
    # Object stores have no exclusive create: best effort (the run queue's tag limit is the guard there).
    if path.exists():
        raise FileExistsError(path)
    path.write_bytes(data)


def release(root: DataRoot, dataset: str, run_id: str) -> None:
    holder = lock_holder(root, dataset)
    if holder is not None and holder.run_id == run_id:
        _lock_path(root, dataset).unlink(missing_ok=True)


def run_is_dead(run: dg.DagsterRun) -> bool:
    """A run started by the CLI on this host whose process is gone."""
    pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
    return run.status in IN_FLIGHT and pid is not None and host == socket.gethostname() and not process_alive(int(pid))


def mark_dead(instance: dg.DagsterInstance, run: dg.DagsterRun, root: DataRoot | None) -> None:
    message = f"the process running it ({run.tags.get(PID_TAG)} on {run.tags.get(HOST_TAG)}) died without finishing; marked failed"
    instance.report_run_failed(run, message)
    if root is not None:
        record_failure(
            root,
            FailureRecord.now(
                run_id=run.run_id, job=run.job_name, dataset=run.tags.get("dataset"), failed_steps=[], run_error=f"run died: {message}"
            ),
        )


def regeneration_in_flight(
    instance: dg.DagsterInstance, job_name: str, root: DataRoot | None = None, *, other_than: str | None = None
) -> str | None:
    """The id of a live queued or running run of this job; dead ones found on the way are marked failed."""
    return _live_run(instance, dg.RunsFilter(job_name=job_name, statuses=IN_FLIGHT), root, other_than)


def dataset_run_in_flight(instance: dg.DagsterInstance, dataset: str, root: DataRoot | None = None, *, other_than: str | None = None) -> str | None:
    """The id of a live run of any of the dataset's jobs (regenerate, bake-off) other than `other_than`."""
    return _live_run(instance, dg.RunsFilter(tags={"dataset": dataset}, statuses=IN_FLIGHT), root, other_than)


def _live_run(instance: dg.DagsterInstance, runs: dg.RunsFilter, root: DataRoot | None, other_than: str | None) -> str | None:
    for record in instance.get_run_records(runs):
        run = record.dagster_run
        if run.run_id == other_than:
            continue
        if run_is_dead(run):
            mark_dead(instance, run, root)
            continue
        return run.run_id
    return None


def sweep(instance: dg.DagsterInstance, root: DataRoot, datasets: list[str]) -> list[str]:
    """Mark every dead CLI run of these datasets failed and drop their stale locks; returns their ids."""
    dead = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_FLIGHT)):
        run = record.dagster_run
        if run.tags.get("dataset") in datasets and run_is_dead(run):
            mark_dead(instance, run, root)
            dead.append(run.run_id)
    for dataset in datasets:
        holder = lock_holder(root, dataset)
        if holder is not None and not holder.alive():
            _lock_path(root, dataset).unlink(missing_ok=True)
    return dead
