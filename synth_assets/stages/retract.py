"""Withdraw a published version: out of the published zone and MLflow, the champion moved back.

The path after a leak is found (real names in a column nobody declared, a memorised record):
retract every version that carries it, declare the columns under `pii.columns`, and refresh.

Order matters, as in publication: consumers are pointed away first (`champion.json` and the MLflow
`champion` alias move to the newest remaining version, or are removed), then the version's
`publication.json` goes (so no listing counts the folder as published) and its files, then MLflow's
copies (release files, the registered generator) are deleted and the version archived, and last
the quality history records who, when and why; the next datasheet lists it. Each step is
idempotent: an interrupted retraction is finished by running the same command again.
"""

import getpass
from datetime import UTC, datetime

from synth_assets.history import Retraction, history, record_retraction
from synth_assets.manifests import PublicationManifest
from synth_assets.publish import mlflow_registry
from synth_assets.stages.publish import champion_path, published_versions, read_champion, versions_folder
from synth_assets.storage import DataRoot


class RetractionError(ValueError):
    """The version cannot be retracted as asked (unknown version, no reason given)."""


def retract_version(
    root: DataRoot, dataset: str, version: str, *, reason: str, tracking_uri: str, retracted_by: str | None = None
) -> dict:
    """Withdraw `version` of `dataset`; returns what was done (for the CLI and the tests)."""
    if not reason.strip():
        raise RetractionError("say why the version is withdrawn: --reason '...' (it goes into the history and the datasheet)")
    entry = next((e for e in history(root, dataset) if e.version == version), None)
    published = {p.version: p for p in published_versions(root, dataset)}
    if entry is None or entry.status == "challenger":
        known = ", ".join(sorted(published)) or "none"
        raise RetractionError(f"dataset {dataset!r} has no published version {version!r} (published: {known})")

    champion = read_champion(root, dataset)
    was_champion = champion is not None and champion.version == version
    remaining = [p for p in published.values() if p.version != version]
    fallback: PublicationManifest | None = max(remaining, key=lambda p: (p.published_at, p.version)) if remaining else None
    if was_champion:
        _point_champion_at(root, dataset, fallback, tracking_uri)
    champion_now = fallback if was_champion else champion

    folder = versions_folder(root, dataset) / version
    if folder.exists():
        (folder / "publication.json").unlink(missing_ok=True)  # from here on no listing counts it as published
        root.remove_folder(folder)

    retraction = Retraction(
        retracted_at=datetime.now(UTC).isoformat(timespec="seconds"), retracted_by=retracted_by or getpass.getuser(), reason=reason.strip()
    )
    emptied = mlflow_registry.withdraw(
        tracking_uri,
        dataset,
        entry.model_version,
        {"retracted": "true", "retracted_at": retraction.retracted_at, "retracted_by": retraction.retracted_by, "retraction_reason": retraction.reason},
    )
    record_retraction(root, dataset, version, entry.retraction or retraction)
    return {
        "dataset": dataset,
        "version": version,
        "model_version": entry.model_version,
        "was_champion": was_champion,
        "champion_now": champion_now.version if champion_now else None,
        "champion_model_version_now": champion_now.model_version if champion_now else None,
        "mlflow_artifacts_deleted": emptied,
        **retraction.model_dump(),
    }


def _point_champion_at(root: DataRoot, dataset: str, fallback: PublicationManifest | None, tracking_uri: str) -> None:
    mlflow_registry.move_alias(tracking_uri, dataset, mlflow_registry.CHAMPION, fallback.model_version if fallback else None)
    if fallback is None:
        champion_path(root, dataset).unlink(missing_ok=True)
    else:
        root.write_json(champion_path(root, dataset), fallback.model_dump())
