"""The champion pointer and the published zone, on real files: where each lives, which version is the
champion when `champion.json` is lost, what an interrupted publication leaves and what cleans it up,
and the lineage tags a version carries. `publish_candidate` itself, on a real candidate and MLflow
store: tests/stages/test_publish_candidate.py.
"""

import json
from types import SimpleNamespace

import pytest

from synth_assets.manifests import GateOutcome, GeneratorEnvironment, GeneratorManifest, PublicationManifest
from synth_assets.provenance import code_version, config_hash
from synth_assets.schema import SchemaContract
from synth_assets.stages import publish
from synth_assets.storage import DataRoot

QUALITY = GateOutcome(metric="quality_score", section="fidelity", value=0.9, threshold=0.75, bound="min", passed=True)


def _publication(version: str, published_at: str, dataset: str = "adult") -> PublicationManifest:
    return PublicationManifest(
        dataset=dataset, version=version, published_path=f"published/{dataset}/versions/{version}/synthetic.parquet",
        content_hash=f"hash-{version}", n_rows=1200, published_at=published_at, gates=(QUALITY,),
        mlflow_tracking_uri="sqlite:///m.db", mlflow_run_id=f"run-{version}", registered_model=f"{dataset}-generator",
        model_version=version[-1], schema_contract=SchemaContract(columns=(), target="income"), snapshot_hash="s",
        reference_profile_path="p", generator="sdv/gaussian_copula", mlflow_experiment_id="7",
    )


def _publish_folder(root: DataRoot, manifest: PublicationManifest) -> None:
    """A complete version folder, as `publish_candidate` leaves one: data first, `publication.json` last."""
    folder = publish.versions_folder(root, manifest.dataset) / manifest.version
    root.write_bytes(folder / "synthetic.parquet", b"rows")
    root.write_json(folder / "publication.json", manifest.model_dump())


def _files(base) -> set[str]:
    return {p.relative_to(base).as_posix() for p in base.rglob("*")}


@pytest.fixture
def root(tmp_path) -> DataRoot:
    return DataRoot(str(tmp_path))


def test_the_pointer_the_versions_and_the_staging_area_live_under_published(root, tmp_path):
    assert str(publish.champion_path(root, "adult")) == str(tmp_path / "published" / "adult" / "champion.json")
    assert str(publish.versions_folder(root, "adult")) == str(tmp_path / "published" / "adult" / "versions")
    assert str(publish.staging_folder(root, "adult")) == str(tmp_path / "published" / "adult" / ".staging")


def test_nothing_published_reads_as_no_champion(root):
    assert publish.published_versions(root, "adult") == []
    assert publish.latest_published_version(root, "adult") is None
    assert publish.read_champion(root, "adult") is None
    assert publish.restore_champion_pointer(root, "adult") is None
    assert not publish.champion_path(root, "adult").exists()


def test_published_versions_are_the_complete_folders_oldest_first(root):
    # Publication time orders versions, not their names; equal times fall back to the name.
    second = _publication("b-2", "2026-11-02T00:00:00+00:00")
    first = _publication("c-1", "2026-11-01T00:00:00+00:00")
    third = _publication("a-3", "2026-11-03T00:00:00+00:00")
    same_time = _publication("d-4", "2026-11-03T00:00:00+00:00")
    for manifest in (third, same_time, first, second):
        _publish_folder(root, manifest)
    # an interrupted one: data, no publication.json
    root.write_bytes(publish.versions_folder(root, "adult") / "e-5" / "synthetic.parquet", b"half")
    _publish_folder(root, _publication("z-9", "2026-12-01T00:00:00+00:00", dataset="other"))

    assert publish.published_versions(root, "adult") == [first, second, third, same_time]
    assert publish.latest_published_version(root, "adult") == same_time
    assert publish.latest_published_version(root, "other").version == "z-9"


