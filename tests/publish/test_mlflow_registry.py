"""What an ML engineer sees in MLflow: experiments that open on their runs and say how to load the
data, the generator's configuration as params, run names that tell champion from challenger, links.

Real versions are logged to a real SQLite store (no fit: the generator bytes are opaque to MLflow).
"""

import hashlib
from urllib.parse import unquote

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from synth_assets import consume, settings
from synth_assets.catalog import GeneratorSpec
from synth_assets.engines import generator_params, model_info
from synth_assets.manifests import GateOutcome, GeneratorEnvironment, GeneratorManifest
from synth_assets.publish import mlflow_registry
from synth_assets.schema import infer_schema

DATASET = "adult"
PASSED = GateOutcome(metric="transfer_ratio", section="transfer", value=0.8, threshold=0.5, bound="min", passed=True)
FAILED = GateOutcome(metric="dcr_share", section="privacy", value=0.9, threshold=0.6, bound="max", passed=False)


def generator(config: GeneratorSpec, version: str) -> mlflow_registry.Generator:
    data = f"generator {version}".encode()
    manifest = GeneratorManifest(
        dataset=DATASET,
        version=version,
        path=f"restricted/{DATASET}/generators/{version}/generator.pkl",
        sha256=hashlib.sha256(data).hexdigest(),
        engine=config.engine,
        model=config.model,
        params=generator_params(model_info(config.engine, config.model), config.params, config.epsilon, config.delta),
        seed=config.seed,
        config_hash="c" * 64,
        library_versions={},
        environment=GeneratorEnvironment(name="host", python="3.12", lock_sha256=None),
        code_version="test",
        snapshot_hash="s" * 64,
        fit_seconds=1.5,
        fit_cpu_seconds=2.0,
        peak_memory_mb=100.0,
        epsilon=config.epsilon,
        delta=config.delta,
        epsilon_spent_total=config.epsilon,
        reference_profile_path=f"restricted/{DATASET}/generators/{version}/reference_profile.json",
    )
    frame = pd.DataFrame({"age": [25, 38, 52, 61], "income": ["<=50K", ">50K", "<=50K", ">50K"]})
    return mlflow_registry.Generator(
        manifest=manifest,
        sample_seed=config.seed,
        signature=mlflow_registry.generator_signature(infer_schema(frame, target="income"), ["age", "income"], {}),
        max_sample_rows=1_000,
        data=data,
        time_budget_s=config.time_budget_s,
        memory_limit_gb=config.memory_limit_gb,
    )


