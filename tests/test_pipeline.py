"""The whole chain on a small sample of real data: gates, publication, champion, reproducibility.

The runs build on each other (a passing run, a second passing run, a memorising generator), so
they share one home and run in order.
"""

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from synth_assets import cli, settings
from synth_assets.consume import NotPublished, load_synthetic, sample
from synth_assets.history import history
from synth_assets.publish.limits import SampleLimitError
from synth_assets.publish.mlflow_registry import tracking
from synth_assets.stages.generate import sample_generator
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot, IntegrityError, frame_hash
from tests.conftest import check_results, dataset_entry, isolate_home, run_regenerate, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory, adult_sample):
    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("pipeline")
    isolate_home(monkeypatch, root / "home")
    source = write_sqlite(root / "source.sqlite", adult_sample)
    catalogs = {
        "copula": write_catalog(root / "copula.yaml", {"adult": dataset_entry(source)}),
        # synthcity's dummy_sampler resamples training rows: a generator that memorises
        "memoriser": write_catalog(
            root / "memoriser.yaml",
            {"adult": dataset_entry(source, generator={"engine": "synthcity", "model": "dummy_sampler"})},
        ),
    }
    yield root / "home", catalogs
    monkeypatch.undo()


@pytest.fixture(scope="module")
def first_run(pipeline_home):
    home, catalogs = pipeline_home
    return run_regenerate(catalogs["copula"], "adult")


@pytest.fixture(scope="module")
def second_run(pipeline_home, first_run):
    home, catalogs = pipeline_home
    return run_regenerate(catalogs["copula"], "adult")


@pytest.fixture(scope="module")
def memoriser_run(pipeline_home, second_run):
    home, catalogs = pipeline_home
    return run_regenerate(catalogs["memoriser"], "adult")


def _manifest(result, stage: str):
    return result.asset_value(["adult", stage])


def test_the_full_graph_materializes_and_publishes(first_run, pipeline_home):
    home, _ = pipeline_home
    assert first_run.success
    materialized = {event.asset_key.path[-1] for event in first_run.get_asset_materialization_events()}
    assert materialized == {
        "drift_report", "real_snapshot", "generator", "synthetic_dataset", "validation", "transfer_metrics", "datasheet",
        "publication", "quality_history",
    }
    snapshot = _manifest(first_run, "real_snapshot")
    assert (snapshot.n_train, snapshot.n_holdout) == (1800, 600)
    publication = _manifest(first_run, "publication")
    root = DataRoot(str(home))
    published = root.read_frame(root.resolve(publication.published_path), expected_hash=publication.content_hash)
    assert len(published) == 1200
    assert list(published.columns) == list(snapshot.schema_contract.names)
    assert read_champion(root, "adult").version == publication.version


def test_gaussian_copula_passes_every_gate_with_sensible_values(first_run):
    checks = check_results(first_run)
    assert {"fidelity_quality_score", "privacy_exact_copy_excess", "privacy_dcr_share", "transfer_transfer_ratio"} <= set(checks)
    assert all(c.passed for c in checks.values()), [n for n, c in checks.items() if not c.passed]
    validation = _manifest(first_run, "validation")
    assert 0.75 <= validation.metrics["fidelity.quality_score"] <= 0.95
    assert validation.metrics["privacy.exact_copy_rate"] <= 0.01
    assert 0.4 <= validation.metrics["privacy.dcr_share"] <= 0.6
    transfer = _manifest(first_run, "transfer_metrics")
    assert 0.8 <= transfer.metrics["transfer.trtr_roc_auc"] <= 0.95
    assert 0.5 < transfer.metrics["transfer.transfer_ratio"] <= 1.05


