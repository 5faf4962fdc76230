"""The drift sensor: watch a dataset's source, and regenerate once per drifted source state.

Each tick samples the source (bounded, in SQL), measures drift against the champion's reference
profile, and when the dataset drifted requests one regeneration with the source fingerprint as
run key, so the same drift never launches twice; the reason goes into the run's tags and the
tick's log. At most one regeneration per dataset is in flight: while a live one is queued or
running, the sensor skips; one whose process died is marked failed (`synth_assets.runlock`).
"""

import json

import dagster as dg

from synth_assets.catalog import DatasetSpec
from synth_assets.metrics.drift import summary_line
from synth_assets.resources import DataRootResource
from synth_assets.runlock import regeneration_in_flight
from synth_assets.stages.drift import measure_drift


def drift_tags(report: dict, trigger: str) -> dict[str, str]:
    return {
        "dataset": report["dataset"],
        "trigger": trigger,
        "drift/score": f"{report['score']:.3f}",
        "drift/worst_column": str(report["worst_column"]),
        "drift/columns": ",".join(report["drifted_columns"])[:200],
        "drift/source_fingerprint": report["source"]["fingerprint"][:16],
    }


def drift_sensor(dataset: str, spec: DatasetSpec, job) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"drift_{dataset}",
        job=job,
        minimum_interval_seconds=spec.drift.check_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Samples {dataset}'s source and regenerates when it drifted from the champion's reference profile.",
    )
    def watch(context: dg.SensorEvaluationContext, data_root: DataRootResource) -> dg.SensorResult | dg.SkipReason:
        cursor = json.loads(context.cursor) if context.cursor else {}
        root = data_root.get()
        report = measure_drift(dataset, spec, root)
        line = summary_line(report)
        context.log.info(f"{dataset}: {line}")
        checked = {"last_checked_at": report["measured_at"], "last_status": report["status"], "requested_fingerprint": cursor.get("requested_fingerprint")}
        if not report["drifted"]:
            return dg.SensorResult(skip_reason=f"no regeneration: {line}", cursor=json.dumps(checked))
        fingerprint = report["source"]["fingerprint"]
        if cursor.get("requested_fingerprint") == fingerprint:
            return dg.SensorResult(skip_reason=f"drift already handled for this source state: {line}", cursor=json.dumps(checked))
        if running := regeneration_in_flight(context.instance, job.name, root):
            return dg.SensorResult(skip_reason=f"regeneration {running} is in flight; not starting another", cursor=json.dumps(checked))
        request = dg.RunRequest(run_key=f"drift-{fingerprint[:16]}", tags=drift_tags(report, "drift sensor"))
        return dg.SensorResult(run_requests=[request], cursor=json.dumps(checked | {"requested_fingerprint": fingerprint}))

    return watch
