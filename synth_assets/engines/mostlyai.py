"""mostlyai-engine's TabularARGN (Apache-2.0): an autoregressive network over the columns.

The engine works in a workspace folder (split, analyze, encode, train, generate). A fitted
generator keeps only what generation reads: the model's configuration and weights and the column
statistics (value ranges and categories after the engine's own value protection). The workspace
also holds the training rows while fitting; they are never kept.

With `generator.epsilon` the training is DP-SGD (opacus) with `epsilon` as mostlyai's
`max_epsilon`: training stops before the accountant passes it, and the value ranges of the
analysis step are found with a share of the same budget (`value_protection_epsilon`, counted in
the total). The ledger charges `epsilon`; the accountant's figure at the kept checkpoint is
recorded beside it.
"""

import contextlib
import csv
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synth_assets.engines.base import SyntheticGenerator
from synth_assets.schema import SchemaContract

# What generation reads from a workspace (checked in tests/engines: a restored generator samples).
MODEL_FILES = (
    "ModelStore/model-data/model-configs.json",
    "ModelStore/model-data/model-weights.pt",
    "ModelStore/tgt-stats/stats.json",
)
RARE_TOKEN = "_RARE_"  # mostlyai's stand-in for the categories its value protection hides
PROGRESS_FILE = "ModelStore/model-data/progress-messages.csv"
ENCODING = {"numerical": "TABULAR_NUMERIC_AUTO", "datetime": "TABULAR_DATETIME", "categorical": "TABULAR_CATEGORICAL", "boolean": "TABULAR_CATEGORICAL"}
DP_FIELDS = {"epsilon": "max_epsilon", "delta": "delta", "noise_multiplier": "noise_multiplier", "max_grad_norm": "max_grad_norm", "value_protection_epsilon": "value_protection_epsilon"}
SAMPLE_FIELDS = ("sampling_temperature", "sampling_top_p")


class MostlyaiGenerator(SyntheticGenerator):
    engine = "mostlyai"
    libraries = ("mostlyai-engine", "torch", "opacus")

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        from mostlyai import engine
        from mostlyai.engine.domain import DifferentialPrivacyConfig, ModelType

        training = {k: v for k, v in self.params.items() if k not in DP_FIELDS and k not in SAMPLE_FIELDS}
        value_protection = training.pop("value_protection", True)
        dp_settings = {DP_FIELDS[k]: v for k, v in self.params.items() if k in DP_FIELDS}
        differential_privacy = DifferentialPrivacyConfig(**dp_settings) if "max_epsilon" in dp_settings else None
        with tempfile.TemporaryDirectory(prefix="mostlyai-") as folder:
            workspace = Path(folder)
            engine.split(
                tgt_data=train,
                tgt_encoding_types={c.name: ENCODING[c.kind] for c in schema.columns},
                model_type=ModelType.tabular,
                workspace_dir=workspace,
            )
            engine.analyze(value_protection=value_protection, differential_privacy=differential_privacy, workspace_dir=workspace)
            engine.encode(workspace_dir=workspace)
            engine.train(**training, differential_privacy=differential_privacy, device="cpu", workspace_dir=workspace)
            self._model_files = {name: (workspace / name).read_bytes() for name in MODEL_FILES}
            self._epsilon_spent = _accounted_epsilon(workspace / PROGRESS_FILE) if differential_privacy else None

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        return self._generate(seed, sample_size=n_rows)

    def _sample_where(self, column: str, category: str, n_rows: int, seed: int) -> pd.DataFrame | None:
        # TabularARGN conditions on "seed" columns: the rest of each row is generated given them.
        rows = self._generate(seed, seed_data=pd.DataFrame({column: [category] * n_rows}))
        # A category the engine's value protection hid comes back as its `_RARE_` token (the rest
        # of the row then follows the pooled rare categories); the seed is what was asked for.
        return rows.assign(**{column: category})

    def _generate(self, seed: int, **what) -> pd.DataFrame:
        from mostlyai import engine
        from mostlyai.engine.random_state import set_random_state

        sampling = {k: self.params[k] for k in SAMPLE_FIELDS if k in self.params}
        with self._workspace() as workspace:
            set_random_state(seed)  # also seeds the engine's worker processes (MOSTLYAI_ENGINE_SEED)
            # Categories the engine's value protection hid are drawn from the others, never a
            # `_RARE_` placeholder the real data does not have.
            engine.generate(**what, **sampling, rare_category_replacement_method="sample", device="cpu", workspace_dir=workspace)
            parts = sorted((workspace / "SyntheticData").glob("*.parquet"))
            rows = pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)
        return _without_rare_token(rows, self.schema.categorical, np.random.default_rng(seed))

    @contextlib.contextmanager
    def _workspace(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="mostlyai-") as folder:
            workspace = Path(folder)
            for name, data in self._model_files.items():
                (workspace / name).parent.mkdir(parents=True, exist_ok=True)
                (workspace / name).write_bytes(data)
            yield workspace

    def privacy_spent(self) -> dict[str, float] | None:
        return None if self._epsilon_spent is None else {"epsilon_accounted": self._epsilon_spent}


def _without_rare_token(rows: pd.DataFrame, categorical: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Replace the engine's `_RARE_` token by categories drawn from the column's other values.

    Generation with `rare_category_replacement_method="sample"` masks the token, yet small fits
    (600 rows, one epoch) still emit it; the real data never holds it, so it must not leave here.
    """
    for column in categorical:
        values = rows[column]
        rare = values.eq(RARE_TOKEN).fillna(False).to_numpy(dtype=bool)
        if rare.any():
            others = values[~rare & values.notna().to_numpy(dtype=bool)]
            drawn = rng.choice(others.to_numpy(), size=int(rare.sum())) if len(others) else None
            rows.loc[rare, column] = drawn
    return rows


def _accounted_epsilon(progress: Path) -> float | None:
    """The DP accountant's epsilon at the last kept checkpoint (mostlyai logs it per epoch)."""
    with progress.open() as lines:
        checkpoints = [row for row in csv.DictReader(lines) if row.get("is_checkpoint") == "1" and row.get("dp_eps")]
    return float(checkpoints[-1]["dp_eps"]) if checkpoints else None
