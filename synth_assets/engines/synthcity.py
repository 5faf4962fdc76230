"""synthcity plugins, imported one module at a time (loading its whole registry takes ~25 s).

synthcity's plugins do not all accept missing values, so missing categories become a sentinel
category and missing numbers a filled value plus an indicator column; both are undone on sampling.
"""

import importlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.schema import SchemaContract

# model -> synthcity plugin package. `dummy_sampler` (resamples real rows) and `uniform_sampler`
# (uniform noise) are negative controls: they exist to prove that the gates catch them.
SYNTHCITY_MODELS = {
    "marginal_distributions": "generic",
    "bayesian_network": "generic",
    "arf": "generic",
    "ctgan": "generic",
    "tvae": "generic",
    "ddpm": "generic",
    "dpgan": "privacy",
    "pategan": "privacy",
    "adsgan": "privacy",
    "dummy_sampler": "generic",
    "uniform_sampler": "generic",
}
_MISSING = "__missing__"
_NULL_FLAG = "__isnull__"


class SynthcityGenerator(SyntheticGenerator):
    engine = "synthcity"
    libraries = ("synthcity", "torch", "opacus")

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        from synthcity.plugins.core.dataloader import GenericDataLoader

        module = importlib.import_module(f"synthcity.plugins.{SYNTHCITY_MODELS[self.model]}.plugin_{self.model}")
        self._fill_values = {
            name: float(train[name].median()) if train[name].notna().any() else 0.0
            for name in schema.numerical
            if train[name].isna().any()
        }
        workspace = Path(tempfile.mkdtemp(prefix="synthcity-"))  # plugins cache here; never the cwd
        try:
            self._plugin = module.plugin(random_state=self.seed, workspace=workspace, **self.params)
        except TypeError as error:
            raise GeneratorError(f"synthcity/{self.model}: invalid params {sorted(self.params)}: {error}") from None
        self._plugin.fit(GenericDataLoader(self._encode(train, schema)))

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        return self._decode(self._plugin.generate(count=n_rows, random_state=seed).dataframe())

    def _encode(self, frame: pd.DataFrame, schema: SchemaContract) -> pd.DataFrame:
        encoded = {}
        for name in schema.names:
            series = frame[name]
            if name in self._fill_values:
                encoded[name] = pd.to_numeric(series).astype(np.float64).fillna(self._fill_values[name])
                encoded[name + _NULL_FLAG] = series.isna().astype(np.int64)
            elif name in schema.categorical:
                encoded[name] = series.astype(object).where(series.notna(), _MISSING).astype(str)
            else:
                encoded[name] = series
        return pd.DataFrame(encoded)

    def _decode(self, sampled: pd.DataFrame) -> pd.DataFrame:
        decoded = sampled.copy()
        for name in self._fill_values:
            decoded.loc[decoded.pop(name + _NULL_FLAG).astype(bool), name] = np.nan
        for name in self.schema.categorical:
            decoded[name] = decoded[name].where(decoded[name] != _MISSING, None)
        return decoded