def test_a_single_version_is_the_latest(root):
    only = _publication("v-1", "2026-11-01T00:00:00+00:00")
    _publish_folder(root, only)
    assert publish.published_versions(root, "adult") == [only]
    assert publish.latest_published_version(root, "adult") == only


def test_the_champion_is_champion_json_even_when_a_newer_folder_exists(root):
    """A retracted or failed newer version may sit there; the pointer decides."""
    older, newer = _publication("v-1", "2026-11-01T00:00:00+00:00"), _publication("v-2", "2026-11-02T00:00:00+00:00")
    _publish_folder(root, older)
    _publish_folder(root, newer)
    root.write_json(publish.champion_path(root, "adult"), older.model_dump())
    assert publish.read_champion(root, "adult") == older
    assert publish.read_champion(root, "other") is None


def test_a_lost_pointer_falls_back_to_the_newest_complete_version_and_is_restored(root):
    older, newer = _publication("v-1", "2026-11-01T00:00:00+00:00"), _publication("v-2", "2026-11-02T00:00:00+00:00")
    _publish_folder(root, older)
    _publish_folder(root, newer)
    assert publish.read_champion(root, "adult") == newer

    assert publish.restore_champion_pointer(root, "adult") == newer
    pointer = publish.champion_path(root, "adult")
    assert json.loads(pointer.read_bytes()) == json.loads(json.dumps(newer.model_dump(), default=str))
    assert PublicationManifest.load(pointer) == newer
    assert publish.restore_champion_pointer(root, "other") is None
    assert not publish.champion_path(root, "other").exists()


def test_an_existing_pointer_is_never_rewritten(root):
    older, newer = _publication("v-1", "2026-11-01T00:00:00+00:00"), _publication("v-2", "2026-11-02T00:00:00+00:00")
    _publish_folder(root, older)
    _publish_folder(root, newer)
    root.write_json(publish.champion_path(root, "adult"), older.model_dump())
    before = publish.champion_path(root, "adult").read_bytes()
    assert publish.restore_champion_pointer(root, "adult") is None
    assert publish.champion_path(root, "adult").read_bytes() == before
    assert publish.read_champion(root, "adult") == older


def test_cleaning_removes_staging_and_incomplete_versions_and_keeps_complete_ones(root, tmp_path):
    complete = _publication("v-1", "2026-11-01T00:00:00+00:00")
    _publish_folder(root, complete)
    root.write_json(publish.champion_path(root, "adult"), complete.model_dump())
    staging = publish.staging_folder(root, "adult")
    root.write_bytes(staging / "v-2-0a1b2c3d" / "synthetic.parquet", b"half")
    root.write_bytes(staging / "v-3-4e5f6a7b" / "synthetic.parquet", b"half")
    versions = publish.versions_folder(root, "adult")
    root.write_bytes(versions / "v-0" / "synthetic.parquet", b"copied in place, never finished")
    root.write_bytes(versions / "notes.txt", b"a stray file is not a version folder")
    other = publish.staging_folder(root, "other") / "x-1"
    root.write_bytes(other / "synthetic.parquet", b"another dataset's")

    removed = publish.clean_interrupted_publications(root, "adult")

    assert sorted(removed) == [
        "published/adult/.staging/v-2-0a1b2c3d",
        "published/adult/.staging/v-3-4e5f6a7b",
        "published/adult/versions/v-0",
    ]
    assert _files(tmp_path / "published") == {
        "adult",
        "adult/champion.json",
        "adult/versions",
        "adult/versions/notes.txt",
        "adult/versions/v-1",
        "adult/versions/v-1/synthetic.parquet",
        "adult/versions/v-1/publication.json",
        "other",
        "other/.staging",
        "other/.staging/x-1",
        "other/.staging/x-1/synthetic.parquet",
    }
    assert publish.read_champion(root, "adult") == complete
    assert publish.clean_interrupted_publications(root, "adult") == []


