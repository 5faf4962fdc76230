"""smartnoise-synth (MIT): MST and AIM, differentially private marginal models on Private-PGM.

Both models see only discrete columns. The adapter encodes every column as integer codes over a
domain it fixes *before* looking at counts, so that no privacy budget goes to discovering it and
every code of the domain can appear (smartnoise would otherwise spend budget estimating numeric
bounds and cut numbers into 10 bins):

- categories: those of the generalised training split (each held by at least the catalog's
  `disclosure.min_category_rows` rows);
- numbers: bounds from a catalog `range` constraint where declared, else the generalised split's
  extremes (top-coded: the n-th most extreme value, never one person's); integers spanning at most
  `bins` values get one code per value, other columns `bins` equal-width bins. A sampled bin
  becomes a value drawn uniformly within it (post-processing: no privacy cost), integers rounded;
- missing: one more code, only for the columns the schema contract says can be missing.

The domain is treated as public metadata, like a published schema: the epsilon guarantee covers
the rows given that domain (docs/generators.md says so, and the datasheet names the model).
Fitting is not reproducible by design (OpenDP draws its noise from a secure source); sampling a
fitted model is. The models emit rows grouped by value: they are shuffled.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth_assets.engines.base import SyntheticGenerator
from synth_assets.engines.constraints import RangeConstraint
from synth_assets.schema import SchemaContract, as_float

SYNTHESIZERS = {"mst": "mst", "aim": "aim"}
AIM_ROUNDS_PER_COLUMN = 2


@dataclass(frozen=True)
class _Coding:
    """How one column becomes codes 0..size-1 and back; nullable columns' last code is "missing"."""

    kind: str  # "category", "integer" (one code per value) or "bins"
    nullable: bool
    categories: tuple = ()
    low: float = 0.0
    high: float = 0.0
    bins: int = 0

    @property
    def values(self) -> int:
        if self.kind == "category":
            return len(self.categories)
        return int(self.high - self.low) + 1 if self.kind == "integer" else self.bins

    @property
    def size(self) -> int:
        return self.values + int(self.nullable)

    def encode(self, series: pd.Series) -> np.ndarray:
        # The schema contract says which columns hold missing values; the others get no code for it.
        missing = self.values
        if self.kind == "category":
            lookup = {value: code for code, value in enumerate(self.categories)}
            return series.astype(object).map(lambda v: lookup.get(str(v), missing) if pd.notna(v) else missing).to_numpy(dtype=np.int64)
        values = np.clip(as_float(series), self.low, self.high)
        if self.kind == "integer":
            codes = np.round(values - self.low)
        else:
            codes = np.minimum(np.floor((values - self.low) / (self.high - self.low) * self.bins), self.bins - 1)
        return np.where(np.isnan(values), missing, codes).astype(np.int64)

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        codes = np.asarray(codes, dtype=np.int64)
        missing = codes == self.values
        if self.kind == "category":
            labels = np.asarray([*self.categories, None], dtype=object)
            return pd.Series(labels[codes])
        if self.kind == "integer":
            values = self.low + codes.astype(float)
        else:
            width = (self.high - self.low) / self.bins
            values = self.low + (codes + rng.random(len(codes))) * width
        return pd.Series(np.where(missing, np.nan, values))


class SmartnoiseGenerator(SyntheticGenerator):
    engine = "smartnoise"
    libraries = ("smartnoise-synth", "mbi", "opendp")

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        from snsynth import Synthesizer
        from snsynth.transform import LabelTransformer, TableTransformer

        settings = {k: v for k, v in self.params.items() if k != "bins"}
        if self.model == "aim":
            # AIM's own default, 16 rounds per column, re-fits the graphical model 240 times on
            # Adult (> 15 min on 2 cores). Fewer rounds spend the same epsilon in larger shares;
            # at least one round per column must remain after the one-way marginals, which take
            # 0.9 x columns / rounds of the budget (fewer rounds overspend it and AIM fails).
            settings.setdefault("rounds", AIM_ROUNDS_PER_COLUMN * len(schema.names))
        declared = {c.column: c for c in self.policy.constraints if isinstance(c, RangeConstraint)}
        self._codings = {name: _coding(train[name], name, schema, declared.get(name), self.params.get("bins", 32)) for name in schema.names}
        codes = pd.DataFrame({name: coding.encode(train[name]) for name, coding in self._codings.items()})
        # Fitted on the whole code range, not on the data: the domain is fixed in advance.
        transformers = []
        for coding in self._codings.values():
            transformer = LabelTransformer(nullable=False)
            transformer.fit(list(range(coding.size)))
            transformers.append(transformer)
        self._synthesizer = Synthesizer.create(SYNTHESIZERS[self.model], **settings)
        self._synthesizer.fit(codes, transformer=TableTransformer(transformers), preprocessor_eps=0.0)

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        codes = pd.DataFrame(self._synthesizer.sample(n_rows), columns=list(self._codings))
        rng = np.random.default_rng(seed)
        codes = codes.iloc[rng.permutation(len(codes))].reset_index(drop=True)
        return pd.DataFrame({name: coding.decode(codes[name].to_numpy(), rng) for name, coding in self._codings.items()})


def _coding(series: pd.Series, name: str, schema: SchemaContract, declared: RangeConstraint | None, bins: int) -> _Coding:
    column = next(c for c in schema.columns if c.name == name)
    if name in schema.categorical:
        return _Coding("category", column.nullable, categories=tuple(sorted(series.dropna().astype(str).unique())))
    values = as_float(series)
    present = values[~np.isnan(values)]
    low = declared.min if declared is not None and declared.min is not None else float(present.min()) if len(present) else 0.0
    high = declared.max if declared is not None and declared.max is not None else float(present.max()) if len(present) else 1.0
    if column.dtype == "int64" and high - low + 1 <= bins:
        return _Coding("integer", column.nullable, low=float(np.floor(low)), high=float(np.ceil(high)))
    return _Coding("bins", column.nullable, low=low, high=high if high > low else low + 1.0, bins=bins)
