"""Record every failed run: which dataset, which step, and why, for `synth-assets status`.

The previous champion is untouched by a failed run (publication is the last step); this sensor
makes the failure visible outside the Dagster UI too.
"""

import dagster as dg

from synth_assets.assets.status_card import observe_failed_run
from synth_assets.failures import FailureRecord, innermost_cause, record_failure
from synth_assets.resources import DataRootResource
from synth_assets.stages.publish import read_champion


@dg.run_failure_sensor(
    name="record_run_failures",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records the failed step and its cause for every failed run, per dataset.",
)
def record_run_failures(context: dg.RunFailureSensorContext, data_root: DataRootResource) -> None:
    run = context.dagster_run
    steps = [
        {"step": event.step_key, "cause": innermost_cause(event.event_specific_data.error)}
        for event in context.get_step_failure_events()
    ]
    record = FailureRecord.now(
        run_id=run.run_id,
        job=run.job_name,
        dataset=run.tags.get("dataset"),
        failed_steps=steps,
        run_error=context.failure_event.message or "",
    )
    root = data_root.get()
    # The CLI records and observes its own failed runs first: a run is put on the card once.
    if record_failure(root, record) and record.dataset is not None:
        observe_failed_run(context.instance, root, record, read_champion(root, record.dataset))
    context.log.info(f"recorded failure of run {run.run_id} ({run.job_name}): {steps or record.run_error}")

