"""The whole chain on a small sample of real data: gates, publication, champion, reproducibility.

The runs build on each other (a passing run, a second passing run, a memorising generator), so
they share one home and run in order.
"""

import json

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from synth_assets import cli, settings
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot, frame_hash
from tests.conftest import check_results, dataset_entry, run_regenerate, write_catalog, write_sqlite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory, adult_sample):
    monkeypatch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("pipeline")
    monkeypatch.setenv("SYNTH_ASSETS_HOME", str(root / "home"))
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "SYNTH_ASSETS_CATALOG", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
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
        "real_snapshot", "generator", "synthetic_dataset", "validation", "transfer_metrics", "datasheet", "publication"
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
    assert {"fidelity_quality_score", "privacy_exact_copy_rate", "privacy_dcr_share"} <= set(checks)
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


def test_a_memorising_generator_fails_the_gates_and_is_not_published(memoriser_run, second_run, pipeline_home):
    home, _ = pipeline_home
    assert not memoriser_run.success
    checks = check_results(memoriser_run)
    assert not checks["privacy_exact_copy_rate"].passed
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
    assert {"quality_score", "exact_copy_rate", "dcr_share"} <= set(adult["gates"])
    assert all(g["passed"] for g in adult["gates"].values())
    assert adult["mlflow"] == {
        "tracking_uri": settings.mlflow_tracking_uri(),
        "registered_model": "adult-generator",
        "champion_version": "2",
    }
    assert adult["source"].startswith("sqlite:///") and "${" not in adult["source"]
