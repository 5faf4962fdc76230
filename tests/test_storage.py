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


def test_frame_hash_covers_column_names_and_dtypes_but_not_the_index():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert frame_hash(frame.rename(columns={"a": "c"})) != frame_hash(frame)  # same values, another name
    assert frame_hash(frame.astype({"a": "int32"})) != frame_hash(frame)  # same values, another dtype
    assert frame_hash(frame.set_axis([10, 20, 30])) == frame_hash(frame)  # the index is not content
    assert frame_hash(frame.iloc[1:]) == frame_hash(frame.iloc[1:].reset_index(drop=True))


def test_a_filtered_frame_is_written_without_its_index(tmp_path):
    root = DataRoot(str(tmp_path))
    frame = pd.DataFrame({"a": [1, 2, 3, 4]}, index=[7, 8, 9, 10])
    path = root.path("published", "f.parquet")
    digest = root.write_frame(path, frame[frame["a"] > 2])
    loaded = root.read_frame(path, expected_hash=digest)
    assert list(loaded.columns) == ["a"] and loaded["a"].tolist() == [3, 4]
    assert loaded.index.tolist() == [0, 1]  # a fresh range, not rows 9 and 10 of a frame readers never see


def test_root_keeps_its_url_and_resolves_what_relative_recorded(tmp_path):
    url = str(tmp_path / "home")
    root = DataRoot(url)
    assert root.url == url
    path = root.path("state", "manifests", "adult.json")
    assert root.relative(path) == "state/manifests/adult.json"
    assert root.resolve(root.relative(path)) == path


def test_bytes_read_back_with_or_without_an_expected_hash(tmp_path):
    import hashlib

    root = DataRoot(str(tmp_path))
    path = root.path("restricted", "blob.bin")
    data = b"\x00generator\xff"
    digest = root.write_bytes(path, data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert root.read_bytes(path) == data
    assert root.read_bytes(path, expected_sha256=digest) == data


def test_refusals_name_the_recorded_hash_and_say_what_to_do(tmp_path):
    root = DataRoot(str(tmp_path))
    path = root.path("restricted", "generator.pkl")
    digest = root.write_bytes(path, b"original")
    path.write_bytes(b"tampered")
    with pytest.raises(IntegrityError) as raised:
        root.read_bytes(path, expected_sha256=digest)
    assert f"recorded hash {digest[:12]}: it was modified or corrupted after it was written" in str(raised.value)
    assert str(raised.value).endswith("Refusing to load it; regenerate the artifact.")

    frame_path = root.path("published", "x.parquet")
    expected = root.write_frame(frame_path, pd.DataFrame({"a": [1, 2]}))
    root.write_frame(frame_path, pd.DataFrame({"a": [1, 3]}))
    with pytest.raises(IntegrityError) as raised:
        root.read_frame(frame_path, expected_hash=expected)
    assert str(raised.value) == f"{frame_path} does not match its recorded content hash {expected[:12]}: refusing to use it."


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2], lambda data: b"not parquet at all"])
def test_a_verified_frame_that_no_longer_parses_is_refused_like_a_changed_one(tmp_path, damage):
    root = DataRoot(str(tmp_path))
    path = root.path("restricted", "candidates", "v1", "synthetic.parquet")
    expected = root.write_frame(path, pd.DataFrame({"a": [1, 2, 3]}))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(IntegrityError) as raised:
        root.read_frame(path, expected_hash=expected)
    assert str(raised.value) == (
        f"{path} does not match its recorded content hash {expected[:12]}: it cannot be read as Parquet "
        "(ArrowInvalid: truncated or corrupt); refusing to use it."
    )
    # Without a recorded hash there is nothing to refuse against: the reader's own error stands.
    with pytest.raises(pa.ArrowInvalid):
        root.read_frame(path)
    with pytest.raises(FileNotFoundError):
        root.read_frame(root.path("restricted", "missing.parquet"), expected_hash=expected)


def test_json_is_indented_for_people_and_stringifies_what_json_lacks(tmp_path):
    import hashlib
    from datetime import date

    root = DataRoot(str(tmp_path))
    path = root.path("state", "m.json")
    digest = root.write_json(path, {"when": date(2026, 11, 24), "n": 1})
    text = path.read_text()
    assert text == '{\n  "when": "2026-11-24",\n  "n": 1\n}'
    assert digest == hashlib.sha256(text.encode()).hexdigest()
    assert root.read_json(path) == {"when": "2026-11-24", "n": 1}


