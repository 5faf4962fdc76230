"""Stage 7: publish a candidate whose gates all passed, and make it the champion.

Order matters for "a failed run never replaces the last good version": files are copied to a
new version folder, then MLflow logs the run and moves the `champion` alias, and only then is
`published/<dataset>/champion.json` replaced (atomically). A failure at any step leaves the
previous champion in place everywhere.
"""

from datetime import UTC, datetime

from upath import UPath

from synth_assets.catalog import DatasetSpec
from synth_assets.manifests import (
    DatasheetManifest,
    GeneratorManifest,
    PublicationManifest,
    ReportManifest,
    SnapshotManifest,
    SyntheticManifest,
)
from synth_assets.provenance import code_version, without_credentials
from synth_assets.publish import mlflow_registry
from synth_assets.stages.candidate import candidate_folder, load_synthetic
from synth_assets.storage import DataRoot

RELEASE_FILES = ("synthetic.parquet", "datasheet.md", "datasheet.json")


class GateFailure(RuntimeError):
    """A candidate with a failed gate was asked to be published."""


def champion_path(root: DataRoot, dataset: str) -> UPath:
    return root.path("published", dataset, "champion.json")


def read_champion(root: DataRoot, dataset: str) -> PublicationManifest | None:
    path = champion_path(root, dataset)
    return PublicationManifest.model_validate(root.read_json(path)) if path.exists() else None


def publish_candidate(
    dataset: str,
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    generator: GeneratorManifest,
    synthetic: SyntheticManifest,
    validation: ReportManifest,
    transfer: ReportManifest,
    datasheet: DatasheetManifest,
    root: DataRoot,
    *,
    tracking_uri: str,
    artifact_root: str | None,
    run_id: str,
) -> PublicationManifest:
    gates = validation.gates + transfer.gates
    failed = [g.metric for g in gates if not g.passed]
    if failed:
        raise GateFailure(f"dataset {dataset!r} version {synthetic.version} failed gates {failed}: not published")
    versions = {validation.version, transfer.version, datasheet.version, generator.version}
    if versions != {synthetic.version} or validation.synthetic_hash != synthetic.content_hash:
        raise GateFailure(
            f"dataset {dataset!r}: the reports do not belong to synthetic version {synthetic.version} "
            f"(found versions {sorted(versions)}); materialize the whole chain together"
        )

    candidate = candidate_folder(root, dataset, synthetic.version)
    names = [*RELEASE_FILES, *validation.files, *transfer.files]
    release = {name: (candidate / name).read_bytes() for name in names}
    target = root.path("published", dataset, "versions", synthetic.version)
    for name, data in release.items():
        root.write_bytes(target / name, data)

    frame = load_synthetic(synthetic, root)
    run_id_mlflow, model_version = mlflow_registry.log_release(
        tracking_uri=tracking_uri,
        artifact_root=artifact_root,
        dataset=dataset,
        run_name=f"{dataset}-{synthetic.version}",
        artifacts=release,
        synthetic=frame,
        synthetic_source=str(target / "synthetic.parquet"),
        target=spec.target.column,
        metrics=validation.metrics | transfer.metrics,
        tags={
            "dagster_run_id": run_id,
            "dataset_version": synthetic.version,
            "snapshot_hash": snapshot.snapshot_hash,
            "generator_sha256": generator.sha256,
            "generator_config_hash": generator.config_hash,
            "synthetic_content_hash": synthetic.content_hash,
            "code_version": code_version(),
        },
        generator_bytes=root.read_bytes(root.resolve(generator.path), expected_sha256=generator.sha256),
        generator_sha256=generator.sha256,
        sample_seed=synthetic.sample_seed,
        schema=snapshot.schema_contract,
        model_version_tags={
            "trained_on_restricted_data": "true",
            "dataset_version": synthetic.version,
            "gates_passed": "true",
            **{f"gate.{g.section}.{g.metric}": f"{g.value:.6g}" for g in gates},
        },
    )
    publication = PublicationManifest(
        dataset=dataset,
        version=synthetic.version,
        published_path=root.relative(target / "synthetic.parquet"),
        content_hash=synthetic.content_hash,
        n_rows=synthetic.n_rows,
        published_at=datetime.now(UTC).isoformat(timespec="seconds"),
        gates=gates,
        mlflow_tracking_uri=without_credentials(tracking_uri),
        mlflow_run_id=run_id_mlflow,
        registered_model=mlflow_registry.registered_model_name(dataset),
        model_version=model_version,
        schema_contract=snapshot.schema_contract,
    )
    root.write_json(target / "publication.json", publication.model_dump())
    root.write_json(champion_path(root, dataset), publication.model_dump())
    return publication
