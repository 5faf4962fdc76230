"""The replay control: its "synthetic" rows are the rows of a file, whatever it was fitted on.

It exists to prove that the gates stop leaks: a test (or an auditor) writes leaky rows to a file
and runs them through the regenerate job as if a generator had produced them. It runs in the
host's own environment (no generator library) and is listed only as a control.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.schema import SchemaContract


class ReplayGenerator(SyntheticGenerator):
    engine = "replay"
    libraries = ("pandas",)

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        path = Path(self.params.get("path", ""))
        if path.suffix not in (".parquet", ".csv"):
            raise GeneratorError(f"replay/rows: params.path must name a .parquet or .csv file, not {str(path)!r}")
        if not path.is_file():
            raise GeneratorError(f"replay/rows: {path} does not exist")
        rows = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        self._rows = schema.conform(rows, what=f"replayed file {path.name}")

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        picks = rng.choice(len(self._rows), size=n_rows, replace=n_rows > len(self._rows))
        return self._rows.iloc[picks].reset_index(drop=True)
