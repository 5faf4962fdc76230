"""`publish_candidate` on a real candidate, a real MLflow store (SQLite) and real files: what a
published version holds, what MLflow records and serves, what the pointer and the history say, and
that every refusal or failure leaves the published zone, the alias and the history as they were.

The candidate comes from the real stages on 800 rows of Adult (tests/candidate.py; only the report
metrics are chosen), so a publication takes about a second and these tests can run per mutant.
"""

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from synth_assets import consume
from synth_assets.history import history
from synth_assets.manifests import PublicationManifest
from synth_assets.publish.limits import SampleLimitError
from synth_assets.publish.mlflow_registry import tracking
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.publish import (
    GateFailure,
    champion_path,
    lineage_tags,
    read_champion,
    staging_folder,
    versions_folder,
)
from synth_assets.storage import IntegrityError
from tests.candidate import DATASET, NOTHING_PUBLISHED, Zone, unmutated_engine_children
from tests.conftest import champion_pointer_unwritable

FIRST, SECOND, THIRD = "20261124T080000Z-11111111", "20261124T090000Z-22222222", "20261124T100000Z-33333333"
RELEASE = {"synthetic.parquet", "schema.json", "validation.json", "validation.md", "validation.html", "transfer.json", "transfer.md", "transfer.html"}
DATASHEET = {"datasheet.json", "datasheet.md", "datasheet.html"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A zone holding two candidates of different rows (built once: a test copies the zone and
    publishes its own)."""
    rows = load_bundled("adult").sample(n=800, random_state=1).reset_index(drop=True)
    zone = Zone.create(tmp_path_factory.mktemp("prepared"), rows)
    return zone, zone.candidate(FIRST), zone.candidate(SECOND, seed=6, quality=0.85)


@pytest.fixture
def zone(prepared, tmp_path) -> Zone:
    return prepared[0].copy(tmp_path / "zone")


@pytest.fixture
def first(prepared):
    return prepared[1]


@pytest.fixture
def second(prepared):
    return prepared[2]


@pytest.fixture
def published(prepared, zone, tmp_path, monkeypatch):
    """Two versions published one after the other: the second is the champion. The working
    directory is an empty folder, which must stay empty (MLflow's default store lives there)."""
    _, first, second = prepared
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    zone.publish(first, run_id="run-1")
    started = datetime.now(UTC).replace(microsecond=0)
    manifest = zone.publish(second, run_id="run-2")
    return zone, first, second, manifest, started


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_version_folder_holds_the_release_the_datasheet_and_their_hashes(published):
    zone, _, second, manifest, _ = published
    folder = Path(versions_folder(zone.root, DATASET) / SECOND)
    assert {p.name for p in folder.iterdir()} == RELEASE | DATASHEET | {"publication.json"}
    assert manifest.files == {name: _sha256(folder / name) for name in RELEASE | DATASHEET}
    candidate = Path(zone.root.resolve(second.synthetic.path)).parent
    for name in RELEASE - {"schema.json"}:
        assert (folder / name).read_bytes() == (candidate / name).read_bytes(), name
    schema = (folder / "schema.json").read_text()
    assert json.loads(schema) == second.snapshot.schema_contract.model_dump(mode="json")
    assert schema.splitlines()[1].startswith('  "') and not schema.splitlines()[1].startswith('   ')  # for people to read
    assert PublicationManifest.load(folder / "publication.json") == manifest
    assert not Path(staging_folder(zone.root, DATASET)).exists()
    assert sorted(p.name for p in Path(versions_folder(zone.root, DATASET)).iterdir()) == [FIRST, SECOND]


def test_publishing_talks_to_no_store_but_the_configured_one(published, tmp_path):
    assert list((tmp_path / "cwd").iterdir()) == []


def test_the_publication_manifest_says_what_was_published_and_where(published):
    zone, _, second, manifest, started = published
    run = zone.client().get_run(manifest.mlflow_run_id)
    assert manifest.dataset == DATASET and manifest.version == SECOND
    assert manifest.published_path == f"published/{DATASET}/versions/{SECOND}/synthetic.parquet"
    assert (manifest.content_hash, manifest.n_rows) == (second.synthetic.content_hash, 200)
    assert manifest.gates == second.validation.gates + second.transfer.gates
    assert [g.check_name for g in manifest.gates] == ["fidelity_quality_score", "privacy_exact_copy_excess", "transfer_transfer_ratio"]
    assert started <= datetime.fromisoformat(manifest.published_at) <= datetime.now(UTC)
    assert (manifest.mlflow_tracking_uri, manifest.registered_model, manifest.model_version) == (zone.tracking_uri, "adult-generator", "2")
    assert run.data.tags["dataset_version"] == SECOND and manifest.mlflow_experiment_id == run.info.experiment_id
    assert manifest.schema_contract == second.snapshot.schema_contract
    assert (manifest.snapshot_hash, manifest.reference_profile_path) == (second.snapshot.snapshot_hash, second.generator.reference_profile_path)
    assert manifest.generator == "replay/rows"
    assert read_champion(zone.root, DATASET) == manifest
    assert json.loads(Path(champion_path(zone.root, DATASET)).read_bytes()) == json.loads(manifest.model_dump_json())


def test_the_mlflow_run_carries_lineage_metrics_and_the_release(published, tmp_path):
    zone, _, second, manifest, _ = published
    client = zone.client()
    run = client.get_run(manifest.mlflow_run_id)
    expected_tags = lineage_tags(DATASET, second.spec, second.snapshot, second.generator, "run-2") | {
        "synthetic_content_hash": second.synthetic.content_hash,
        "status": "champion",
        "published_path": str(versions_folder(zone.root, DATASET) / SECOND / "synthetic.parquet"),
    }
    assert {k: run.data.tags.get(k) for k in expected_tags} == expected_tags
    assert run.data.metrics == {"fidelity.quality_score": 0.85, "privacy.exact_copy_excess": 0.0, "transfer.transfer_ratio": 0.8}
    assert run.data.params["time_budget_s"] == "600" and run.data.params["memory_limit_gb"] == "2.0"
    logged = {Path(f.path).name for f in client.list_artifacts(run.info.run_id, "release")}
    assert logged == RELEASE | DATASHEET
    folder = Path(versions_folder(zone.root, DATASET) / SECOND)
    for name in logged:  # MLflow keeps the same bytes as the published zone
        assert Path(client.download_artifacts(run.info.run_id, f"release/{name}", str(tmp_path))).read_bytes() == (folder / name).read_bytes(), name
    assert run.info.run_name == "champion · adult 20261124-0900 · replay/rows"
    assert run.data.tags["mlflow.note.content"].startswith("Champion candidate: published as `adult-generator@champion`")
    assert "\n\nGates: all 3 passed.\n\n" in run.data.tags["mlflow.note.content"]
    inputs = run.inputs.dataset_inputs
    assert [i.dataset.name for i in inputs] == ["adult-synthetic"] and inputs[0].dataset.digest
    assert json.loads(inputs[0].dataset.source)["uri"] == str(folder / "synthetic.parquet")


def test_the_datasheet_names_the_published_version_in_mlflow(published):
    zone, _, _, manifest, _ = published
    folder = Path(versions_folder(zone.root, DATASET) / SECOND)
    text = (folder / "datasheet.json").read_text()
    sheet = json.loads(text)
    assert text.splitlines()[1].startswith('  "') and not text.splitlines()[1].startswith('   ')  # for people to read
    assert sheet["status"] == "published: every gate passed"
    distribution = sheet["distribution"]
    assert (distribution["mlflow_tracking_uri"], distribution["mlflow_run_id"], distribution["model_version"]) == (
        zone.tracking_uri, manifest.mlflow_run_id, "2",
    )
    assert distribution["published_path"] == str(folder)
    markdown = (folder / "datasheet.md").read_text()
    assert manifest.mlflow_run_id in markdown and "published: every gate passed" in markdown
    html = (folder / "datasheet.html").read_text()
    assert f"<title>Datasheet: {DATASET} {SECOND}</title>" in html and manifest.mlflow_run_id in html


def test_the_champion_alias_serves_the_published_rows_and_generator(published):
    zone, _, second, manifest, _ = published
    name = "adult-generator"
    version = zone.client().get_model_version_by_alias(name, "champion")
    assert str(version.version) == "2" and version.run_id == manifest.mlflow_run_id
    assert version.tags == {
        "trained_on_restricted_data": "true",
        "dataset_version": SECOND,
        "gates_passed": "true",
        "gate.fidelity_quality_score": "0.85",
        "gate.privacy_exact_copy_excess": "0",
        "gate.transfer_transfer_ratio": "0.8",
    }
    frame = consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)
    pd.testing.assert_frame_equal(frame, zone.root.read_frame(zone.root.resolve(manifest.published_path)))
    assert frame["email"].str.contains("@").all() and not frame["email"].str.endswith("@clinic.invalid").any()  # faked, not the real ones
    with tracking(zone.tracking_uri):
        signature = mlflow.models.get_model_info(f"models:/{name}/2").signature
    assert signature.outputs.input_names() == list(frame.columns)
    assert {c.name: c.type.name for c in signature.outputs.inputs}["email"] == "string"
    # The registered generator is the fitted one (its bytes and sha256), with the certified limits.
    with unmutated_engine_children():
        sampled = consume.sample(DATASET, n_rows=150, seed=second.synthetic.sample_seed, tracking_uri=zone.tracking_uri)
    assert len(sampled) == 150 and list(sampled.columns) == list(frame.columns)
    with pytest.raises(SampleLimitError, match="151 rows requested, but this generator's privacy gates were run on 150 rows"):
        consume.sample(DATASET, n_rows=151, tracking_uri=zone.tracking_uri)


def test_without_a_catalog_limit_one_call_serves_at_most_the_certified_rows(zone, first):
    unlimited = dataclasses.replace(first, spec=first.spec.model_copy(update={"max_sample_rows": None}))
    zone.publish(unlimited)
    with pytest.raises(SampleLimitError, match="201 rows requested, but this generator's privacy gates were run on 200 rows"):
        consume.sample(DATASET, n_rows=201, tracking_uri=zone.tracking_uri)


def test_each_published_version_is_recorded_as_champion_in_the_history(published):
    zone, first, second, manifest, _ = published
    entries = history(zone.root, DATASET)
    assert [(e.version, e.status, e.model_version) for e in entries] == [(FIRST, "champion", "1"), (SECOND, "champion", "2")]
    assert entries[1].mlflow_run_id == manifest.mlflow_run_id and entries[1].gates == manifest.gates
    assert entries[0].gates == first.validation.gates + first.transfer.gates


@pytest.mark.parametrize(
    ("metrics", "failed"),
    [
        ({"copies": 0.02}, "privacy_exact_copy_excess"),
        ({"quality": 0.5}, "fidelity_quality_score"),
        ({"transfer": 0.3}, "transfer_transfer_ratio"),
    ],
)
def test_a_candidate_that_failed_a_gate_is_not_published(zone, metrics, failed, first):
    zone.publish(first)
    before = zone.state()
    with pytest.raises(GateFailure, match=rf"dataset 'adult' version {THIRD} failed gates \['{failed}'\]: not published"):
        zone.publish(zone.candidate(THIRD, **metrics))
    assert zone.state() == before
    assert len(zone.runs()) == 1


@pytest.mark.parametrize("stage", ["validation", "transfer", "datasheet", "generator"])
def test_reports_of_another_version_are_refused(zone, stage, first, second):
    candidate, other = first, second
    mixed = candidate.__class__(**{**candidate.__dict__, stage: getattr(other, stage)})
    with pytest.raises(GateFailure, match=rf"do not belong to synthetic version {FIRST} \(found versions \['{FIRST}', '{SECOND}'\]\)"):
        zone.publish(mixed)
    assert zone.state() == NOTHING_PUBLISHED
    assert zone.runs() == []


def test_a_validation_of_other_rows_is_refused(zone, first):
    candidate = first
    other_rows = candidate.validation.model_copy(update={"synthetic_hash": "0" * 64})
    with pytest.raises(GateFailure, match="the reports do not belong to synthetic version"):
        zone.publish(candidate.__class__(**{**candidate.__dict__, "validation": other_rows}))
    assert zone.state() == NOTHING_PUBLISHED


def test_a_version_is_published_once(zone, first):
    candidate = first
    zone.publish(candidate)
    before = zone.state()
    with pytest.raises(GateFailure, match=rf"version {FIRST} is already published at .*{FIRST}"):
        zone.publish(candidate)
    assert zone.state() == before


@pytest.mark.parametrize("tampered", ["generator", "synthetic"])
def test_a_tampered_input_stops_the_publication_before_anything_is_written(zone, tampered, first):
    candidate = first
    path = Path(zone.root.resolve(getattr(candidate, tampered).path))
    path.write_bytes(path.read_bytes()[:-8] + b"tampered")
    with pytest.raises(IntegrityError, match="does not match"):
        zone.publish(candidate)
    assert zone.state() == NOTHING_PUBLISHED
    assert zone.runs() == []


def test_an_interrupted_publication_is_cleaned_up_before_publishing(zone, first, second):
    zone.publish(first)
    versions, staging = Path(versions_folder(zone.root, DATASET)), Path(staging_folder(zone.root, DATASET))
    (versions / "20260101T000000Z-deadbeef").mkdir()
    (versions / "20260101T000000Z-deadbeef" / "synthetic.parquet").write_bytes(b"half")
    (staging / "20260101T000000Z-deadbeef-0a1b2c3d").mkdir(parents=True)
    zone.publish(second)
    assert sorted(p.name for p in versions.iterdir()) == [FIRST, SECOND]
    assert not staging.exists()


def test_mlflow_failing_midway_leaves_no_staging_and_no_version(zone, first):
    """MLflow cannot store the artifacts after the release files were staged: nothing is published."""
    (zone.folder / "not-a-folder").write_text("a file where the artifact store should be")
    zone.artifact_root = (zone.folder / "not-a-folder" / "artifacts").as_uri()
    with pytest.raises(OSError):
        zone.publish(first)
    assert zone.state() == NOTHING_PUBLISHED
    assert not Path(staging_folder(zone.root, DATASET)).exists()


def test_a_pointer_that_cannot_be_written_keeps_the_previous_champion_everywhere(zone, first, second):
    """The alias has moved when `champion.json` fails: the alias moves back, the folder goes."""
    zone.publish(first)
    before = zone.state()
    with champion_pointer_unwritable(), pytest.raises(OSError, match="No space left on device"):
        zone.publish(second)
    assert zone.state() == before  # alias on version 1, champion.json and the folders as they were
    assert zone.client().get_model_version("adult-generator", "2").tags.get("gates_passed") == "true"  # logged, never served


def test_the_pointer_failure_is_what_surfaces_when_mlflow_also_fails_to_roll_back(zone, first, second):
    """The store disappears between moving the alias and writing `champion.json`: the rollback of the
    alias fails too, and the error reported is the pointer's (the first failure), not MLflow's."""
    zone.publish(first)
    store = zone.folder / "mlflow.db"
    with champion_pointer_unwritable(lambda: store.rename(store.with_suffix(".away"))):
        with pytest.raises(OSError, match="No space left on device"):
            zone.publish(second)
    store.with_suffix(".away").rename(store)
    assert read_champion(zone.root, DATASET).version == FIRST
    assert sorted(p.name for p in Path(versions_folder(zone.root, DATASET)).iterdir()) == [FIRST]
    # what cannot be undone without MLflow: the alias stays on the new model version
    assert zone.state()["alias"] == "2"


def test_a_failed_first_publication_leaves_no_alias(zone, first):
    with champion_pointer_unwritable(), pytest.raises(OSError):
        zone.publish(first)
    assert zone.state() == NOTHING_PUBLISHED
