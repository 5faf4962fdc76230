"""Datasets shipped inside the package (licences: `bundled/*_ATTRIBUTION.md`)."""

import pandas as pd

from synth_assets import settings

BUNDLED_FILES = {"adult": "adult.csv.gz", "doctoraus": "doctoraus.csv.gz"}


def load_bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(settings.BUNDLED_DIR / BUNDLED_FILES[name])
