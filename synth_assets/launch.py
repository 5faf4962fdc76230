"""CLI runs recorded as runs of the workspace's code location, executed in this process.

`JobDefinition.execute_in_process` records a run with no code-location origin and the snapshot of
an in-process copy of the job: the UI then lists it under no job, leaves it off the timeline and
warns that a re-execution "may be a different version". Here the run is created from the job
exactly as the code location loads it (`synth_assets.definitions.load_job`, so the same snapshot)
and tagged with the workspace's origin (`workspace.yaml`: location `synth_assets`); it executes
here, through the in-process branch of Dagster's default executor, so no daemon or code server is
needed. Dagster has no public call for "execute this run, created with this origin", hence the
internal imports below (pinned with dagster==1.13.*; tests/test_launch.py fails if they move).
"""

import sys
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableJob
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from synth_assets import settings

DEFINITIONS_MODULE = "synth_assets.definitions"
LOCATION_NAME = "synth_assets"  # workspace.yaml's `location_name`
REPOSITORY_NAME = "__repository__"  # the single repository of a `dg.Definitions`
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def code_location_origin() -> ManagedGrpcPythonEnvCodeLocationOrigin:
    """The origin `dagster dev -w workspace.yaml` gives the code location."""
    target = LoadableTargetOrigin(executable_path=sys.executable, module_name=DEFINITIONS_MODULE, working_directory=str(REPOSITORY_ROOT))
    return ManagedGrpcPythonEnvCodeLocationOrigin(loadable_target_origin=target, location_name=LOCATION_NAME)


def reconstructable_job(job_name: str):
    return dg.build_reconstructable_job(
        DEFINITIONS_MODULE, "load_job", reconstructable_args=(job_name,), reconstructor_working_directory=str(REPOSITORY_ROOT)
    )


def create_location_run(
    instance: dg.DagsterInstance, job_name: str, *, run_id: str | None = None, run_config: Mapping, tags: Mapping[str, str]
) -> tuple[ReconstructableJob, dg.DagsterRun]:
    """A run of the code location's job, not started: as the UI's launchpad would create it."""
    recon = reconstructable_job(job_name)
    # Dagster keeps the last job it reconstructed (a process-wide cache keyed on the module and job
    # name); a catalog edited since, in a long-lived process, must give a new definition.
    type(recon).get_definition.cache_clear()
    type(recon).get_repository_definition.cache_clear()
    job = recon.get_definition()
    origin = RemoteRepositoryOrigin(code_location_origin=code_location_origin(), repository_name=REPOSITORY_NAME)
    run = instance.create_run_for_job(
        job_def=job,
        run_id=run_id,
        run_config=run_config,
        tags={**job.run_tags, **tags},
        remote_job_origin=origin.get_job_origin(job_name),
        job_code_origin=recon.get_python_origin(),
    )
    return recon, run


def execute_as_location_run(
    instance: dg.DagsterInstance, job_name: str, *, run_id: str, run_config: Mapping, tags: Mapping[str, str]
) -> dg.JobExecutionResult:
    """Create the run under the code location's origin and execute it in this process.

    With the Celery executor configured, the steps go to the workers like any launched run's;
    otherwise the default executor's in-process branch runs them here, one after the other."""
    in_process = {} if settings.executor() == "celery" else {"execution": {"config": {"in_process": {}}}}
    recon, run = create_location_run(instance, job_name, run_id=run_id, run_config={**run_config, **in_process}, tags=tags)
    return execute_run(recon, run, instance, raise_on_error=False)