CHAMPION_CONFIG = GeneratorSpec(engine="sdv", model="gaussian_copula", seed=3, time_budget_s=600, params={"numerical_distributions": {"age": "beta"}})
CHALLENGER_CONFIG = GeneratorSpec(engine="smartnoise", model="mst", epsilon=3.0, delta=1e-6, params={"bins": 8})
VERSIONS = {"champion": "20261124T061200Z-1a2b3c4d", "challenger": "20261124T061200Z-5e6f7a8b"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One champion and one challenger of `adult`, logged as the pipeline logs them."""
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    logged = {}
    for role, config, gates in (
        (mlflow_registry.CHAMPION, CHAMPION_CONFIG, (PASSED,)),
        (mlflow_registry.CHALLENGER, CHALLENGER_CONFIG, (PASSED, FAILED)),
    ):
        version = VERSIONS[role]
        logged[role] = mlflow_registry.log_version(
            tracking_uri=uri,
            artifact_root=(folder / "artifacts").as_uri(),
            dataset=DATASET,
            artifacts={"report.md": b"# report\n"},
            metrics={"transfer_ratio": 0.8},
            tags={"dataset": DATASET, "status": role, "generator": f"{config.engine}/{config.model}"},
            generator=generator(config, version),
            role=role,
            gates=gates,
        )
        mlflow_registry.promote(uri, DATASET, logged[role].model_version, role, {"dataset_version": version})
    return uri, logged, {mlflow_registry.CHAMPION: CHAMPION_CONFIG, mlflow_registry.CHALLENGER: CHALLENGER_CONFIG}


def test_the_experiment_opens_on_its_runs_and_says_how_to_load_the_data(store):
    uri, logged, _ = store
    experiment = MlflowClient(tracking_uri=uri).get_experiment_by_name(mlflow_registry.experiment_name(DATASET))
    description = experiment.tags["mlflow.note.content"]
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert f"from synth_assets.consume import {consume.load_synthetic.__name__}" in description
    assert f'{consume.load_synthetic.__name__}("{DATASET}")' in description and f"synth-assets pull {DATASET}" in description
    assert "release/datasheet.md" in description and "Synthetic" in description and "gate" in description
    assert logged[mlflow_registry.CHAMPION].experiment_id == experiment.experiment_id


def test_the_registered_model_says_how_to_load_the_data(store):
    uri, _, _ = store
    model = MlflowClient(tracking_uri=uri, registry_uri=uri).get_registered_model(mlflow_registry.registered_model_name(DATASET))
    assert f'{consume.load_synthetic.__name__}("{DATASET}")' in model.description
    assert f"synth-assets pull {DATASET}" in model.description and "models:/adult-generator@champion" in model.description


@pytest.mark.parametrize("role", [mlflow_registry.CHAMPION, mlflow_registry.CHALLENGER])
def test_the_generator_configuration_is_in_params_and_the_tags_stay(store, role):
    uri, logged, configs = store
    run = MlflowClient(tracking_uri=uri).get_run(logged[role].run_id)
    config = configs[role]
    expected = {
        "engine": config.engine,
        "model": config.model,
        "seed": str(config.seed),
        "time_budget_s": str(config.time_budget_s),
        "memory_limit_gb": str(config.memory_limit_gb),
    }
    assert {key: run.data.params[key] for key in expected} == expected
    logged_params = mlflow_registry.run_params(generator(config, VERSIONS[role]))  # the engine's params too
    assert {key: run.data.params.get(key) for key in logged_params} == logged_params
    if role == mlflow_registry.CHAMPION:
        assert run.data.params["params.numerical_distributions.age"] == "beta"
        assert "epsilon" not in run.data.params
    else:
        assert (run.data.params["params.bins"], run.data.params["epsilon"], run.data.params["delta"]) == ("8", "3.0", "1e-06")
    assert run.data.tags["generator"] == f"{config.engine}/{config.model}" and run.data.tags["status"] == role


def test_champion_and_challenger_runs_differ_in_their_first_word_and_describe_their_verdict(store):
    uri, logged, _ = store
    client = MlflowClient(tracking_uri=uri)
    runs = {role: client.get_run(found.run_id) for role, found in logged.items()}
    names = {role: run.info.run_name for role, run in runs.items()}
    assert names[mlflow_registry.CHAMPION] == "champion · adult 20261124-0612 · sdv/gaussian_copula"
    assert names[mlflow_registry.CHALLENGER].split()[0] == "challenger"
    assert all(len(name) < 60 for name in names.values())
    champion_note = runs[mlflow_registry.CHAMPION].data.tags["mlflow.note.content"]
    challenger_note = runs[mlflow_registry.CHALLENGER].data.tags["mlflow.note.content"]
    assert champion_note.startswith("Champion candidate") and "all 1 passed" in champion_note
    assert challenger_note.startswith("Challenger") and "1 of 2 failed (privacy_dcr_share)" in challenger_note
    assert "smartnoise/mst" in challenger_note and "epsilon 3" in challenger_note


def test_an_existing_experiment_is_switched_to_runs_once(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    made = client.create_experiment(mlflow_registry.experiment_name(DATASET), tags={"mlflow.experimentKind": "genai_development"})
    assert mlflow_registry._experiment_id(client, DATASET, None) == made
    assert mlflow_registry._experiment_id(client, DATASET, None) == made
    assert client.get_experiment(made).tags == mlflow_registry.experiment_tags(DATASET)


def test_params_are_flattened_into_what_mlflow_accepts():
    config = GeneratorSpec(engine="sdv", model="gaussian_copula", params={"numerical_distributions": {"a b/c?": "x" * 7000}})
    params = mlflow_registry.run_params(generator(config, "v1"))
    [(key, value)] = [(k, v) for k, v in params.items() if k.startswith("params.numerical_distributions.")]
    assert key == "params.numerical_distributions.a b/c_" and len(value) == mlflow_registry.MAX_PARAM_VALUE
    assert all(isinstance(v, str) for v in params.values())


def test_the_ui_url_follows_the_tracking_server_without_its_credentials(monkeypatch):
    monkeypatch.delenv(settings.MLFLOW_UI_ENV, raising=False)
    monkeypatch.delenv(settings.MLFLOW_ENV, raising=False)
    assert settings.mlflow_ui_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv(settings.MLFLOW_ENV, "sqlite:////tmp/mlflow.db")
    assert settings.mlflow_ui_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv(settings.MLFLOW_ENV, "https://bot:secret@mlflow.internal:5000/")
    assert settings.mlflow_ui_url() == "https://mlflow.internal:5000"
    monkeypatch.setenv(settings.MLFLOW_UI_ENV, "https://mlflow.example.com/ui/")
    assert settings.mlflow_ui_url() == "https://mlflow.example.com/ui"


def test_links_point_at_the_run_and_the_model_version(store, monkeypatch):
    uri, logged, _ = store
    monkeypatch.setenv(settings.MLFLOW_UI_ENV, "http://mlflow.test:5000")
    champion = logged[mlflow_registry.CHAMPION]
    expected = f"http://mlflow.test:5000/#/experiments/{champion.experiment_id}/runs/{champion.run_id}"
    assert mlflow_registry.run_url(champion.experiment_id, champion.run_id) == expected
    url = mlflow_registry.model_version_url("my data/v2-generator", "7")
    assert url == "http://mlflow.test:5000/#/models/my%20data%2Fv2-generator/versions/7"
    assert unquote(url.split("/#/models/")[1]) == "my data/v2-generator/versions/7"
