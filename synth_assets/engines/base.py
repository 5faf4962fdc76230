"""The generator interface every engine implements, and what all engines share.

An engine implements `_fit` and `_sample` (and may implement `_sample_where` for conditional
sampling). The base class adds what must hold for every engine: the schema contract on the way
in and out, seeded randomness, the catalog's constraints (rows that break one are rejected and
sampled again), the optional coverage top-up, faked PII columns, and serialisation.
"""

import random
from abc import ABC, abstractmethod
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar

import cloudpickle
import numpy as np
import pandas as pd

from synth_assets.engines.constraints import FixedCombinationsConstraint, satisfied
from synth_assets.engines.protocol import SamplingPolicy
from synth_assets.governance.pii import add_fakes
from synth_assets.schema import SchemaContract

MAX_REJECTION_ROUNDS = 20


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
        self.policy = SamplingPolicy()
        self._combinations: dict[str, set] = {}
        self._top_up_targets: dict[str, dict[str, float]] = {}
        self.last_top_up: dict[str, list[str]] = {}

    def fit(
        self,
        train: pd.DataFrame,
        schema: SchemaContract,
        *,
        faked: dict[str, str] | None = None,
        column_order: list[str] | None = None,
        policy: SamplingPolicy | None = None,
    ) -> None:
        """Fit on `train`. `faked` columns (column -> Faker provider) are added to every sample,
        in `column_order`, so the pipeline and the registered model produce the same columns."""
        self.schema = schema
        self.faked = dict(faked or {})
        self.column_order = list(column_order or schema.names)
        self.policy = policy or SamplingPolicy()
        train = schema.conform(train, what="training data")
        unknown = sorted({c for constraint in self.policy.constraints for c in constraint.columns()} - set(schema.names))
        if unknown:
            raise GeneratorError(f"constraints name columns the snapshot does not model: {', '.join(unknown)}")
        self._combinations = {
            c.key(): c.combinations(train) for c in self.policy.constraints if isinstance(c, FixedCombinationsConstraint)
        }
        if (floor := self.policy.top_up_min_share) is not None:
            self._top_up_targets = {
                name: {str(k): float(v) for k, v in train[name].dropna().astype(str).value_counts(normalize=True).items() if v >= floor}
                for name in schema.categorical
            }
        seed_everything(self.seed)
        self._fit(train, schema)

    def sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        if self.schema is None:
            raise GeneratorError("the generator has not been fitted")
        seed_everything(seed)
        rows = self._valid_rows(n_rows, seed)
        rows = self._top_up(rows, seed)
        return add_fakes(rows, self.faked, self.column_order, seed)

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "model": self.model,
            "params": self.params,
            "seed": self.seed,
            "library_versions": library_versions(self.libraries),
        }

    def privacy_spent(self) -> dict[str, float] | None:
        """The privacy the fit spent as the engine accounts it, where it reports one."""
        return None

    def to_bytes(self) -> bytes:
        return cloudpickle.dumps(self)

    @staticmethod
    def from_bytes(data: bytes) -> "SyntheticGenerator":
        generator = cloudpickle.loads(data)
        if not isinstance(generator, SyntheticGenerator):
            raise GeneratorError(f"expected a SyntheticGenerator, the file holds {type(generator).__name__}")
        return generator

    def _conformed(self, frame: pd.DataFrame) -> pd.DataFrame:
        return self.schema.conform(frame, what=f"{self.engine}/{self.model} output")

    def _valid_rows(self, n_rows: int, seed: int) -> pd.DataFrame:
        """`n_rows` rows satisfying every constraint: rejected rows are sampled again."""
        rows = self._conformed(self._sample(n_rows, seed))
        if not self.policy.constraints:
            return rows
        kept, drawn = [], 0
        for attempt in range(MAX_REJECTION_ROUNDS):
            valid = rows[satisfied(rows, self.policy.constraints, self._combinations)]
            kept.append(valid)
            drawn += len(rows)
            have = sum(len(k) for k in kept)
            if have >= n_rows:
                return pd.concat(kept, ignore_index=True).iloc[:n_rows]
            acceptance = max(have / drawn, 0.01)
            seed_everything(seed + attempt + 1)
            rows = self._conformed(self._sample(int((n_rows - have) / acceptance * 1.2) + 10, seed + attempt + 1))
        raise GeneratorError(
            f"{self.engine}/{self.model}: the constraints rejected {1 - have / drawn:.0%} of {drawn:,} sampled rows; "
            f"only {have:,} of {n_rows:,} valid rows after {MAX_REJECTION_ROUNDS} rounds. Check the constraints "
            "against the data, or choose a generator that models them (sdv models fixed_combinations and inequality)."
        )

    def _top_up(self, rows: pd.DataFrame, seed: int) -> pd.DataFrame:
        """Make every real category above the floor appear, replacing random rows (size is kept).

        A row is only replaced when no target category would disappear with it, so one top-up
        never undoes another.
        """
        self.last_top_up = {}
        if not self._top_up_targets:
            return rows
        rows = rows.reset_index(drop=True).copy()
        counts = {column: Counter(rows[column].dropna().astype(str)) for column in self._top_up_targets}
        slots = iter(np.random.default_rng(seed).permutation(len(rows)))

        def free_slot() -> int | None:
            for slot in slots:
                held = [(c, str(rows.at[slot, c])) for c in counts if pd.notna(rows.at[slot, c])]
                if all(counts[c][value] > 1 or value not in self._top_up_targets[c] for c, value in held):
                    return int(slot)
            return None

        for column, shares in self._top_up_targets.items():
            for category, share in shares.items():
                if counts[column][category]:
                    continue
                extra = self._rows_where(column, category, max(1, round(share * len(rows))), seed)
                for _, new in extra.iterrows():
                    slot = free_slot()
                    if slot is None:
                        break
                    for c in counts:
                        if pd.notna(rows.at[slot, c]):
                            counts[c][str(rows.at[slot, c])] -= 1
                        if pd.notna(new[c]):
                            counts[c][str(new[c])] += 1
                    rows.iloc[slot] = new.to_numpy()
                if counts[column][category]:
                    self.last_top_up.setdefault(column, []).append(category)
        return self._conformed(rows)

    def _rows_where(self, column: str, category: str, n_rows: int, seed: int) -> pd.DataFrame:
        """Rows with `column == category`: conditional sampling where the engine has it, else rejection."""
        candidates = self._sample_where(column, category, n_rows, seed)
        if candidates is None:
            draws = [self._conformed(self._sample(max(n_rows * 50, 1000), seed + round_)) for round_ in range(5)]
            candidates = pd.concat(draws, ignore_index=True)
        candidates = self._conformed(candidates)
        matching = candidates[(candidates[column].astype(str) == category).to_numpy()]
        if self.policy.constraints:
            matching = matching[satisfied(matching, self.policy.constraints, self._combinations)]
        return matching.head(n_rows)

    def _sample_where(self, column: str, category: str, n_rows: int, seed: int) -> pd.DataFrame | None:
        """Conditional sampling, for engines that support it; None means "not supported"."""
        return None

    @abstractmethod
    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None: ...

    @abstractmethod
    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame: ...


def seed_everything(seed: int) -> None:
    """Seed every RNG an engine may draw from: Python, NumPy and torch where it is installed.

    torch is imported here even when the engine has not imported it yet: the engines import it
    lazily inside `_fit`, after this seeding, so its weights were initialised unseeded otherwise.
    The replay control runs in the host's environment, which has no torch.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
