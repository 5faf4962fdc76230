"""Keep a failed candidate for inspection: an MLflow `challenger` that is never served.

Called when a blocking gate fails (see `jobs/challenger.py`). The run logs the reports and
metrics, never the synthetic rows (they failed a gate, possibly a privacy gate), and the model
version points at the generator in the restricted zone instead of carrying it.
"""

from synth_assets.catalog import DatasetSpec
from synth_assets.history import HistoryEntry, history, record
from synth_assets.manifests import GeneratorManifest, ReportManifest, SnapshotManifest, SyntheticManifest, read_manifest
from synth_assets.publish import mlflow_registry
from synth_assets.publish.limits import sample_row_limit
from synth_assets.stages.candidate import candidate_folder
from synth_assets.stages.publish import lineage_tags
from synth_assets.storage import DataRoot


def register_challenger(
    dataset: str, spec: DatasetSpec, root: DataRoot, *, run_id: str, tracking_uri: str, artifact_root: str | None
) -> HistoryEntry | None:
    """Register this run's failed candidate as `challenger`; None when it has no failed gate."""
    generator = read_manifest(root, dataset, "generator", GeneratorManifest)
    snapshot = read_manifest(root, dataset, "real_snapshot", SnapshotManifest)
    synthetic = read_manifest(root, dataset, "synthetic_dataset", SyntheticManifest)
    if generator is None or snapshot is None or synthetic is None or not generator.version.endswith(run_id[:8]):
        return None  # the run failed before it had a candidate of its own
    if any(entry.version == generator.version for entry in history(root, dataset)):
        return None  # already recorded (a second failing step of the same run)
    reports = [
        report
        for stage in ("validation", "transfer_metrics")
        if (report := read_manifest(root, dataset, stage, ReportManifest)) is not None and report.version == generator.version
    ]
    gates = tuple(gate for report in reports for gate in report.gates)
    failed = [gate.check_name for gate in gates if not gate.passed]
    if not failed:
        return None
    folder = candidate_folder(root, dataset, generator.version)
    logged = mlflow_registry.log_version(
        tracking_uri=tracking_uri,
        artifact_root=artifact_root,
        dataset=dataset,
        role=mlflow_registry.CHALLENGER,
        gates=gates,
        artifacts={name: (folder / name).read_bytes() for report in reports for name in report.files},
        metrics={k: v for report in reports for k, v in report.metrics.items()},
        tags=lineage_tags(dataset, spec, snapshot, generator, run_id) | {"status": "challenger", "failed_gates": ",".join(failed)},
        generator=mlflow_registry.Generator(
            manifest=generator,
            sample_seed=synthetic.sample_seed,
            signature=mlflow_registry.generator_signature(snapshot.schema_contract, snapshot.pii.column_order, snapshot.pii.faked),
            max_sample_rows=sample_row_limit(spec.max_sample_rows, synthetic.n_rows),
            restricted_location=str(root.resolve(generator.path)),
            time_budget_s=spec.generator.time_budget_s,
            memory_limit_gb=spec.generator.memory_limit_gb,
        ),
    )
    mlflow_registry.promote(
        tracking_uri,
        dataset,
        logged.model_version,
        mlflow_registry.CHALLENGER,
        {
            "trained_on_restricted_data": "true",
            "dataset_version": generator.version,
            "gates_passed": "false",
            "failed_gates": ",".join(failed),
            "served": "never: kept for inspection",
            **{f"gate.{g.check_name}": f"{g.value:.6g}" for g in gates},
        },
    )
    entry = HistoryEntry.now(
        version=generator.version, status="challenger", model_version=logged.model_version, mlflow_run_id=logged.run_id, gates=gates
    )
    record(root, dataset, entry)
    return entry
