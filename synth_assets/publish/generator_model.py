"""The generator as an MLflow pyfunc model: `predict` samples rows instead of scoring them.

Input: a frame with `n_rows` and an optional `seed` (first row is used). Output: synthetic rows.
The model runs in the orchestration environment but never unpickles the generator: sampling goes
through the protocol to the engine family's own environment (`engines/isolation.py`), which must
be installed where the model is served (`synth-assets engines install NAME`; the model carries
that environment's `pyproject.toml`, `uv.lock` and `requirements.txt` under `engine_environment/`).
A champion model embeds the generator's bytes; a challenger model only records where they lie in
the restricted zone, so only someone with access to that zone can sample it. Either way the bytes
are checked against the sha256 recorded at registration before they are handed on. One call
returns at most the rows the gates were run on (`max_sample_rows`, `publish/limits.py`).
"""

import hashlib
from pathlib import Path

import mlflow.pyfunc
import pandas as pd


class GeneratorModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from upath import UPath

        from synth_assets.storage import IntegrityError

        config = context.model_config or {}
        if "generator" in context.artifacts:
            data = Path(context.artifacts["generator"]).read_bytes()
        else:
            data = UPath(config["restricted_location"]).read_bytes()
        expected = config.get("generator_sha256")
        if expected is None or hashlib.sha256(data).hexdigest() != expected:
            raise IntegrityError("the generator does not match the sha256 recorded when it was registered; refusing to use it")
        self.generator_bytes, self.generator_sha256 = data, expected
        self.engine, self.model = config["engine"], config["model"]
        self.default_seed = int(config.get("sample_seed", 0))
        self.dataset, self.max_sample_rows = config["dataset"], int(config["max_sample_rows"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from synth_assets.engines.isolation import sample_in_engine
        from synth_assets.publish.limits import check_sample_rows

        first = model_input.iloc[0]
        n_rows = int(first["n_rows"])
        check_sample_rows(n_rows, self.max_sample_rows, self.dataset)
        seed = first.get("seed")
        seed = self.default_seed if seed is None or pd.isna(seed) else int(seed)
        return sample_in_engine(self.engine, self.model, self.generator_bytes, self.generator_sha256, n_rows, seed)
