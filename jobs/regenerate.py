"""Regenerate a dataset end to end, and the nightly schedule that decides whether to.

Every night the schedule asks the decision it shares with the drift sensor (`sensors.decision`):
when the source drifted and no regeneration was run for that state yet, the champion is older
than `max_generator_age_days`, or there is no champion yet, it runs the whole chain; otherwise it
only materializes the drift report, so the UI shows drift over time.
"""

from datetime import UTC, datetime

import dagster as dg

from jobs.challenger import challenger_hook
from sensors.decision import evaluate
from synth_assets.catalog import DatasetSpec
from synth_assets.resources import DataRootResource


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


def nightly_schedule(dataset: str, spec: DatasetSpec, job) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"nightly_{dataset}",
        job=job,
        cron_schedule=spec.refresh_cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"On `{spec.refresh_cron}` (UTC): regenerate {dataset} when it drifted (once per source state, shared with the "
            f"drift sensor), its champion is older than {spec.max_generator_age_days} days, or it has none; otherwise "
            "record a drift report."
        ),
    )
    def nightly(context: dg.ScheduleEvaluationContext, data_root: DataRootResource):
        now = context.scheduled_execution_time or datetime.now(UTC)
        decision = evaluate(dataset, spec, data_root.get(), context.instance, job.name, now=now, nightly=True)
        context.log.info(f"{dataset}: {decision.action}: {decision.reason}")
        if decision.action == "skip":
            return dg.SkipReason(decision.reason)
        if decision.action == "report":
            return dg.RunRequest(
                asset_selection=[dg.AssetKey([dataset, "drift_report"])],
                tags={"dataset": dataset, "trigger": "nightly drift report", "reason": decision.reason[:250]},
            )
        return dg.RunRequest(run_key=decision.run_key, tags=decision.tags | {"dataset": dataset, "trigger": "nightly schedule"})

    return nightly