def test_text_is_written_as_utf8(tmp_path):
    import hashlib

    root = DataRoot(str(tmp_path))
    path = root.path("published", "adult", "datasheet.md")
    text = "# Données synthétiques\n"
    assert root.write_text(path, text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert path.read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize("prefix", ["", "file://", "local://"], ids=["path", "file-url", "local-url"])
def test_a_write_that_fails_on_disk_keeps_the_previous_file(prefix, tmp_path, monkeypatch):
    """The disk fills while the new bytes are being written (fsync fails): the old file is whole.
    A truncate-and-write implementation would have destroyed it already. A `file://` or `local://`
    root is a local disk too: the same fsync before the rename."""
    import errno
    import os

    root = DataRoot(f"{prefix}{tmp_path}")
    path = root.path("published", "champion.json")
    root.write_json(path, {"version": "v1"})

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        root.write_json(path, {"version": "v2", "padding": "x" * 10_000})
    monkeypatch.undo()
    assert root.read_json(path) == {"version": "v1"}
    assert [p.name for p in (tmp_path / "published").iterdir()] == ["champion.json"]  # no temporary file left


def test_a_write_that_cannot_open_its_temporary_file_reports_that_error(tmp_path):
    """Out of file descriptors, the temporary file is never created: the caller sees EMFILE, not a
    FileNotFoundError from the clean-up of a file that does not exist."""
    import errno
    import os
    import resource

    root = DataRoot(str(tmp_path))
    path = root.path("state", "a.json")
    path.parent.mkdir(parents=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest_free = os.dup(0)
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
    try:
        with pytest.raises(OSError) as raised:
            root.write_bytes(path, b"{}")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert raised.value.errno == errno.EMFILE
    assert list(path.parent.iterdir()) == []


@pytest.fixture(params=["plain", "file", "memory"])
def any_root(request, tmp_path):
    import uuid

    url = {"plain": str(tmp_path), "file": tmp_path.as_uri(), "memory": f"memory://storage-{uuid.uuid4().hex[:8]}"}[request.param]
    return DataRoot(url)


def _folder_with_files(root, *parts):
    folder = root.path(*parts)
    root.write_text(folder / "data.txt", "rows")
    root.write_text(folder / "inner" / "more.txt", "more")
    return folder


def test_a_folder_moves_whole_into_new_parents(any_root):
    source = _folder_with_files(any_root, "restricted", "staging")
    destination = any_root.path("published", "adult", "v1")  # neither parent exists yet
    any_root.move_folder(source, destination)
    assert not source.exists()
    assert (destination / "data.txt").read_text() == "rows"
    assert (destination / "inner" / "more.txt").read_text() == "more"
    again = _folder_with_files(any_root, "restricted", "staging-2")
    sibling = any_root.path("published", "adult", "v2")  # the parent exists now
    any_root.move_folder(again, sibling)
    assert (sibling / "inner" / "more.txt").read_text() == "more"


def test_a_folder_never_replaces_an_existing_one(any_root):
    source = _folder_with_files(any_root, "restricted", "staging")
    destination = _folder_with_files(any_root, "published", "v1")
    any_root.write_text(destination / "data.txt", "published rows")
    with pytest.raises(FileExistsError, match="already exists; refusing to replace it") as raised:
        any_root.move_folder(source, destination)
    assert str(destination) in str(raised.value)
    assert (destination / "data.txt").read_text() == "published rows"
    assert (source / "data.txt").read_text() == "rows"


def test_a_local_folder_move_is_one_rename_never_a_copy(tmp_path, monkeypatch):
    """Across devices a rename fails (EXDEV): the move fails instead of copying file by file, which
    readers could see half done."""
    import errno
    import os

    for url in (str(tmp_path), tmp_path.as_uri(), f"local://{tmp_path}"):
        root = DataRoot(url)
        source = _folder_with_files(root, "restricted", "staging")
        destination = root.path("published", "v1")

        def cross_device(src, dst, *args, **kwargs):
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "rename", cross_device)
        with pytest.raises(OSError, match="cross-device"):
            root.move_folder(source, destination)
        monkeypatch.undo()
        assert not destination.exists(), url
        assert (source / "inner" / "more.txt").read_text() == "more"
        root.remove_folder(source)


def test_a_folder_is_removed_with_everything_in_it(any_root):
    folder = _folder_with_files(any_root, "restricted", "candidates", "v1")
    kept = _folder_with_files(any_root, "restricted", "candidates", "v2")
    any_root.remove_folder(folder)
    assert not folder.exists()
    assert (kept / "inner" / "more.txt").read_text() == "more"
    any_root.remove_folder(folder)  # already gone: nothing to do


def test_a_local_folder_is_removed_even_while_it_is_the_working_directory(tmp_path, monkeypatch):
    for url in (str(tmp_path), tmp_path.as_uri(), f"local://{tmp_path}"):
        root = DataRoot(url)
        folder = _folder_with_files(root, "restricted", "staging")
        monkeypatch.chdir(tmp_path / "restricted" / "staging")
        root.remove_folder(folder)
        monkeypatch.chdir(tmp_path)
        assert not (tmp_path / "restricted" / "staging").exists(), url


def test_a_location_is_an_absolute_path_on_disk_and_the_url_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("home", (tmp_path / "home").as_uri(), f"local://{tmp_path / 'home'}"):
        root = DataRoot(url)
        assert root.location(root.path("published", "adult", "datasheet.md")) == str(tmp_path / "home" / "published" / "adult" / "datasheet.md")
    remote = DataRoot("memory://location-test")
    assert remote.location(remote.path("published", "a.txt")) == "memory://location-test/published/a.txt"
