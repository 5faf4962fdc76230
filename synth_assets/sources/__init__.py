"""Readers for real data: SQL sources through SQLAlchemy, and the bundled demo datasets."""

from synth_assets.sources.sql import SourceError, public_source_url, read_source, sample_source, source_fingerprint, source_watermark

__all__ = ["SourceError", "public_source_url", "read_source", "sample_source", "source_fingerprint", "source_watermark"]
