"""Zones, atomic writes and content hashes under one data root (a local path or any fsspec URL).

Zones:
- `restricted`: real snapshots, holdouts, fitted generators, and candidate outputs that have not
  passed their gates yet. Only pipeline code reads it.
- `published`: gated synthetic datasets with their reports and datasheets. Only this zone's
  contents (and aggregate metrics) leave the pipeline.
- `state`: small bookkeeping files (asset manifests, failure records): paths and hashes, no rows.
"""

import hashlib
import io
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from upath import UPath

Zone = Literal["restricted", "published", "state"]


class IntegrityError(RuntimeError):
    """A stored artifact no longer matches the hash recorded when it was written."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_hash(frame: pd.DataFrame) -> str:
    """Content hash of a frame: column names, dtypes and values, independent of file encoding."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


class DataRoot:
    """All files synth-assets keeps, addressed by zone and relative parts."""

    def __init__(self, url: str):
        self.url = url
        self.root = UPath(url)

    def path(self, zone: Zone, *parts: str) -> UPath:
        return self.root.joinpath(zone, *parts)

    def relative(self, path: UPath) -> str:
        """The path as manifests record it: relative to the root, so a root can move."""
        return path.relative_to(self.root).as_posix()

    def resolve(self, relative: str) -> UPath:
        return self.root.joinpath(relative)

    def location(self, path: UPath) -> str:
        """Where a file is, for a person: an absolute local path, or the URL of a remote root."""
        return str(Path(path.path).resolve()) if path.protocol in ("", "file", "local") else str(path)

    def write_bytes(self, path: UPath, data: bytes) -> str:
        """Write atomically: readers see the old file or the new one, never a partial one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.protocol in ("", "file", "local"):
            local = Path(path.path)
            # A unique sibling opened with "x" (not mkstemp), so the file gets the umask's permissions.
            tmp = local.with_name(f".{local.name}.{uuid.uuid4().hex}.tmp")
            try:
                with open(tmp, "xb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, local)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        else:
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            tmp.write_bytes(data)
            tmp.fs.mv(tmp.path, path.path)
        return sha256_bytes(data)

    def read_bytes(self, path: UPath, expected_sha256: str | None = None) -> bytes:
        data = path.read_bytes()
        if expected_sha256 is not None and sha256_bytes(data) != expected_sha256:
            raise IntegrityError(
                f"{path} does not match its recorded hash {expected_sha256[:12]}: it was modified or "
                "corrupted after it was written. Refusing to load it; regenerate the artifact."
            )
        return data

    def write_json(self, path: UPath, payload: Any) -> str:
        return self.write_bytes(path, json.dumps(payload, indent=2, default=str).encode())

    def read_json(self, path: UPath) -> Any:
        return json.loads(path.read_bytes())

    def write_text(self, path: UPath, text: str) -> str:
        return self.write_bytes(path, text.encode())

    def write_frame(self, path: UPath, frame: pd.DataFrame) -> str:
        """Write a frame as Parquet; returns its content hash (see `frame_hash`)."""
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        self.write_bytes(path, buffer.getvalue())
        return frame_hash(frame)

    def read_frame(self, path: UPath, expected_hash: str | None = None) -> pd.DataFrame:
        """Read a Parquet file; with `expected_hash`, refuse one whose rows are not the recorded ones
        (one that no longer parses, truncated or overwritten, is refused the same way)."""
        data = path.read_bytes()  # a missing file is reported as missing
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            if expected_hash is None:
                raise
            raise IntegrityError(
                f"{path} does not match its recorded content hash {expected_hash[:12]}: it cannot be read as Parquet "
                f"({type(error).__name__}: truncated or corrupt); refusing to use it."
            ) from None
        if expected_hash is not None and frame_hash(frame) != expected_hash:
            raise IntegrityError(
                f"{path} does not match its recorded content hash {expected_hash[:12]}: refusing to use it."
            )
        return frame


    def move_folder(self, source: UPath, destination: UPath) -> None:
        """Move a folder into place in one step, so readers never see it half there.

        Locally this is a rename (atomic on one filesystem); an object store has no atomic folder
        move, so there the last file written inside the folder is what marks it complete.
        """
        if destination.exists():
            raise FileExistsError(f"{destination} already exists; refusing to replace it")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.protocol in ("", "file", "local"):
            os.rename(Path(source.path), Path(destination.path))
        else:
            source.fs.mv(source.path, destination.path, recursive=True)

    def remove_folder(self, path: UPath) -> None:
        if not path.exists():
            return
        if path.protocol in ("", "file", "local"):
            shutil.rmtree(Path(path.path))
        else:
            path.fs.rm(path.path, recursive=True)
