"""Dagster resources: where the data root is and which MLflow server to talk to."""

import dagster as dg

from synth_assets import settings
from synth_assets.storage import DataRoot


class DataRootResource(dg.ConfigurableResource):
    """The data root holding the restricted, published and state zones (path or fsspec URL)."""

    url: str

    def get(self) -> DataRoot:
        return DataRoot(self.url)


class MlflowResource(dg.ConfigurableResource):
    """MLflow tracking and registry; `artifact_root` is only used for the embedded store."""

    tracking_uri: str
    artifact_root: str | None = None


def default_resources() -> dict:
    from synth_assets.assets.io_manager import ManifestIOManager

    home = settings.home()
    return {
        "data_root": DataRootResource(url=home),
        "mlflow": MlflowResource(tracking_uri=settings.mlflow_tracking_uri(), artifact_root=settings.mlflow_artifact_root()),
        "io_manager": ManifestIOManager(root=home),
    }
