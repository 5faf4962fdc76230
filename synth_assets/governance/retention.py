"""Retention: restricted artifacts older than the catalog's `retention_days` are deleted.

Snapshots (train and holdout splits), fitted generators and candidates live in the restricted
zone; each folder is deleted once its newest file is older than the retention period, except the
current champion's snapshot, generator and candidate, which stay as long as it is champion. What
was deleted is recorded in the state zone (paths, ages, sizes: no contents).
"""

from datetime import UTC, datetime, timedelta

from upath import UPath

from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot

KINDS = ("snapshots", "generators", "candidates")


def protected_folders(root: DataRoot, dataset: str) -> set[str]:
    champion = read_champion(root, dataset)
    if champion is None:
        return set()
    base = root.path("restricted", dataset)
    return {
        root.relative(base / "snapshots" / champion.snapshot_hash[:16]),
        root.relative(base / "generators" / champion.version),
        root.relative(base / "candidates" / champion.version),
    }


def enforce_retention(root: DataRoot, dataset: str, retention_days: int, *, now: datetime | None = None) -> list[dict]:
    """Delete the dataset's expired restricted folders; returns (and records) what was deleted."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    keep = protected_folders(root, dataset)
    deleted = []
    for kind in KINDS:
        parent = root.path("restricted", dataset, kind)
        if not parent.exists():
            continue
        for folder in sorted(parent.iterdir()):
            relative = root.relative(folder)
            modified = newest_modification(folder)
            if relative in keep or modified is None or modified >= cutoff:
                continue
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            folder.fs.rm(folder.path, recursive=True)
            deleted.append(
                {
                    "path": relative,
                    "kind": kind,
                    "age_days": round((now - modified).total_seconds() / 86400, 2),
                    "bytes": int(size),
                    "deleted_at": now.isoformat(timespec="seconds"),
                }
            )
    if deleted:
        log = root.path("state", "retention", f"{dataset}.json")
        earlier = root.read_json(log) if log.exists() else []
        root.write_json(log, [*earlier, *deleted])
    return deleted


def newest_modification(folder: UPath) -> datetime | None:
    times = [f.stat().st_mtime for f in folder.rglob("*") if f.is_file()]
    return datetime.fromtimestamp(max(times), UTC) if times else None
