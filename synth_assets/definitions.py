"""The code location: every catalog dataset's assets, jobs and schedules, plus the sensors."""

import dagster as dg

from jobs import nightly_schedule, regenerate_job, retention_job, retention_schedule
from sensors import drift_sensor, record_run_failures
from synth_assets.assets import dataset_assets
from synth_assets.catalog import Catalog, load_catalog
from synth_assets.resources import default_resources


def build_definitions(catalog: Catalog) -> dg.Definitions:
    assets, jobs, schedules, sensors = [], [], [], [record_run_failures]
    for dataset, spec in catalog.datasets.items():
        assets += dataset_assets(dataset, spec)
        job = regenerate_job(dataset, spec)
        jobs.append(job)
        schedules.append(nightly_schedule(dataset, spec, job))
        sensors.append(drift_sensor(dataset, spec, job))
    retention = retention_job(catalog)
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs, retention],
        schedules=[*schedules, retention_schedule(retention)],
        sensors=sensors,
        resources=default_resources(),
    )


defs = build_definitions(load_catalog())
