"""Retention deletes expired restricted folders, never the champion's inputs, and records it."""

import os
import time

import dagster as dg

from synth_assets.catalog import load_catalog
from synth_assets.definitions import build_definitions
from synth_assets.governance.retention import enforce_retention
from synth_assets.manifests import PublicationManifest
from synth_assets.schema import infer_schema
from synth_assets.stages.publish import champion_path
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog

DAY = 86400


def _folder(root: DataRoot, *parts: str, age_days: float) -> None:
    path = root.path("restricted", "adult", *parts)
    root.write_bytes(path / "file.bin", b"x" * 100)
    stamp = time.time() - age_days * DAY
    os.utime(path / "file.bin", (stamp, stamp))


def _champion(root: DataRoot, adult_sample) -> None:
    publication = PublicationManifest(
        dataset="adult", version="v-old-champion", published_path="published/adult/versions/v-old-champion/synthetic.parquet",
        content_hash="0" * 64, n_rows=1, published_at="2026-01-01T00:00:00+00:00", gates=(), mlflow_tracking_uri="sqlite:///x",
        mlflow_run_id="r", registered_model="adult-generator", model_version="1",
        schema_contract=infer_schema(adult_sample, target="income"), snapshot_hash="c" * 64,
        reference_profile_path="restricted/adult/generators/v-old-champion/reference_profile.json",
    )
    root.write_json(champion_path(root, "adult"), publication.model_dump())


def _tree(root: DataRoot, adult_sample) -> None:
    _champion(root, adult_sample)
    _folder(root, "snapshots", "c" * 16, age_days=400)  # the champion's snapshot: kept however old
    _folder(root, "generators", "v-old-champion", age_days=400)
    _folder(root, "candidates", "v-old-champion", age_days=400)
    _folder(root, "snapshots", "a" * 16, age_days=100)  # expired
    _folder(root, "generators", "v-expired", age_days=100)
    _folder(root, "candidates", "v-expired", age_days=100)
    _folder(root, "generators", "v-recent", age_days=5)  # within retention


def test_expired_folders_go_and_the_champions_inputs_stay(tmp_path, adult_sample):
    root = DataRoot(str(tmp_path))
    _tree(root, adult_sample)
    deleted = enforce_retention(root, "adult", retention_days=30)
    assert sorted(d["path"] for d in deleted) == [
        "restricted/adult/candidates/v-expired",
        "restricted/adult/generators/v-expired",
        "restricted/adult/snapshots/" + "a" * 16,
    ]
    assert all(d["bytes"] == 100 and d["age_days"] > 99 for d in deleted)
    remaining = {p.relative_to(tmp_path / "restricted/adult").as_posix() for p in (tmp_path / "restricted/adult").glob("*/*")}
    assert remaining == {"snapshots/" + "c" * 16, "generators/v-old-champion", "candidates/v-old-champion", "generators/v-recent"}
    assert len(root.read_json(root.path("state", "retention", "adult.json"))) == 3
    assert enforce_retention(root, "adult", retention_days=30) == []  # nothing left to delete


def test_the_scheduled_job_reports_what_it_deleted(home, tmp_path, adult_sample):
    root = DataRoot(str(home))
    _tree(root, adult_sample)
    catalog = load_catalog(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry("sqlite:///x.db")}))  # retention 30 days
    result = build_definitions(catalog).resolve_job_def("enforce_retention").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    [output] = [e for e in result.all_events if e.is_successful_output]
    metadata = output.event_specific_data.metadata
    assert metadata["folders"].value == 3 and metadata["freed_bytes"].value == 300
