"""synth-assets: an orchestrated synthetic-data factory for regulated tabular data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synth-assets")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
