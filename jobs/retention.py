"""The retention job: every night, delete expired restricted artifacts of every catalog dataset."""

import dagster as dg

from synth_assets.catalog import Catalog
from synth_assets.governance.retention import enforce_retention
from synth_assets.resources import DataRootResource


def retention_job(catalog: Catalog) -> dg.JobDefinition:
    @dg.op(
        out=dg.Out(dg.Nothing),
        description="Deletes snapshots, generators and candidates older than each dataset's retention_days, never the champion's.",
    )
    def enforce_retention_policy(context: dg.OpExecutionContext, data_root: DataRootResource) -> None:
        root = data_root.get()
        deleted = []
        for dataset, spec in catalog.datasets.items():
            removed = enforce_retention(root, dataset, spec.governance.retention_days)
            for entry in removed:
                context.log.info(f"{dataset}: deleted {entry['path']} ({entry['age_days']:.0f} days old, {entry['bytes']:,} bytes)")
            deleted += [{"dataset": dataset, **entry} for entry in removed]
        context.add_output_metadata(
            {"deleted": dg.MetadataValue.json(deleted), "folders": len(deleted), "freed_bytes": sum(e["bytes"] for e in deleted)}
        )

    @dg.job(name="enforce_retention", description="Delete expired restricted artifacts (never the current champion's inputs).")
    def enforce_retention_job() -> None:
        enforce_retention_policy()

    return enforce_retention_job


def retention_schedule(job: dg.JobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_retention",
        job=job,
        cron_schedule="0 3 * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
