"""Stage 7: publish a candidate whose gates all passed, and make it the champion.

Order matters for "a failed run never replaces the last good version": files are copied to a
new version folder, MLflow logs the run and registers the generator, the datasheet is finalised
with that model version, and only then do the `champion` alias and
`published/<dataset>/champion.json` move. A failure at any step leaves the previous champion in
place everywhere.
"""

import json
from datetime import UTC, datetime

from upath import UPath

from synth_assets.catalog import DatasetSpec
from synth_assets.governance.datasheet import finalize_datasheet, render_markdown
from synth_assets.governance.rendering import html_page
from synth_assets.history import HistoryEntry, record
from synth_assets.manifests import (
    DatasheetManifest,
    GeneratorManifest,
    PublicationManifest,
    ReportManifest,
    SnapshotManifest,
    SyntheticManifest,
)
from synth_assets.provenance import code_version, config_hash, without_credentials
from synth_assets.publish import mlflow_registry
from synth_assets.stages.candidate import candidate_folder, load_synthetic
from synth_assets.storage import DataRoot


class GateFailure(RuntimeError):
    """A candidate with a failed gate was asked to be published."""


def champion_path(root: DataRoot, dataset: str) -> UPath:
    return root.path("published", dataset, "champion.json")


def read_champion(root: DataRoot, dataset: str) -> PublicationManifest | None:
    path = champion_path(root, dataset)
    return PublicationManifest.load(path) if path.exists() else None


def lineage_tags(
    dataset: str, spec: DatasetSpec, snapshot: SnapshotManifest, generator: GeneratorManifest, run_id: str
) -> dict[str, str]:
    """What an MLflow run is tagged with, so any version traces back to its inputs and code."""
    return {
        "dataset": dataset,
        "dagster_run_id": run_id,
        "dataset_version": generator.version,
        "snapshot_hash": snapshot.snapshot_hash,
        "catalog_hash": config_hash(spec.model_dump()),
        "generator": f"{generator.engine}/{generator.model}",
        "generator_sha256": generator.sha256,
        "generator_config_hash": generator.config_hash,
        "engine_environment": generator.environment.name,
        **{f"engine_library.{name}": version for name, version in generator.library_versions.items()},
        "code_version": code_version(),
        "trained_on_restricted_data": "true",
        "differentially_private": str(generator.epsilon is not None).lower(),
        **(
            {
                "dp_epsilon": f"{generator.epsilon:g}",
                "dp_delta": f"{generator.delta:g}" if generator.delta is not None else "plugin default",
                "dp_epsilon_spent_total": f"{generator.epsilon_spent_total:g}",
            }
            if generator.epsilon is not None
            else {}
        ),
    }


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
    failed = [g.check_name for g in gates if not g.passed]
    if failed:
        raise GateFailure(f"dataset {dataset!r} version {synthetic.version} failed gates {failed}: not published")
    versions = {validation.version, transfer.version, datasheet.version, generator.version}
    if versions != {synthetic.version} or validation.synthetic_hash != synthetic.content_hash:
        raise GateFailure(
            f"dataset {dataset!r}: the reports do not belong to synthetic version {synthetic.version} "
            f"(found versions {sorted(versions)}); materialize the whole chain together"
        )

    candidate = candidate_folder(root, dataset, synthetic.version)
    release = {name: (candidate / name).read_bytes() for name in ["synthetic.parquet", *validation.files, *transfer.files]}
    release["schema.json"] = snapshot.schema_contract.model_dump_json(indent=2).encode()
    target = root.path("published", dataset, "versions", synthetic.version)
    for name, data in release.items():
        root.write_bytes(target / name, data)

    logged = mlflow_registry.log_version(
        tracking_uri=tracking_uri,
        artifact_root=artifact_root,
        dataset=dataset,
        run_name=f"{dataset}-{synthetic.version}",
        artifacts=release,
        metrics=validation.metrics | transfer.metrics,
        tags=lineage_tags(dataset, spec, snapshot, generator, run_id)
        | {"synthetic_content_hash": synthetic.content_hash, "status": "champion", "published_path": str(target / "synthetic.parquet")},
        generator=mlflow_registry.Generator(
            manifest=generator,
            sample_seed=synthetic.sample_seed,
            signature=mlflow_registry.generator_signature(snapshot.schema_contract, snapshot.pii.column_order, snapshot.pii.faked),
            data=root.read_bytes(root.resolve(generator.path), expected_sha256=generator.sha256),
        ),
        synthetic=load_synthetic(synthetic, root),
        synthetic_source=str(target / "synthetic.parquet"),
        target=spec.target.column,
    )

    public_uri = without_credentials(tracking_uri)
    sheet = finalize_datasheet(
        root.read_json(root.resolve(datasheet.path).with_suffix(".json")),
        tracking_uri=public_uri,
        mlflow_run_id=logged.run_id,
        model_version=logged.model_version,
        published_path=str(target),
    )
    markdown = render_markdown(sheet)
    datasheet_files = {
        "datasheet.json": json.dumps(sheet, indent=2, default=str).encode(),
        "datasheet.md": markdown.encode(),
        "datasheet.html": html_page(f"Datasheet: {dataset} {synthetic.version}", markdown).encode(),
    }
    for name, data in datasheet_files.items():
        root.write_bytes(target / name, data)
    mlflow_registry.attach_artifacts(tracking_uri, logged.run_id, datasheet_files)

    mlflow_registry.promote(
        tracking_uri,
        dataset,
        logged.model_version,
        mlflow_registry.CHAMPION,
        {
            "trained_on_restricted_data": "true",
            "dataset_version": synthetic.version,
            "gates_passed": "true",
            **{f"gate.{g.check_name}": f"{g.value:.6g}" for g in gates},
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
        mlflow_tracking_uri=public_uri,
        mlflow_run_id=logged.run_id,
        registered_model=mlflow_registry.registered_model_name(dataset),
        model_version=logged.model_version,
        schema_contract=snapshot.schema_contract,
        snapshot_hash=snapshot.snapshot_hash,
        reference_profile_path=generator.reference_profile_path,
    )
    root.write_json(target / "publication.json", publication.model_dump())
    record(
        root,
        dataset,
        HistoryEntry.now(
            version=synthetic.version, status="champion", model_version=logged.model_version, mlflow_run_id=logged.run_id, gates=gates
        ),
    )
    root.write_json(champion_path(root, dataset), publication.model_dump())
    return publication
