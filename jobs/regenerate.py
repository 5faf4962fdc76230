"""Regenerate a dataset end to end, and the nightly schedule that decides whether to.

Every night the schedule measures drift and the champion's age: when the source drifted, the
champion is older than `max_generator_age_days`, or there is no champion yet, it runs the whole
chain; otherwise it only materializes the drift report, so the UI shows drift over time.
"""

from datetime import UTC, datetime

import dagster as dg

from jobs.challenger import challenger_hook
from sensors.drift import drift_tags
from synth_assets.catalog import DatasetSpec
from synth_assets.metrics.drift import summary_line
from synth_assets.resources import DataRootResource
from synth_assets.runlock import regeneration_in_flight
from synth_assets.stages.drift import measure_drift
from synth_assets.stages.publish import read_champion


def regenerate_job_name(dataset: str) -> str:
    return f"regenerate_{dataset}"


def regenerate_job(dataset: str, spec: DatasetSpec):
    selection = dg.AssetSelection.groups(dataset)
    if spec.bakeoff:  # it shares the dataset's group (one place in the UI) but runs in its own job
        selection -= dg.AssetSelection.assets(dg.AssetKey([dataset, "bakeoff"]))
    return dg.define_asset_job(
        name=regenerate_job_name(dataset),
        selection=selection,
        description=(
            f"Take a new snapshot of {dataset}, refit its generator, and publish the result if every gate passes; "
            "a candidate stopped by a gate is kept in MLflow as `challenger`."
        ),
        # Run monitoring (deploy/dagster.yaml) fails a run past this: a dead worker cannot block
        # the dataset's queue longer than the fit's own budget plus an hour for the other steps.
        tags={"dataset": dataset, "dagster/max_runtime": str(int(spec.generator.time_budget_s) + 3600)},
        hooks={challenger_hook(dataset, spec)},
    )


def regeneration_reasons(dataset: str, spec: DatasetSpec, root, now: datetime) -> tuple[list[str], dict]:
    """Why the nightly run should regenerate (empty: it should not), and the drift report."""
    champion = read_champion(root, dataset)
    report = measure_drift(dataset, spec, root)
    if champion is None:
        return ["no champion yet"], report
    reasons = []
    age_days = (now - datetime.fromisoformat(champion.published_at)).total_seconds() / 86400
    if age_days > spec.max_generator_age_days:
        reasons.append(f"champion {champion.version} is {age_days:.0f} days old (max {spec.max_generator_age_days})")
    if report["drifted"]:
        reasons.append(f"drift: {summary_line(report)}")
    return reasons, report


def nightly_schedule(dataset: str, spec: DatasetSpec, job) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"nightly_{dataset}",
        job=job,
        cron_schedule=spec.refresh_cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"On `{spec.refresh_cron}` (UTC): regenerate {dataset} when it drifted, its champion is older than "
            f"{spec.max_generator_age_days} days, or it has none; otherwise report drift only."
        ),
    )
    def nightly(context: dg.ScheduleEvaluationContext, data_root: DataRootResource):
        now = context.scheduled_execution_time or datetime.now(UTC)
        root = data_root.get()
        reasons, report = regeneration_reasons(dataset, spec, root, now.astimezone(UTC))
        if running := regeneration_in_flight(context.instance, job.name, root):
            return dg.SkipReason(f"regeneration {running} is in flight")
        if not reasons:
            context.log.info(f"{dataset}: no regeneration needed ({summary_line(report)}); reporting drift only")
            return dg.RunRequest(
                asset_selection=[dg.AssetKey([dataset, "drift_report"])],
                tags={"dataset": dataset, "trigger": "nightly drift report"},
            )
        context.log.info(f"{dataset}: regenerating: {'; '.join(reasons)}")
        tags = {"dataset": dataset, "trigger": "nightly schedule", "reason": "; ".join(reasons)[:250]}
        if report.get("status") in ("drifted", "stable"):
            tags |= drift_tags(report, "nightly schedule")
        return dg.RunRequest(tags=tags)

    return nightly
