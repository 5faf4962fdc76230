"""CLI runs are runs of the workspace's code location: the UI lists them under their job and
re-executes them without a version warning (origin and snapshot match what `dagster dev` loads)."""

import os
from pathlib import Path

import dagster as dg
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from sensors.run_failure import record_run_failures
from synth_assets import cli
from synth_assets.failures import failures
from synth_assets.launch import LOCATION_NAME, REPOSITORY_NAME
from synth_assets.resources import DataRootResource
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog

REPO = Path(__file__).resolve().parents[1]


def test_a_cli_run_has_the_origin_and_snapshot_of_the_job_the_workspace_loads(home, tmp_path, monkeypatch):
    # A source that refuses connections fails the run at once: origin and snapshot are set when the
    # run is created, whatever happens next.
    url = "postgresql+psycopg2://127.0.0.1:1/warehouse"
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert cli.main(["refresh", "adult"]) == 1

    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs()
        assert run.job_name == "regenerate_adult" and run.tags["dataset"] == "adult"
        # The UI's job page asks for the job's runs by name and code location (a stored tag).
        listed = instance.get_runs(
            filters=dg.RunsFilter(job_name="regenerate_adult", tags={".dagster/repository": f"{REPOSITORY_NAME}@{LOCATION_NAME}"})
        )
        assert [r.run_id for r in listed] == [run.run_id]
        # The code location as `dagster dev -w workspace.yaml` loads it (a code server in a subprocess).
        with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(REPO / "workspace.yaml")])) as workspace:
            location = workspace.create_request_context().get_code_location(LOCATION_NAME)
            loaded = location.get_repository(REPOSITORY_NAME).get_full_job("regenerate_adult")
            assert run.remote_job_origin.repository_origin.get_label() == loaded.get_remote_origin().repository_origin.get_label()
            # Same snapshot: re-execution from the UI carries no "may be a different version" warning.
            assert run.job_snapshot_id == loaded.identifying_job_snapshot_id
        # It ran in this process (no daemon, no code server): its steps started here.
        starts = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
        assert starts and {entry.dagster_event.pid for entry in starts} == {os.getpid()}
        # The publication card says nothing was published, and why, without a materialization.
        [record] = instance.fetch_observations(dg.AssetKey(["adult", "publication"]), limit=5).records
        card = record.asset_observation.metadata["status"].value
        assert card.startswith(f"### NOT PUBLISHED: run {run.run_id[:8]} failed (adult__")
        assert "SourceError: dataset 'adult': cannot read source" in card and "no champion yet, nothing is served" in card
        # The run-failure sensor (the daemon's) sees the same run later: recorded and observed once.
        failure = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
        sensor_context = dg.build_run_status_sensor_context(
            sensor_name="record_run_failures", dagster_instance=instance, dagster_run=run, dagster_event=failure
        ).for_run_failure()
        record_run_failures(sensor_context, data_root=DataRootResource(url=str(home)))
        assert len(instance.fetch_observations(dg.AssetKey(["adult", "publication"]), limit=5).records) == 1
        assert [r.run_id for r in failures(DataRoot(str(home)), "adult")] == [run.run_id]
