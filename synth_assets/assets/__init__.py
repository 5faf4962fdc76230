"""The per-dataset asset chain and its checks; thin wrappers around `synth_assets.stages`."""

from synth_assets.assets.factory import dataset_assets

__all__ = ["dataset_assets"]
