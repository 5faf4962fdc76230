"""Constraints declared in the catalog, checked on every synthetic row.

- `range`: a column stays within [min, max];
- `inequality`: one column is never greater than another (`low` <= `high`);
- `fixed_combinations`: the combinations of some columns are only those seen in training.

SDV also models the last two natively (see engines/sdv.py); for every engine the generator
rejects rows that break a constraint and samples again (`SyntheticGenerator.sample`).
"""

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class _Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def columns(self) -> list[str]:
        raise NotImplementedError

    def holds(self, frame: pd.DataFrame, seen: dict[str, set] | None = None) -> np.ndarray:
        raise NotImplementedError


class RangeConstraint(_Constraint):
    kind: Literal["range"]
    column: str
    min: float | None = None
    max: float | None = None

    def columns(self) -> list[str]:
        return [self.column]

    def holds(self, frame: pd.DataFrame, seen: dict[str, set] | None = None) -> np.ndarray:
        values = pd.to_numeric(frame[self.column], errors="coerce")
        ok = values.isna().to_numpy()  # missing values are not out of range
        inside = np.ones(len(frame), dtype=bool)
        if self.min is not None:
            inside &= (values >= self.min).to_numpy()
        if self.max is not None:
            inside &= (values <= self.max).to_numpy()
        return ok | inside


class InequalityConstraint(_Constraint):
    kind: Literal["inequality"]
    low: str
    high: str

    def columns(self) -> list[str]:
        return [self.low, self.high]

    def holds(self, frame: pd.DataFrame, seen: dict[str, set] | None = None) -> np.ndarray:
        low, high = pd.to_numeric(frame[self.low], errors="coerce"), pd.to_numeric(frame[self.high], errors="coerce")
        return (low.isna() | high.isna() | (low <= high)).to_numpy()


class FixedCombinationsConstraint(_Constraint):
    kind: Literal["fixed_combinations"]
    columns_: list[str] = Field(alias="columns", min_length=2)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def columns(self) -> list[str]:
        return list(self.columns_)

    def key(self) -> str:
        return "|".join(self.columns_)

    def combinations(self, frame: pd.DataFrame) -> set:
        return set(map(tuple, frame[self.columns_].astype(str).to_numpy()))

    def holds(self, frame: pd.DataFrame, seen: dict[str, set] | None = None) -> np.ndarray:
        allowed = (seen or {}).get(self.key(), set())
        return np.array([tuple(row) in allowed for row in frame[self.columns_].astype(str).to_numpy()], dtype=bool)


Constraint = Annotated[RangeConstraint | InequalityConstraint | FixedCombinationsConstraint, Field(discriminator="kind")]


def satisfied(frame: pd.DataFrame, constraints: list, seen: dict[str, set]) -> np.ndarray:
    """Rows that satisfy every constraint."""
    ok = np.ones(len(frame), dtype=bool)
    for constraint in constraints:
        ok &= constraint.holds(frame, seen)
    return ok