def test_the_same_seed_gives_the_same_content_hash(first_run, second_run, pipeline_home):
    home, _ = pipeline_home
    first, second = _manifest(first_run, "synthetic_dataset"), _manifest(second_run, "synthetic_dataset")
    assert first.version != second.version
    assert first.content_hash == second.content_hash
    assert _manifest(first_run, "real_snapshot").snapshot_hash == _manifest(second_run, "real_snapshot").snapshot_hash
    root = DataRoot(str(home))
    assert frame_hash(root.read_frame(root.resolve(second.path))) == first.content_hash


def test_the_champion_alias_moves_to_the_new_version(first_run, second_run):
    client = MlflowClient(settings.mlflow_tracking_uri())
    champion = client.get_model_version_by_alias("adult-generator", "champion")
    assert str(champion.version) == _manifest(second_run, "publication").model_version == "2"
    assert _manifest(first_run, "publication").model_version == "1"
    assert champion.tags["trained_on_restricted_data"] == "true"
    assert champion.tags["dataset_version"] == _manifest(second_run, "synthetic_dataset").version
    run = client.get_run(champion.run_id)
    assert run.data.tags["dagster_run_id"] == second_run.run_id
    assert run.data.tags["snapshot_hash"] == _manifest(second_run, "real_snapshot").snapshot_hash
    assert run.data.metrics["privacy.dcr_share"] == pytest.approx(_manifest(second_run, "validation").metrics["privacy.dcr_share"])


def test_the_registered_generator_samples_rows_with_a_seed(second_run):
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri())
    try:
        model = mlflow.pyfunc.load_model("models:/adult-generator@champion")
    finally:
        mlflow.set_tracking_uri(None)
    rows = model.predict(pd.DataFrame({"n_rows": [50], "seed": [3]}))
    again = model.predict(pd.DataFrame({"n_rows": [50], "seed": [3]}))
    other = model.predict(pd.DataFrame({"n_rows": [50], "seed": [4]}))
    assert len(rows) == 50 and list(rows.columns) == list(_manifest(second_run, "real_snapshot").schema_contract.names)
    assert frame_hash(rows) == frame_hash(again) != frame_hash(other)
    # The privacy gates saw the published rows (1,200): one call may not draw more than that.
    certified = _manifest(second_run, "synthetic_dataset").n_rows
    with pytest.raises(SampleLimitError, match=f"{certified + 1:,} rows requested"):
        model.predict(pd.DataFrame({"n_rows": [certified + 1]}))


def test_a_memorising_generator_fails_the_gates_and_is_not_published(memoriser_run, second_run, pipeline_home):
    home, _ = pipeline_home
    assert not memoriser_run.success
    checks = check_results(memoriser_run)
    assert not checks["privacy_exact_copy_excess"].passed
    assert not checks["privacy_dcr_share"].passed
    validation = _manifest(memoriser_run, "validation")
    assert validation.metrics["privacy.exact_copy_rate"] > 0.9
    assert validation.metrics["privacy.dcr_share"] > 0.9
    materialized = {event.asset_key.path[-1] for event in memoriser_run.get_asset_materialization_events()}
    assert "publication" not in materialized and "datasheet" not in materialized
    # the previous champion stays everywhere
    root = DataRoot(str(home))
    assert read_champion(root, "adult").version == _manifest(second_run, "publication").version
    client = MlflowClient(settings.mlflow_tracking_uri())
    assert str(client.get_model_version_by_alias("adult-generator", "champion").version) == "2"
    assert not root.path("published", "adult", "versions", validation.version).exists()


