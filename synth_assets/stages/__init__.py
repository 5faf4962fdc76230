"""The pipeline's stages as plain functions over a data root: the assets are thin wrappers."""
