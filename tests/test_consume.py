"""The consumer API (synth_assets/consume.py), as an ML engineer calls it against a real MLflow store:
the champion's rows hash-verified, written to Parquet, fresh samples within the certified limit, and
a clear refusal for anything that is not a served, intact champion.
"""

import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from synth_assets import consume
from synth_assets.manifests import manifest_path
from synth_assets.publish.limits import SampleLimitError
from synth_assets.sources.bundled import load_bundled
from synth_assets.stages.challenger import register_challenger
from synth_assets.storage import IntegrityError, frame_hash
from tests.candidate import DATASET, Zone, unmutated_engine_children

VERSION, FAILED_VERSION = "20261124T080000Z-11111111", "20261124T090000Z-22222222"


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Zone:
    """A champion of `adult` published into a real SQLite store, and a challenger beside it."""
    rows = load_bundled("adult").sample(n=800, random_state=2).reset_index(drop=True)
    zone = Zone.create(tmp_path_factory.mktemp("consume"), rows)
    zone.publication = zone.publish(zone.candidate(VERSION))
    failed = zone.candidate(FAILED_VERSION, copies=0.03)
    # What the regenerate job's manifests hold after its validation failed, as the challenger job reads them.
    for stage, manifest in (("generator", failed.generator), ("real_snapshot", failed.snapshot), ("synthetic_dataset", failed.synthetic), ("validation", failed.validation)):
        zone.root.write_bytes(manifest_path(zone.root, [DATASET, stage]), manifest.model_dump_json().encode())
    register_challenger(DATASET, zone.spec, zone.root, run_id="2222222200", tracking_uri=zone.tracking_uri, artifact_root=zone.artifact_root)
    return zone


def _published_rows(zone: Zone) -> pd.DataFrame:
    return zone.root.read_frame(zone.root.resolve(zone.publication.published_path))


def _artifact(zone: Zone) -> Path:
    run = zone.client().get_run(zone.publication.mlflow_run_id)
    return Path(run.info.artifact_uri.removeprefix("file://")) / "release" / "synthetic.parquet"


def test_load_synthetic_returns_the_champion_rows(zone):
    frame = consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)
    pd.testing.assert_frame_equal(frame, _published_rows(zone))
    assert frame_hash(frame) == zone.publication.content_hash and len(frame) == 200


