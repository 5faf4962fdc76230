"""The generator interface every engine implements, and what all engines share."""

import random
import sys
from abc import ABC, abstractmethod
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar

import cloudpickle
import numpy as np
import pandas as pd

from synth_assets.governance.pii import add_fakes
from synth_assets.schema import SchemaContract


class GeneratorError(RuntimeError):
    """A generator cannot be built, fitted or sampled; the message says which and why."""


class SyntheticGenerator(ABC):
    """Fit on a real frame that follows a schema contract; sample any number of rows from it."""

    engine: ClassVar[str]
    libraries: ClassVar[tuple[str, ...]]

    def __init__(self, model: str, params: dict[str, Any], seed: int):
        self.model = model
        self.params = dict(params)
        self.seed = seed
        self.schema: SchemaContract | None = None
        self.faked: dict[str, str] = {}
        self.column_order: list[str] = []

    def fit(
        self, train: pd.DataFrame, schema: SchemaContract, *, faked: dict[str, str] | None = None, column_order: list[str] | None = None
    ) -> None:
        """Fit on `train`; `faked` columns (column -> Faker provider) are added to every sample,
        in `column_order`, so the pipeline and the registered model produce the same columns."""
        self.schema = schema
        self.faked = dict(faked or {})
        self.column_order = list(column_order or schema.names)
        seed_everything(self.seed)
        self._fit(schema.conform(train, what="training data"), schema)

    def sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        if self.schema is None:
            raise GeneratorError("the generator has not been fitted")
        seed_everything(seed)
        rows = self.schema.conform(self._sample(n_rows, seed), what=f"{self.engine}/{self.model} output")
        return add_fakes(rows, self.faked, self.column_order, seed)

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "model": self.model,
            "params": self.params,
            "seed": self.seed,
            "library_versions": library_versions(self.libraries),
        }

    def to_bytes(self) -> bytes:
        return cloudpickle.dumps(self)

    @staticmethod
    def from_bytes(data: bytes) -> "SyntheticGenerator":
        generator = cloudpickle.loads(data)
        if not isinstance(generator, SyntheticGenerator):
            raise GeneratorError(f"expected a SyntheticGenerator, the file holds {type(generator).__name__}")
        return generator

    @abstractmethod
    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None: ...

    @abstractmethod
    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame: ...


def seed_everything(seed: int) -> None:
    """Seed every RNG an engine may draw from (Python, NumPy, and torch when it is loaded)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
