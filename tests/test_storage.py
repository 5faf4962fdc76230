"""Zones and files: atomic writes, content hashes, integrity checks, credential-free URLs."""

import pandas as pd
import pyarrow as pa
import pytest

from synth_assets.provenance import without_credentials
from synth_assets.storage import DataRoot, IntegrityError, frame_hash


def test_frame_hash_survives_a_parquet_round_trip(tmp_path, adult_sample):
    root = DataRoot(str(tmp_path))
    path = root.path("published", "x", "data.parquet")
    written = root.write_frame(path, adult_sample)
    assert written == frame_hash(adult_sample)
    assert frame_hash(root.read_frame(path, expected_hash=written)) == written


def test_frame_hash_sees_one_changed_cell(adult_sample):
    changed = adult_sample.copy()
    changed.loc[5, "age"] += 1
    assert frame_hash(changed) != frame_hash(adult_sample)


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    root = DataRoot(str(tmp_path))
    path = root.path("state", "a.json")
    root.write_json(path, {"v": 1})
    root.write_json(path, {"v": 2})
    assert root.read_json(path) == {"v": 2}
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    root = DataRoot(str(tmp_path))
    path = root.path("published", "a.parquet")
    root.write_frame(path, pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(pa.ArrowInvalid):
        root.write_frame(path, pd.DataFrame({"a": [object(), 1]}))  # pyarrow cannot encode it
    assert root.read_frame(path)["a"].tolist() == [1, 2]
    assert len(list(path.parent.iterdir())) == 1


def test_a_write_that_fails_on_disk_keeps_the_previous_file(tmp_path, monkeypatch):
    """The disk fills while the new bytes are being written (fsync fails): the old file is whole.
    A truncate-and-write implementation would have destroyed it already."""
    import errno
    import os

    root = DataRoot(str(tmp_path))
    path = root.path("published", "champion.json")
    root.write_json(path, {"version": "v1"})

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        root.write_json(path, {"version": "v2", "padding": "x" * 10_000})
    monkeypatch.undo()
    assert root.read_json(path) == {"version": "v1"}
    assert [p.name for p in path.parent.iterdir()] == ["champion.json"]  # no temporary file left


def test_tampered_bytes_are_refused(tmp_path):
    root = DataRoot(str(tmp_path))
    path = root.path("restricted", "generator.pkl")
    digest = root.write_bytes(path, b"original")
    path.write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="does not match its recorded hash"):
        root.read_bytes(path, expected_sha256=digest)


def test_memory_filesystem_root_works_like_a_local_one():
    root = DataRoot("memory://synth-assets-test")
    path = root.path("published", "x.parquet")
    digest = root.write_frame(path, pd.DataFrame({"a": [1.5, None]}))
    assert frame_hash(root.read_frame(path)) == digest
    assert root.relative(path) == "published/x.parquet"


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("postgresql+psycopg2://user:pw@db:5432/prod?sslmode=require&password=x", "postgresql+psycopg2://db:5432/prod?sslmode=require"),
        ("sqlite:////abs/path.db", "sqlite:////abs/path.db"),
        ("http://me:token@mlflow:5000", "http://mlflow:5000"),
    ],
)
def test_urls_are_shown_without_credentials(url, public):
    assert without_credentials(url) == public
