"""Stores each asset's manifest as JSON in the state zone: paths and hashes, never rows."""

import dagster as dg
from pydantic import BaseModel

from synth_assets.manifests import manifest_path
from synth_assets.storage import DataRoot


class ManifestIOManager(dg.ConfigurableIOManager):
    """Asset values are small pydantic manifests; the data they point to lives in the zones."""

    root: str

    def _path(self, key: dg.AssetKey):
        return manifest_path(DataRoot(self.root), list(key.path))

    def handle_output(self, context: dg.OutputContext, obj: BaseModel) -> None:
        if not isinstance(obj, BaseModel):
            raise TypeError(f"{context.asset_key.to_user_string()} must return a manifest, got {type(obj).__name__}")
        DataRoot(self.root).write_bytes(self._path(context.asset_key), obj.model_dump_json(indent=2).encode())

    def load_input(self, context: dg.InputContext) -> BaseModel:
        key = context.asset_key
        path = self._path(key)
        if not path.exists():
            raise FileNotFoundError(
                f"{key.to_user_string()} has not been materialized under {self.root} yet: "
                "run the dataset's regenerate job (or `synth-assets refresh DATASET`) first"
            )
        return context.dagster_type.typing_type.load(path)