def test_a_failed_candidate_is_kept_as_a_challenger_without_data(memoriser_run, pipeline_home, tmp_path):
    home, _ = pipeline_home
    client = MlflowClient(settings.mlflow_tracking_uri())
    challenger = client.get_model_version_by_alias("adult-generator", "challenger")
    assert str(challenger.version) == "3"
    assert challenger.tags["gates_passed"] == "false"
    assert "privacy_exact_copy_excess" in challenger.tags["failed_gates"]
    run = client.get_run(challenger.run_id)
    artifacts = {a.path for a in client.list_artifacts(challenger.run_id, "release")}
    assert "release/validation.json" in artifacts and "release/synthetic.parquet" not in artifacts
    assert not run.inputs.dataset_inputs  # rows that failed a privacy gate are never logged
    with tracking(settings.mlflow_tracking_uri()):
        model_folder = Path(mlflow.artifacts.download_artifacts(challenger.source, dst_path=str(tmp_path)))
    assert not list(model_folder.rglob("*.pkl")) or all(p.name == "python_model.pkl" for p in model_folder.rglob("*.pkl"))
    assert "restricted_location" in (model_folder / "MLmodel").read_text()
    assert run.data.tags["status"] == "challenger"
    entries = history(DataRoot(str(home)), "adult")
    assert [e.status for e in entries] == ["champion", "champion", "challenger"]
    with pytest.raises(NotPublished, match="never served"):
        load_synthetic("adult", alias="challenger")


def test_consumers_get_the_champion_hash_verified(second_run, memoriser_run, tmp_path, capsys):
    publication = _manifest(second_run, "publication")
    frame = load_synthetic("adult")
    assert frame_hash(frame) == publication.content_hash and len(frame) == 1200
    assert cli.main(["pull", "adult", "-o", str(tmp_path / "adult.parquet")]) == 0
    assert "verified" in capsys.readouterr().out
    assert frame_hash(pd.read_parquet(tmp_path / "adult.parquet")) == publication.content_hash
    fresh = sample("adult", 25, seed=1)
    assert len(fresh) == 25 and frame_hash(fresh) == frame_hash(sample("adult", 25, seed=1))


def test_the_published_datasheet_names_its_model_version(second_run, pipeline_home):
    home, _ = pipeline_home
    publication = _manifest(second_run, "publication")
    folder = DataRoot(str(home)).resolve(publication.published_path).parent
    sheet = json.loads((folder / "datasheet.json").read_text())
    assert sheet["distribution"]["model_version"] == "2" and sheet["status"].startswith("published")
    assert "models:/adult-generator/2" in (folder / "datasheet.md").read_text()
    assert (folder / "datasheet.html").read_text().startswith("<!doctype html>")
    client = MlflowClient(settings.mlflow_tracking_uri())
    artifacts = {a.path for a in client.list_artifacts(publication.mlflow_run_id, "release")}
    assert {"release/datasheet.md", "release/datasheet.html", "release/datasheet.json", "release/schema.json"} <= artifacts
    run = client.get_run(publication.mlflow_run_id)
    assert {"catalog_hash", "code_version", "generator_config_hash", "library.mlflow", "engine_library.sdv"} <= set(run.data.tags)
    assert run.data.tags["engine_environment"] == "sdv"


def test_quality_history_records_every_version_and_checks_for_regressions(second_run, pipeline_home):
    home, _ = pipeline_home
    checks = check_results(second_run)
    assert checks["no_regression"].passed  # same seed, same data: identical gate values
    table = pd.read_csv(DataRoot(str(home)).path("published", "adult", "history.csv").path)
    assert len(table) >= 2 and "privacy_dcr_share" in table.columns


def test_status_reports_the_published_champion(memoriser_run, second_run, pipeline_home, capsys, monkeypatch):
    _, catalogs = pipeline_home
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalogs["copula"]))
    assert cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    adult = status["datasets"]["adult"]
    publication = _manifest(second_run, "publication")
    assert adult["published"]["version"] == publication.version
    assert adult["published"]["rows"] == 1200
    assert adult["published"]["content_hash"] == publication.content_hash
    assert {"quality_score", "exact_copy_excess", "dcr_share"} <= set(adult["gates"])
    assert all(g["passed"] for g in adult["gates"].values())
    assert adult["mlflow"] == {
        "tracking_uri": settings.mlflow_tracking_uri(),
        "registered_model": "adult-generator",
        "champion_version": "2",
        "challenger_version": "3",
    }
    assert adult["source"].startswith("sqlite:///") and "${" not in adult["source"]


