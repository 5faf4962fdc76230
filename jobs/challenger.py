"""A failure hook on the regenerate jobs: a candidate stopped by a gate becomes an MLflow challenger."""

import dagster as dg

from synth_assets.catalog import DatasetSpec
from synth_assets.stages.challenger import register_challenger


def challenger_hook(dataset: str, spec: DatasetSpec) -> dg.HookDefinition:
    @dg.failure_hook(name=f"register_challenger_{dataset}", required_resource_keys={"data_root", "mlflow"})
    def register(context: dg.HookContext) -> None:
        # Only a failed gate makes a challenger: register_challenger finds none after a crash.
        mlflow = context.resources.mlflow
        entry = register_challenger(
            dataset,
            spec,
            context.resources.data_root.get(),
            run_id=context.run_id,
            tracking_uri=mlflow.tracking_uri,
            artifact_root=mlflow.artifact_root,
        )
        if entry is not None:
            failed = [g.check_name for g in entry.gates if not g.passed]
            context.log.info(f"{dataset}: version {entry.version} failed {failed}; registered as challenger v{entry.model_version}")

    return register
