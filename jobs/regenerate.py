"""Regenerate a dataset end to end: snapshot -> generator -> gates -> datasheet -> publication."""

import dagster as dg

from jobs.challenger import challenger_hook
from synth_assets.catalog import DatasetSpec


def regenerate_job_name(dataset: str) -> str:
    return f"regenerate_{dataset}"


def regenerate_job(dataset: str, spec: DatasetSpec):
    return dg.define_asset_job(
        name=regenerate_job_name(dataset),
        selection=dg.AssetSelection.groups(dataset),
        description=(
            f"Take a new snapshot of {dataset}, refit its generator, and publish the result if every gate passes; "
            "a candidate stopped by a gate is kept in MLflow as `challenger`."
        ),
        tags={"dataset": dataset},
        hooks={challenger_hook(dataset, spec)},
    )


def nightly_schedule(dataset: str, spec: DatasetSpec, job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=f"nightly_{dataset}",
        job=job,
        cron_schedule=spec.refresh_cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Refresh {dataset} on `{spec.refresh_cron}` (UTC).",
    )