def test_a_tampered_generator_is_refused(second_run, pipeline_home, tmp_path):
    home, _ = pipeline_home
    root = DataRoot(str(home))
    generator = _manifest(second_run, "generator")
    path = Path(root.resolve(generator.path).path)
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"tampered")
        with pytest.raises(IntegrityError, match="does not match its recorded hash"):
            sample_generator(generator, root, 10, seed=0)
    finally:
        path.write_bytes(original)
    with tracking(settings.mlflow_tracking_uri()):
        model_folder = Path(mlflow.artifacts.download_artifacts("models:/adult-generator@champion", dst_path=str(tmp_path)))
    [pickled] = list(model_folder.rglob("generator.pkl"))
    pickled.write_bytes(pickled.read_bytes() + b"tampered")
    with pytest.raises(IntegrityError, match="sha256 recorded when it was registered"):
        mlflow.pyfunc.load_model(str(model_folder))


def test_the_publication_card_says_what_is_served_where_and_how_to_load_it(second_run, pipeline_home):
    home, _ = pipeline_home
    [materialization] = [e for e in second_run.get_asset_materialization_events() if e.asset_key.path == ["adult", "publication"]]
    metadata = materialization.step_materialization_data.materialization.metadata
    card = metadata["status"].value
    publication = _manifest(second_run, "publication")
    assert f"Champion: version {publication.version}" in card
    assert "sdv/gaussian_copula" in card
    data = (home / publication.published_path).resolve()
    assert data.is_file() and f"`{data}`" in card and metadata["path"].value == str(data)
    assert 'load_synthetic("adult")' in card and "synth-assets pull adult" in card
    # Each gate with the evidence the validation report holds: value, interval, baseline, n.
    report = json.loads((data.parent / "validation.json").read_text())["sections"]["privacy"]["dcr_share"]
    assert f"| privacy_dcr_share | {report['value']:.4f} | [{report['ci_low']:.4f}, {report['ci_high']:.4f}] |" in card
    check = check_results(second_run)["privacy_dcr_share"].metadata
    assert (check["ci_low"].value, check["baseline"].value, check["n_samples"].value) == (report["ci_low"], report["baseline"], report["n_samples"])
    # Links open the MLflow run and model version of this publication.
    run = MlflowClient(settings.mlflow_tracking_uri()).get_run(publication.mlflow_run_id)
    assert metadata["mlflow_run"].value.endswith(f"#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}")
    assert metadata["registered_model"].value.endswith(f"#/models/adult-generator/versions/{publication.model_version}")


def test_a_failed_gate_says_not_published_in_one_sentence_and_which_champion_stays(memoriser_run, second_run):
    kept = _manifest(second_run, "publication").version
    value = _manifest(memoriser_run, "validation").metrics["privacy.exact_copy_excess"]
    [failure] = [e for e in memoriser_run.all_events if e.is_step_failure]
    assert failure.step_key == "adult__sample_and_validate"
    sentence = failure.event_specific_data.user_failure_data.description
    assert failure.event_specific_data.error.cls_name == "Failure"  # not the check framework's trace
    assert sentence.startswith("NOT PUBLISHED: ") and sentence.endswith(f"failed; champion {kept} kept")
    assert f"privacy_exact_copy_excess {value:.4f} vs <= " in sentence
    # The publication asset shows it without a new materialization.
    [observation] = [
        e.event_specific_data.asset_observation
        for e in memoriser_run.all_events
        if e.event_type_value == "ASSET_OBSERVATION" and e.event_specific_data.asset_observation.asset_key.path == ["adult", "publication"]
    ]
    assert observation.metadata["published"].value is False
    assert sentence in observation.metadata["status"].value and f"Champion: version {kept}" in observation.metadata["status"].value
    assert not check_results(memoriser_run)["every_gate_passed"].passed
