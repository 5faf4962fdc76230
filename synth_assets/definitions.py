"""The code location: every catalog dataset's assets, jobs and schedules, plus the sensors."""

import dagster as dg

from jobs import bakeoff_job, nightly_schedule, regenerate_job, retention_job, retention_schedule
from sensors import drift_sensor, record_run_failures
from synth_assets import settings
from synth_assets.assets import dataset_assets
from synth_assets.catalog import Catalog, load_catalog
from synth_assets.resources import default_resources
from synth_assets.runlog import run_logger


def build_definitions(catalog: Catalog) -> dg.Definitions:
    assets, jobs, schedules, sensors = [], [], [], [record_run_failures]
    for dataset, spec in catalog.datasets.items():
        assets += dataset_assets(dataset, spec)
        job = regenerate_job(dataset, spec)
        jobs.append(job)
        schedules.append(nightly_schedule(dataset, spec, job))
        sensors.append(drift_sensor(dataset, spec, job))
        if spec.bakeoff:
            jobs.append(bakeoff_job(dataset, spec))
    retention = retention_job(catalog)
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs, retention],
        schedules=[*schedules, retention_schedule(retention)],
        sensors=sensors,
        resources=default_resources(),
        executor=_executor(),
        loggers={**dg.default_loggers(), "synth_assets": run_logger},
    )


def _executor() -> dg.ExecutorDefinition | None:
    if settings.executor() == "celery":
        from dagster_celery import celery_executor

        # Every step becomes a Celery task; workers share the instance and the data root.
        return celery_executor.configured(
            {"broker": {"env": "SYNTH_ASSETS_CELERY_BROKER"}, "backend": {"env": "SYNTH_ASSETS_CELERY_BACKEND"}}
        )
    return None  # Dagster's default: each step in its own process


def load_job(name: str) -> dg.JobDefinition:
    """A job built from the environment as it is now, for `dg.build_reconstructable_job`
    (the launching process and every Celery worker rebuild it the same way)."""
    return build_definitions(load_catalog()).resolve_job_def(name)


defs = build_definitions(load_catalog())
