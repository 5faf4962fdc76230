"""The consumer API: what ML teams call to get synthetic data and samples by dataset name.

    from synth_assets.consume import load_synthetic, sample
    frame = load_synthetic("adult")                 # the champion's published rows
    fresh = sample("adult", n_rows=1000, seed=7)    # new rows from the champion generator

Both read MLflow (`MLFLOW_TRACKING_URI`, else the embedded store) and verify content hashes.
"""

import io
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

from synth_assets import settings
from synth_assets.publish.mlflow_registry import CHALLENGER, CHAMPION, registered_model_name, tracking, version_by_alias
from synth_assets.storage import IntegrityError, frame_hash


class NotPublished(LookupError):
    """There is nothing to serve under that dataset and alias."""


def load_synthetic(dataset: str, alias: str = CHAMPION, *, tracking_uri: str | None = None) -> pd.DataFrame:
    """The synthetic rows published with the model version `alias` points at, hash-verified."""
    frame, _ = _published(dataset, alias, tracking_uri or settings.mlflow_tracking_uri())
    return frame


def pull(dataset: str, alias: str = CHAMPION, *, output: Path | None = None, tracking_uri: str | None = None) -> dict:
    """Write the published rows to Parquet; returns what was written (path, version, rows, hash)."""
    frame, version = _published(dataset, alias, tracking_uri or settings.mlflow_tracking_uri())
    path = Path(output or f"{dataset}-{version.tags.get('dataset_version', version.version)}.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return {
        "dataset": dataset,
        "alias": alias,
        "model_version": str(version.version),
        "dataset_version": version.tags.get("dataset_version"),
        "path": str(path.resolve()),
        "rows": len(frame),
        "content_hash": frame_hash(frame),
    }


def sample(dataset: str, n_rows: int, *, seed: int | None = None, alias: str = CHAMPION, tracking_uri: str | None = None) -> pd.DataFrame:
    """New rows from the generator `alias` points at (the pyfunc model verifies its sha256)."""
    uri = tracking_uri or settings.mlflow_tracking_uri()
    _servable(dataset, alias, uri)
    with tracking(uri):
        model = mlflow.pyfunc.load_model(f"models:/{registered_model_name(dataset)}@{alias}")
    request = pd.DataFrame({"n_rows": [n_rows], **({"seed": [seed]} if seed is not None else {})})
    return model.predict(request)


def _servable(dataset: str, alias: str, tracking_uri: str):
    version = version_by_alias(tracking_uri, dataset, alias)
    if version is None:
        raise NotPublished(f"{registered_model_name(dataset)} has no version with alias {alias!r} in {tracking_uri}")
    if alias == CHALLENGER or version.tags.get("gates_passed") != "true":
        raise NotPublished(f"{registered_model_name(dataset)}@{alias} failed its gates: challengers are kept for inspection, never served")
    return version


def _published(dataset: str, alias: str, tracking_uri: str) -> tuple[pd.DataFrame, object]:
    version = _servable(dataset, alias, tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri)
    expected = client.get_run(version.run_id).data.tags.get("synthetic_content_hash")
    with tempfile.TemporaryDirectory() as folder:
        local = client.download_artifacts(version.run_id, "release/synthetic.parquet", folder)
        try:
            frame = pd.read_parquet(io.BytesIO(Path(local).read_bytes()))
        except Exception as error:  # noqa: BLE001 - a truncated Parquet raises pyarrow's own errors
            raise IntegrityError(
                f"the synthetic data of {registered_model_name(dataset)} v{version.version} in MLflow cannot be read "
                f"({type(error).__name__}: the artifact is truncated or corrupt); refusing to serve them. "
                f"Publish a new version with `synth-assets refresh {dataset}`"
            ) from None
    if expected is None or frame_hash(frame) != expected:
        raise IntegrityError(
            f"the synthetic data of {registered_model_name(dataset)} v{version.version} do not match the content hash "
            "recorded at publication; refusing to serve them"
        )
    return frame, version


__all__ = ["NotPublished", "load_synthetic", "pull", "sample"]
