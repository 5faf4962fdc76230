"""The registered MLflow model samples through its engine's own environment, for every engine family.

The orchestration environment has no torch (let alone synthcity's torch 2.2): the pyfunc hands the
generator's bytes to the engine environment and gets rows back.
"""

import importlib.util
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from synth_assets import settings
from synth_assets.catalog import load_catalog
from synth_assets.publish import mlflow_registry
from synth_assets.stages.generate import fit_generator, new_version, sample_generator
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.storage import DataRoot, frame_hash
from tests.conftest import dataset_entry, write_catalog, write_sqlite

ONE_PER_FAMILY = {
    "synthcity": {"engine": "synthcity", "model": "marginal_distributions"},
    "sdv": {"engine": "sdv", "model": "gaussian_copula"},
    "mostlyai": {"engine": "mostlyai", "model": "tabular_argn", "params": {"max_epochs": 1, "model": "MOSTLY_AI/Small"}},
    "smartnoise": {"engine": "smartnoise", "model": "mst", "epsilon": 3.0, "params": {"bins": 8}},
}


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(ONE_PER_FAMILY))
def test_the_registered_generator_samples_in_its_engine_environment(family, home, tmp_path, adult_sample):
    source = write_sqlite(tmp_path / "source.sqlite", adult_sample.head(800))
    catalog = write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(source, generator=ONE_PER_FAMILY[family] | {"seed": 0})})
    spec = load_catalog(catalog).dataset("adult")
    root = DataRoot(str(home))
    snapshot = take_snapshot("adult", spec, root)
    generator = fit_generator("adult", spec, snapshot, root, version=new_version("testrun0"))
    assert generator.environment.name == family and generator.environment.lock_sha256
    logged = mlflow_registry.log_version(
        tracking_uri=settings.mlflow_tracking_uri(),
        artifact_root=settings.mlflow_artifact_root(),
        dataset="adult",
        run_name="serving-test",
        artifacts={},
        metrics={},
        tags={"dataset": "adult"},
        generator=mlflow_registry.Generator(
            manifest=generator,
            sample_seed=0,
            signature=mlflow_registry.generator_signature(snapshot.schema_contract, snapshot.pii.column_order, snapshot.pii.faked),
            max_sample_rows=1_000,
            data=root.read_bytes(root.resolve(generator.path), expected_sha256=generator.sha256),
        ),
    )
    with mlflow_registry.tracking(settings.mlflow_tracking_uri()):
        uri = f"models:/adult-generator/{logged.model_version}"
        model = mlflow.pyfunc.load_model(uri)
        served = model.predict(pd.DataFrame({"n_rows": [150], "seed": [3]}))
        local = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / "model")))
    files = {p.name for p in (local / "artifacts" / "engine_environment").iterdir()}
    assert len(served) == 150 and list(served.columns) == snapshot.pii.column_order
    assert frame_hash(served) == frame_hash(sample_generator(generator, root, 150, seed=3))
    assert {"pyproject.toml", "uv.lock", "requirements.txt"} <= files
    assert importlib.util.find_spec("torch") is None, "the orchestration environment served it without torch"