def test_cleaning_an_empty_or_tidy_zone_removes_nothing(root, tmp_path):
    assert publish.clean_interrupted_publications(root, "adult") == []
    _publish_folder(root, _publication("v-1", "2026-11-01T00:00:00+00:00"))
    assert publish.clean_interrupted_publications(root, "adult") == []
    assert (tmp_path / "published/adult/versions/v-1/publication.json").exists()


def test_cleaning_only_versions_keeps_the_complete_ones(root, tmp_path):
    """No staging folder, an unfinished version folder: only that goes."""
    _publish_folder(root, _publication("v-1", "2026-11-01T00:00:00+00:00"))
    root.write_bytes(publish.versions_folder(root, "adult") / "v-2" / "synthetic.parquet", b"half")
    assert publish.clean_interrupted_publications(root, "adult") == ["published/adult/versions/v-2"]
    assert _files(tmp_path / "published/adult/versions") == {"v-1", "v-1/synthetic.parquet", "v-1/publication.json"}


def test_cleaning_only_staging(root, tmp_path):
    root.write_bytes(publish.staging_folder(root, "adult") / "v-1-00000000" / "synthetic.parquet", b"half")
    assert publish.clean_interrupted_publications(root, "adult") == ["published/adult/.staging/v-1-00000000"]
    assert _files(tmp_path / "published") == {"adult"}


def _generator(**overrides) -> GeneratorManifest:
    fields = dict(
        dataset="adult", version="20261124T061200Z-abc", path="generators/adult/g.pkl", sha256="g" * 64,
        engine="sdv", model="gaussian_copula", params={}, seed=0, config_hash="cfg",
        library_versions={"sdv": "1.2.3", "numpy": "2.0.0"},
        environment=GeneratorEnvironment(name="sdv", python="3.12.1", lock_sha256="l"), code_version="c",
        snapshot_hash="s", fit_seconds=1.0, fit_cpu_seconds=1.0, peak_memory_mb=1.0,
        epsilon=None, delta=None, epsilon_spent_total=None, reference_profile_path="p",
    )
    return GeneratorManifest(**(fields | overrides))


def test_lineage_tags_trace_a_version_to_its_inputs_and_code(adult_spec):
    snapshot = SimpleNamespace(snapshot_hash="snap-1")
    tags = publish.lineage_tags("adult", adult_spec, snapshot, _generator(), "dagster-run-7")
    assert tags == {
        "dataset": "adult",
        "dagster_run_id": "dagster-run-7",
        "dataset_version": "20261124T061200Z-abc",
        "snapshot_hash": "snap-1",
        "catalog_hash": config_hash(adult_spec.model_dump()),
        "generator": "sdv/gaussian_copula",
        "generator_sha256": "g" * 64,
        "generator_config_hash": "cfg",
        "engine_environment": "sdv",
        "engine_library.sdv": "1.2.3",
        "engine_library.numpy": "2.0.0",
        "code_version": code_version(),
        "trained_on_restricted_data": "true",
        "differentially_private": "false",
    }
    assert tags["catalog_hash"] != config_hash(None)


def test_lineage_tags_of_a_differentially_private_fit(adult_spec):
    snapshot = SimpleNamespace(snapshot_hash="snap-1")
    tags = publish.lineage_tags("adult", adult_spec, snapshot, _generator(epsilon=1.5, delta=1e-5, epsilon_spent_total=4.0), "r")
    assert tags["differentially_private"] == "true"
    assert (tags["dp_epsilon"], tags["dp_delta"], tags["dp_epsilon_spent_total"]) == ("1.5", "1e-05", "4")
    no_delta = publish.lineage_tags("adult", adult_spec, snapshot, _generator(epsilon=2.0, epsilon_spent_total=2.0), "r")
    assert (no_delta["dp_epsilon"], no_delta["dp_delta"], no_delta["dp_epsilon_spent_total"]) == ("2", "plugin default", "2")
