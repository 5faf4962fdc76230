"""Datasets shipped inside the package (see `bundled/ADULT_ATTRIBUTION.md` for the licence)."""

import pandas as pd

from synth_assets import settings

BUNDLED_FILES = {"adult": "adult.csv.gz"}


def load_bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(settings.BUNDLED_DIR / BUNDLED_FILES[name])
