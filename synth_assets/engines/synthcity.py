"""synthcity plugins, imported one module at a time (loading its whole registry takes ~25 s).

synthcity's plugins do not all accept missing values, so missing categories become a sentinel
category and missing numbers a filled value plus an indicator column; both are undone on sampling.

Reproducibility: synthcity 0.2.12 rebuilds a schema for every `generate` call
(`Schema.from_constraints`) whose distributions draw from `np.random.default_rng()` without a
seed, so uniform_sampler samples differed between identical runs. `_seeded_default_rng` gives those
unseeded generators seeds derived from the sampling seed. marginal_distributions is sampled by
`_sample_marginals` (see there for why).
"""

import contextlib
import importlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.schema import SchemaContract

# The synthcity package each plugin lives in (what is offered is in engines/registry.py).
PRIVACY_PLUGINS = {"dpgan", "pategan", "adsgan", "aim", "privbayes"}
_MISSING = "__missing__"
_NULL_FLAG = "__isnull__"


class SynthcityGenerator(SyntheticGenerator):
    engine = "synthcity"
    libraries = ("synthcity", "torch", "opacus")

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        from synthcity.plugins.core.dataloader import GenericDataLoader

        package = "privacy" if self.model in PRIVACY_PLUGINS else "generic"
        module = importlib.import_module(f"synthcity.plugins.{package}.plugin_{self.model}")
        self._fill_values = {
            name: float(train[name].median()) if train[name].notna().any() else 0.0
            for name in schema.numerical
            if train[name].isna().any()
        }
        workspace = Path(tempfile.mkdtemp(prefix="synthcity-"))  # plugins cache here; never the cwd
        try:
            self._plugin = module.plugin(random_state=self.seed, workspace=workspace, **self.params)
        except (TypeError, ValueError) as error:
            raise GeneratorError(f"synthcity/{self.model}: invalid params {sorted(self.params)}: {error}") from None
        self._plugin.fit(GenericDataLoader(self._encode(train, schema)))
        _drop_dp_optimizers(self._plugin)

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        if self.model == "marginal_distributions":
            return self._decode(self._sample_marginals(n_rows, seed))
        with _seeded_default_rng(seed):
            sampled = self._plugin.generate(count=n_rows, random_state=seed).dataframe()
        return self._decode(sampled)

    def _sample_marginals(self, n_rows: int, seed: int) -> pd.DataFrame:
        """Each column from its fitted marginal, independently.

        synthcity 0.2.12 generates this plugin from a schema rebuilt from range constraints, which
        has lost the marginals: its output was uniform (identical to uniform_sampler on Adult). The
        training schema still holds them.
        """
        from synthcity.plugins.core.dataloader import create_from_info

        plugin = self._plugin
        schema = plugin.training_schema()
        columns = {}
        for index, feature in enumerate(schema.features()):
            distribution = schema[feature]
            distribution._rng = np.random.default_rng([seed, index])  # a stream per column, reset per call
            columns[feature] = distribution.sample(count=n_rows)
        sampled = create_from_info(schema.adapt_dtypes(pd.DataFrame(columns)), plugin.data_info)
        if plugin._data_encoders is not None:  # the training schema is in the plugin's encoded space
            sampled = sampled.decode(plugin._data_encoders)
        return sampled.dataframe()

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


def _drop_dp_optimizers(plugin) -> None:
    """Remove opacus optimizers from a fitted plugin: sampling needs none, and a pickled
    DPOptimizer cannot be loaded (its properties read `original_optimizer` before it is restored)."""
    import torch
    from opacus.optimizers import DPOptimizer

    pending, seen = [plugin], set()
    while pending:
        holder = pending.pop()
        if id(holder) in seen or not hasattr(holder, "__dict__"):
            continue
        seen.add(id(holder))
        for name, value in list(vars(holder).items()):
            if isinstance(value, DPOptimizer):
                setattr(holder, name, None)
            elif isinstance(value, torch.nn.Module) or type(value).__module__.startswith("synthcity"):
                pending.append(value)
        if isinstance(holder, torch.nn.Module):
            pending.extend(holder._modules.values())


_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _seeded_default_rng(seed: int) -> Iterator[None]:
    """While sampling, `np.random.default_rng()` without a seed gets the next seed of `seed`'s sequence."""
    original = np.random.default_rng
    children = np.random.SeedSequence(seed)

    def default_rng(seed_arg=None):
        return original(children.spawn(1)[0] if seed_arg is None else seed_arg)

    with _PATCH_LOCK:
        np.random.default_rng = default_rng
        try:
            yield
        finally:
            np.random.default_rng = original
