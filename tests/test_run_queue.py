"""The deployed instance's run queue holds one run per dataset (deploy/dagster.yaml).

Runs go through the queue as the daemon sees them: created as runs of the workspace's code location,
submitted to the instance's QueuedRunCoordinator, dequeued by the coordinator daemon's own iteration
and launched by the default run launcher through a code server. The catalog's source refuses
connections, so each launched run fails within seconds of starting.
"""

import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from synth_assets.launch import create_location_run
from tests.conftest import dataset_entry, write_catalog

REPO = Path(__file__).resolve().parents[1]
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}

pytestmark = pytest.mark.slow


def _coordinator(limit_per_dataset: bool) -> dict:
    deployed = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())["run_coordinator"]
    if not limit_per_dataset:  # the control: the same queue without the per-dataset limit
        deployed["config"] = {k: v for k, v in deployed["config"].items() if k != "tag_concurrency_limits"}
    return deployed


@pytest.mark.parametrize("limit_per_dataset", [True, False], ids=["deployed", "without_the_dataset_limit"])
def test_the_queue_starts_one_run_per_dataset_at_a_time(home, tmp_path, monkeypatch, limit_per_dataset):
    url = "postgresql+psycopg2://127.0.0.1:1/warehouse"
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})))
    instance_home = tmp_path / "dagster"
    instance_home.mkdir()
    config = {"run_coordinator": _coordinator(limit_per_dataset), "telemetry": {"enabled": False}}
    (instance_home / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_HOME", str(instance_home))

    with dg.DagsterInstance.get() as instance:
        with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(REPO / "workspace.yaml")])) as workspace:
            runs = [create_location_run(instance, "regenerate_adult", run_config={}, tags={"dataset": "adult"})[1] for _ in range(2)]
            for run in runs:
                instance.submit_run(run.run_id, workspace.create_request_context())
            assert [instance.get_run_by_id(r.run_id).status for r in runs] == [dg.DagsterRunStatus.QUEUED] * 2

            daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)
            list(daemon.run_iteration(workspace))
            dequeued = [r.run_id for r in runs if instance.get_run_by_id(r.run_id).status != dg.DagsterRunStatus.QUEUED]
            if not limit_per_dataset:
                assert len(dequeued) == 2  # the control: nothing else holds the second run back
                return
            assert len(dequeued) == 1
            # The second starts once the first has finished, not before.
            deadline = time.monotonic() + 120
            while instance.get_run_by_id(dequeued[0]).status not in FINISHED:
                assert time.monotonic() < deadline, "the first run did not finish within 120 s"
                list(daemon.run_iteration(workspace))
                assert sum(instance.get_run_by_id(r.run_id).status == dg.DagsterRunStatus.QUEUED for r in runs) == 1
                time.sleep(1)
            list(daemon.run_iteration(workspace))
            assert all(instance.get_run_by_id(r.run_id).status != dg.DagsterRunStatus.QUEUED for r in runs)
