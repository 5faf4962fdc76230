"""Checks a regeneration makes before it reads the source or fits anything.

Each one is cheap and fails with one line that says what to do: a run stopped here costs seconds,
a run stopped at publication costs the whole fit.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from synth_assets.manifests import PublicationManifest
from synth_assets.publish import mlflow_registry
from synth_assets.stages.publish import champion_path, read_champion, restore_champion_pointer
from synth_assets.storage import DataRoot, IntegrityError

# A regeneration of a table of Adult's size writes ~30 MB (snapshot, generator, candidate,
# reports, release); 256 MiB leaves room for tables ten times that size before the disk fills mid-run.
MIN_FREE_BYTES = 256 * 2**20


class PreflightError(RuntimeError):
    """A regeneration would fail later, or do harm: stopped before the fit."""


@dataclass(frozen=True)
class Preflight:
    champion: PublicationManifest | None
    notes: list[str]


def preflight(dataset: str, root: DataRoot, tracking_uri: str) -> Preflight:
    """MLflow reachable, room on the data root, and the champion known (for the schema check)."""
    mlflow_registry.check_reachable(tracking_uri)
    check_free_space(root)
    notes = []
    champion = champion_for_schema_check(dataset, root, tracking_uri, notes)
    if champion is not None and (problem := verify_published(root, champion)):
        notes.append(f"the champion's published files are damaged ({problem}); this run will publish a replacement")
    return Preflight(champion=champion, notes=notes)


def check_free_space(root: DataRoot, minimum: int = MIN_FREE_BYTES) -> None:
    if root.root.protocol not in ("", "file", "local"):
        return  # object stores do not run out of space the way a disk does
    folder = Path(root.root.path)
    existing = next(p for p in [folder, *folder.parents] if p.exists())
    free = shutil.disk_usage(existing).free
    if free < minimum:
        raise PreflightError(
            f"only {free / 2**20:.0f} MiB free under {existing} (a regeneration needs at least {minimum / 2**20:.0f} MiB); "
            "free space (`synth-assets` keeps old candidates until retention removes them) and rerun"
        )


def champion_for_schema_check(dataset: str, root: DataRoot, tracking_uri: str, notes: list[str]) -> PublicationManifest | None:
    """The champion the new snapshot's schema is compared with; never silently None when one exists.

    A lost `champion.json` is rebuilt from the newest complete version folder. When the data root
    has no published version but MLflow has a champion, the data root is not the one that
    published it: refuse, since the schema check would otherwise be skipped.
    """
    if not champion_path(root, dataset).exists() and (restored := restore_champion_pointer(root, dataset)) is not None:
        notes.append(f"champion.json was missing; restored it from published version {restored.version}")
    champion = read_champion(root, dataset)
    if champion is not None:
        return champion
    if (version := mlflow_registry.champion_version(tracking_uri, dataset)) is not None:
        raise PreflightError(
            f"MLflow has {mlflow_registry.registered_model_name(dataset)}@champion (version {version}) but the data root "
            f"{root.url} holds no published version of {dataset!r}, so the schema contract cannot be checked. Point "
            "SYNTH_ASSETS_HOME at the data root that published it, or restore its published/ folder, then rerun"
        )
    return None


def verify_published(root: DataRoot, publication: PublicationManifest) -> str | None:
    """What is wrong with a published version's files (None: every file matches its hash)."""
    folder = root.resolve(publication.published_path).parent
    expected = publication.files or {}
    try:
        for name, sha256 in expected.items():
            path = folder / name
            if not path.exists():
                return f"{name} is missing"
            root.read_bytes(path, expected_sha256=sha256)
        if not expected:  # versions published before file hashes were recorded: the rows' content hash
            root.read_frame(root.resolve(publication.published_path), expected_hash=publication.content_hash)
    except IntegrityError:
        return f"{name if expected else 'synthetic.parquet'} does not match its recorded hash"
    except FileNotFoundError:
        return "synthetic.parquet is missing"
    except Exception as error:  # noqa: BLE001 - an unreadable Parquet raises pyarrow's own errors
        return f"synthetic.parquet cannot be read ({type(error).__name__})"
    return None


def repair_advice(dataset: str, publication: PublicationManifest) -> str:
    return (
        f"restore it from MLflow with `synth-assets pull {dataset} -o {publication.published_path.rsplit('/', 1)[-1]}` "
        f"(MLflow keeps a verified copy of version {publication.version}) or publish a new version with `synth-assets refresh {dataset}`"
    )
