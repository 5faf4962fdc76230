"""Bounded samples: every metric states the rows it used, and none grows without limit."""

import numpy as np
import pandas as pd


def bounded_sample(frame: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most `max_rows` rows drawn without replacement, kept in their original order."""
    if len(frame) <= max_rows:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size=max_rows, replace=False))]
