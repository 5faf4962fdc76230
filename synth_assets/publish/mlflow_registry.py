"""The MLflow contract: one run per published regeneration, the generator registered as a model.

Names: experiment `synth-assets/<dataset>`, registered model `<dataset>-generator`. The alias
`champion` is moved here, and only here, after every gate passed.
"""

import os
import tempfile
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema

from synth_assets import __version__
from synth_assets.publish.generator_model import GeneratorModel
from synth_assets.schema import SchemaContract

# MLflow would otherwise copy the *current directory's* uv project into every model it logs, and
# draw progress bars into the Dagster logs. Our models pin their requirements explicitly.
os.environ.setdefault("MLFLOW_UV_AUTO_DETECT", "false")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

CHAMPION = "champion"
_MLFLOW_TYPES = {"int64": "long", "float64": "double", "string": "string", "boolean": "boolean", "datetime64[ns]": "datetime"}


def experiment_name(dataset: str) -> str:
    return f"synth-assets/{dataset}"


def registered_model_name(dataset: str) -> str:
    return f"{dataset}-generator"


@contextmanager
def tracking(tracking_uri: str):
    """Point MLflow's fluent API at `tracking_uri` for the duration, then restore it exactly.

    `mlflow.set_tracking_uri` also exports `MLFLOW_TRACKING_URI`; leaving it behind would make
    every later call in this process (and its children) talk to this store.
    """
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        yield MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    finally:
        mlflow.set_tracking_uri(saved["MLFLOW_TRACKING_URI"])
        mlflow.set_registry_uri(saved["MLFLOW_REGISTRY_URI"])
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def generator_signature(schema: SchemaContract) -> ModelSignature:
    inputs = Schema([ColSpec("long", "n_rows"), ColSpec("long", "seed", required=False)])
    outputs = Schema([ColSpec(_MLFLOW_TYPES[c.dtype], c.name, required=not c.nullable) for c in schema.columns])
    return ModelSignature(inputs=inputs, outputs=outputs)


def log_release(
    *,
    tracking_uri: str,
    artifact_root: str | None,
    dataset: str,
    run_name: str,
    artifacts: Mapping[str, bytes],
    synthetic: pd.DataFrame,
    synthetic_source: str,
    target: str,
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    generator_bytes: bytes,
    generator_sha256: str,
    sample_seed: int,
    schema: SchemaContract,
    model_version_tags: Mapping[str, str],
) -> tuple[str, str]:
    """Log one release and register its generator as `champion`; returns (run id, model version)."""
    with tracking(tracking_uri) as client, tempfile.TemporaryDirectory() as staging, warnings.catch_warnings():
        # MLflow warns about schema hints and source resolution that do not apply to generated data.
        warnings.simplefilter("ignore", UserWarning)
        experiment = _experiment_id(client, dataset, artifact_root)
        with mlflow.start_run(experiment_id=experiment, run_name=run_name, tags=dict(tags)) as run:
            dataset_input = mlflow.data.from_pandas(synthetic, source=synthetic_source, name=f"{dataset}-synthetic", targets=target)
            mlflow.log_input(dataset_input, context="synthetic")
            mlflow.log_metrics(dict(metrics))
            for name, data in artifacts.items():
                local = Path(staging) / name
                local.write_bytes(data)
                mlflow.log_artifact(str(local), artifact_path="release")
            generator_file = Path(staging) / "generator.pkl"
            generator_file.write_bytes(generator_bytes)
            model_info = mlflow.pyfunc.log_model(
                name="generator",
                python_model=GeneratorModel(),
                artifacts={"generator": str(generator_file)},
                signature=generator_signature(schema),
                model_config={"generator_sha256": generator_sha256, "sample_seed": sample_seed},
                pip_requirements=_requirements(),
                registered_model_name=registered_model_name(dataset),
            )
        model_version = str(model_info.registered_model_version)
        name = registered_model_name(dataset)
        for key, value in model_version_tags.items():
            client.set_model_version_tag(name, model_version, key, value)
        client.set_registered_model_alias(name, CHAMPION, model_version)
        return run.info.run_id, model_version


def champion_version(tracking_uri: str, dataset: str) -> str | None:
    """The model version the `champion` alias points at, or None when there is none yet."""
    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri.removeprefix("sqlite:///")).exists():
        return None  # asking would create an empty store
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        return str(client.get_model_version_by_alias(registered_model_name(dataset), CHAMPION).version)
    except mlflow.exceptions.MlflowException:
        return None


def _experiment_id(client: MlflowClient, dataset: str, artifact_root: str | None) -> str:
    name = experiment_name(dataset)
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    location = f"{artifact_root}/{dataset}" if artifact_root else None
    return client.create_experiment(name, artifact_location=location)


def _requirements() -> list[str]:
    """Pinned explicitly: MLflow's own inference would import and run the model to guess them."""
    return [f"synth-assets=={__version__}"] + [
        f"{name}=={version(name)}" for name in ("sdv", "synthcity", "pandas", "numpy", "cloudpickle", "mlflow")
    ]