def test_the_store_comes_from_the_environment_when_no_uri_is_given(zone, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", zone.tracking_uri)
    assert frame_hash(consume.load_synthetic(DATASET)) == zone.publication.content_hash


def test_pull_writes_the_rows_and_says_what_it_wrote(zone, tmp_path):
    output = tmp_path / "out" / "nightly" / "adult.parquet"
    written = consume.pull(DATASET, output=output, tracking_uri=zone.tracking_uri)
    assert written == {
        "dataset": DATASET,
        "alias": "champion",
        "model_version": "1",
        "dataset_version": VERSION,
        "path": str(output.resolve()),
        "rows": 200,
        "content_hash": zone.publication.content_hash,
    }
    pd.testing.assert_frame_equal(pd.read_parquet(output), _published_rows(zone))
    assert pq.read_schema(output).names == list(_published_rows(zone).columns)  # no index column


def test_pull_names_the_file_after_the_model_version_without_a_dataset_version(zone, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    client = zone.client()
    client.delete_model_version_tag("adult-generator", "1", "dataset_version")
    try:
        written = consume.pull(DATASET, tracking_uri=zone.tracking_uri)
    finally:
        client.set_model_version_tag("adult-generator", "1", "dataset_version", VERSION)
    assert written["path"] == str(tmp_path / "adult-1.parquet") and written["dataset_version"] is None


def test_loading_leaves_no_copy_of_the_rows_behind(zone, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where every temporary folder goes
    consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)
    assert list(scratch.iterdir()) == []


def test_pull_names_the_file_after_the_dataset_version_by_default(zone, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    written = consume.pull(DATASET, tracking_uri=zone.tracking_uri)
    assert written["path"] == str(tmp_path / f"adult-{VERSION}.parquet")
    assert frame_hash(pd.read_parquet(written["path"])) == zone.publication.content_hash


def test_sample_draws_fresh_rows_from_the_champion_generator_reproducibly(zone):
    with unmutated_engine_children():
        first = consume.sample(DATASET, 40, seed=1, tracking_uri=zone.tracking_uri)
        again = consume.sample(DATASET, 40, seed=1, tracking_uri=zone.tracking_uri)
        other = consume.sample(DATASET, 40, seed=2, tracking_uri=zone.tracking_uri)
    assert len(first) == 40 and list(first.columns) == list(_published_rows(zone).columns)
    pd.testing.assert_frame_equal(first, again)
    assert frame_hash(first) != frame_hash(other)
    # The replay control draws from the rows it was given: every sampled row is one of them.
    replayed = pd.read_parquet(zone.folder / "replayed.parquet")
    assert first.merge(replayed.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both").all()


def test_sample_refuses_more_rows_than_the_gates_saw(zone):
    with pytest.raises(SampleLimitError, match="151 rows requested, but this generator's privacy gates were run on 150 rows"):
        consume.sample(DATASET, 151, tracking_uri=zone.tracking_uri)


def test_a_challenger_is_never_served(zone):
    assert str(zone.client().get_model_version_by_alias("adult-generator", "challenger").version) == "2"
    for call in (consume.load_synthetic, consume.pull):
        with pytest.raises(consume.NotPublished, match=r"adult-generator@challenger failed its gates: .* never served"):
            call(DATASET, alias="challenger", tracking_uri=zone.tracking_uri)
    with pytest.raises(consume.NotPublished, match="never served"):
        consume.sample(DATASET, 10, alias="challenger", tracking_uri=zone.tracking_uri)


def test_an_alias_on_a_version_that_failed_its_gates_is_not_served(zone):
    """Someone points `staging` at the challenger by hand: it is still the challenger's version."""
    zone.client().set_registered_model_alias("adult-generator", "staging", "2")
    with pytest.raises(consume.NotPublished, match=r"adult-generator@staging failed its gates"):
        consume.load_synthetic(DATASET, alias="staging", tracking_uri=zone.tracking_uri)


@pytest.mark.parametrize("dataset", ["adult", "unknown"])
def test_nothing_under_the_name_or_alias_is_not_published(zone, dataset):
    alias = "nightly" if dataset == "adult" else "champion"
    with pytest.raises(consume.NotPublished, match=rf"{dataset}-generator has no version with alias '{alias}' in {zone.tracking_uri}"):
        consume.load_synthetic(dataset, alias=alias, tracking_uri=zone.tracking_uri)


def test_an_empty_store_is_not_created_by_asking(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(consume.NotPublished, match="has no version with alias 'champion'"):
        consume.load_synthetic(DATASET, tracking_uri=uri)
    assert not (tmp_path / "mlflow.db").exists()


def test_rows_changed_in_mlflow_are_refused(zone):
    artifact = _artifact(zone)
    original = artifact.read_bytes()
    changed = _published_rows(zone)
    changed.iloc[0, 0] = changed.iloc[1, 0] if changed.iloc[0, 0] != changed.iloc[1, 0] else changed.iloc[2, 0]
    try:
        changed.to_parquet(artifact, index=False)
        with pytest.raises(IntegrityError, match=r"adult-generator v1 do not match the content hash recorded at publication"):
            consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)
        artifact.write_bytes(original[:100])
        with pytest.raises(IntegrityError, match=r"adult-generator v1 in MLflow cannot be read \(ArrowInvalid: .*truncated or corrupt\)"):
            consume.pull(DATASET, output=artifact.parent / "never.parquet", tracking_uri=zone.tracking_uri)
        assert not (artifact.parent / "never.parquet").exists()
    finally:
        artifact.write_bytes(original)
    assert frame_hash(consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)) == zone.publication.content_hash


def test_a_run_without_its_recorded_hash_is_refused(zone):
    client = zone.client()
    run_id = zone.publication.mlflow_run_id
    client.delete_tag(run_id, "synthetic_content_hash")
    try:
        with pytest.raises(IntegrityError, match="do not match the content hash recorded at publication"):
            consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)
    finally:
        client.set_tag(run_id, "synthetic_content_hash", zone.publication.content_hash)
    assert frame_hash(consume.load_synthetic(DATASET, tracking_uri=zone.tracking_uri)) == zone.publication.content_hash
