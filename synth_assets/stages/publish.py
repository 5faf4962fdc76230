"""Stage 7: publish a candidate whose gates all passed, and make it the champion.

Order matters for "a failed run never replaces the last good version" and "nothing half-written
is ever visible": the release is assembled in a hidden staging folder
(`published/<dataset>/.staging/`), MLflow logs the run and registers the generator, the datasheet
is finalised with that model version, `publication.json` is written last inside the staging
folder, and only then is the folder renamed to `versions/<version>` and do the `champion` alias
and `published/<dataset>/champion.json` move (together: if the pointer cannot be written, the
alias moves back). A failure at any step leaves the previous champion
in place everywhere; the next publication removes what an interrupted one left behind.
"""

import json
import uuid
from contextlib import contextmanager, suppress
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
from synth_assets.publish.limits import sample_row_limit
from synth_assets.stages.candidate import candidate_folder, load_synthetic
from synth_assets.storage import DataRoot


class GateFailure(RuntimeError):
    """A candidate with a failed gate was asked to be published."""


def champion_path(root: DataRoot, dataset: str) -> UPath:
    return root.path("published", dataset, "champion.json")


def versions_folder(root: DataRoot, dataset: str) -> UPath:
    return root.path("published", dataset, "versions")


def staging_folder(root: DataRoot, dataset: str) -> UPath:
    """Where a release is assembled; the dot keeps it out of `versions/` and out of listings."""
    return root.path("published", dataset, ".staging")


def read_champion(root: DataRoot, dataset: str) -> PublicationManifest | None:
    """The champion's manifest: `champion.json`, or, when that pointer is lost, the newest complete
    version folder (the schema check and drift must never fall back to "nothing published")."""
    path = champion_path(root, dataset)
    if path.exists():
        return PublicationManifest.load(path)
    return latest_published_version(root, dataset)


def published_versions(root: DataRoot, dataset: str) -> list[PublicationManifest]:
    """Every complete version folder (one with `publication.json`), oldest first."""
    folder = versions_folder(root, dataset)
    if not folder.exists():
        return []
    found = [PublicationManifest.load(v / "publication.json") for v in folder.iterdir() if (v / "publication.json").exists()]
    return sorted(found, key=lambda p: (p.published_at, p.version))


def latest_published_version(root: DataRoot, dataset: str) -> PublicationManifest | None:
    found = published_versions(root, dataset)
    return found[-1] if found else None


def restore_champion_pointer(root: DataRoot, dataset: str) -> PublicationManifest | None:
    """Rewrite a lost `champion.json` from the newest complete version; returns what it restored."""
    if champion_path(root, dataset).exists():
        return None
    latest = latest_published_version(root, dataset)
    if latest is not None:
        root.write_json(champion_path(root, dataset), latest.model_dump())
    return latest


def clean_interrupted_publications(root: DataRoot, dataset: str) -> list[str]:
    """Remove what interrupted publications left: staging folders, and version folders without
    `publication.json` (written by versions of synth-assets that copied files in place). Only one
    regeneration per dataset runs at a time (see `synth_assets.runlock`), so none is in progress."""
    removed = []
    staging = staging_folder(root, dataset)
    if staging.exists():
        removed += [root.relative(p) for p in staging.iterdir()]
        root.remove_folder(staging)
    versions = versions_folder(root, dataset)
    if versions.exists():
        for folder in versions.iterdir():
            if folder.is_dir() and not (folder / "publication.json").exists():
                removed.append(root.relative(folder))
                root.remove_folder(folder)
    return removed


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

    clean_interrupted_publications(root, dataset)
    previous = read_champion(root, dataset)  # before the new folder exists: it is the fallback
    target = versions_folder(root, dataset) / synthetic.version
    if target.exists():
        raise GateFailure(f"dataset {dataset!r}: version {synthetic.version} is already published at {target}")
    # Every input is verified before anything is written: a tampered generator or candidate stops here.
    generator_bytes = root.read_bytes(root.resolve(generator.path), expected_sha256=generator.sha256)
    synthetic_frame = load_synthetic(synthetic, root)
    candidate = candidate_folder(root, dataset, synthetic.version)
    release = {name: (candidate / name).read_bytes() for name in ["synthetic.parquet", *validation.files, *transfer.files]}
    release["schema.json"] = snapshot.schema_contract.model_dump_json(indent=2).encode()

    staging = staging_folder(root, dataset) / f"{synthetic.version}-{uuid.uuid4().hex[:8]}"
    with _removed_on_failure(root, staging):
        files = {name: root.write_bytes(staging / name, data) for name, data in release.items()}

        logged = mlflow_registry.log_version(
            tracking_uri=tracking_uri,
            artifact_root=artifact_root,
            dataset=dataset,
            role=mlflow_registry.CHAMPION,
            gates=gates,
            artifacts=release,
            metrics=validation.metrics | transfer.metrics,
            tags=lineage_tags(dataset, spec, snapshot, generator, run_id)
            | {"synthetic_content_hash": synthetic.content_hash, "status": "champion", "published_path": str(target / "synthetic.parquet")},
            generator=mlflow_registry.Generator(
                manifest=generator,
                sample_seed=synthetic.sample_seed,
                signature=mlflow_registry.generator_signature(snapshot.schema_contract, snapshot.pii.column_order, snapshot.pii.faked),
                max_sample_rows=sample_row_limit(spec.max_sample_rows, synthetic.n_rows),
                data=generator_bytes,
                time_budget_s=spec.generator.time_budget_s,
                memory_limit_gb=spec.generator.memory_limit_gb,
            ),
            synthetic=synthetic_frame,
            synthetic_source=str(target / "synthetic.parquet"),
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
            "datasheet.json": json.dumps(sheet, indent=2).encode(),  # read back from JSON: nothing to convert
            "datasheet.md": markdown.encode(),
            "datasheet.html": html_page(f"Datasheet: {dataset} {synthetic.version}", markdown).encode(),
        }
        for name, data in datasheet_files.items():
            files[name] = root.write_bytes(staging / name, data)
        mlflow_registry.attach_artifacts(tracking_uri, logged.run_id, datasheet_files)

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
            files=files,
            generator=f"{generator.engine}/{generator.model}",
            mlflow_experiment_id=logged.experiment_id,
        )
        # Written last: a version folder with publication.json is complete.
        root.write_json(staging / "publication.json", publication.model_dump())
        root.move_folder(staging, target)
    try:
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
        root.write_json(champion_path(root, dataset), publication.model_dump())
    except BaseException:
        # The alias and `champion.json` move together or not at all, and the folder must not
        # outlive them as the "newest version".
        root.remove_folder(target)
        with suppress(Exception):  # MLflow down: the alias never moved, nothing to put back
            mlflow_registry.move_alias(tracking_uri, dataset, mlflow_registry.CHAMPION, previous.model_version if previous else None)
        raise
    record(
        root,
        dataset,
        HistoryEntry.now(
            version=synthetic.version, status="champion", model_version=logged.model_version, mlflow_run_id=logged.run_id, gates=gates
        ),
    )
    return publication


@contextmanager
def _removed_on_failure(root: DataRoot, staging: UPath):
    """A failed publication removes its staging folder at once (a killed one: the next run does);
    the empty `.staging/` goes too, so a published zone at rest holds only complete versions."""
    try:
        yield
    except BaseException:
        root.remove_folder(staging)
        raise
    finally:
        if staging.parent.exists() and not any(staging.parent.iterdir()):
            root.remove_folder(staging.parent)
