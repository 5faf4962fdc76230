"""The drift sensor: watch a dataset's source, and regenerate once per drifted source state.

Each tick samples the source (bounded, uniform, in SQL), measures drift against the champion's
reference profile, and asks the decision it shares with the nightly schedule
(`sensors.decision`): one regeneration per drifted state of the source, whichever of the two
requested it, none while one is queued or running. The reason goes into the run's tags and the
tick's skip reason or log.
"""

import json
from datetime import UTC, datetime

import dagster as dg

from sensors.decision import evaluate
from synth_assets.catalog import DatasetSpec
from synth_assets.resources import DataRootResource


def drift_sensor(dataset: str, spec: DatasetSpec, job) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"drift_{dataset}",
        job=job,
        minimum_interval_seconds=spec.drift.check_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Samples {dataset}'s source and regenerates when it drifted from the champion's reference profile.",
    )
    def watch(context: dg.SensorEvaluationContext, data_root: DataRootResource) -> dg.SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        decision = evaluate(
            dataset, spec, data_root.get(), context.instance, job.name,
            now=datetime.now(UTC), nightly=False, requested=cursor.get("requested"),
        )  # fmt: skip
        context.log.info(f"{dataset}: {decision.reason}")
        checked = {
            "last_checked_at": decision.report["measured_at"],
            "last_status": decision.report["status"],
            "requested": cursor.get("requested"),
        }
        if decision.action != "regenerate":
            return dg.SensorResult(skip_reason=decision.reason, cursor=json.dumps(checked))
        request = dg.RunRequest(run_key=decision.run_key, tags=decision.tags | {"trigger": "drift sensor"})
        # Until the daemon has launched the run, the instance does not know it: the cursor does.
        requested = {"fingerprint": decision.tags["drift/source_fingerprint"], "run_key": decision.run_key}
        return dg.SensorResult(run_requests=[request], cursor=json.dumps(checked | {"requested": requested}))

    return watch
