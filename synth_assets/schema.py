"""The schema contract: which columns a dataset has, of which kind and dtype.

The contract is inferred from the first snapshot (with the catalog's overrides), stored with it,
and every later frame (synthetic samples, new snapshots) is checked and conformed against it.
"""

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

ColumnKind = Literal["numerical", "categorical", "datetime", "boolean"]


class SchemaError(ValueError):
    """A frame does not match its dataset's schema contract."""


class ColumnContract(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    kind: ColumnKind
    dtype: str
    nullable: bool


class SchemaContract(BaseModel):
    model_config = ConfigDict(frozen=True)

    columns: tuple[ColumnContract, ...]
    target: str
    primary_key: str | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def of_kind(self, *kinds: ColumnKind) -> list[str]:
        return [c.name for c in self.columns if c.kind in kinds]

    @property
    def numerical(self) -> list[str]:
        return self.of_kind("numerical", "datetime")

    @property
    def categorical(self) -> list[str]:
        return self.of_kind("categorical", "boolean")

    def conform(self, frame: pd.DataFrame, *, what: str) -> pd.DataFrame:
        """Return `frame` with exactly the contract's columns, in order, cast to their dtypes."""
        missing = [name for name in self.names if name not in frame.columns]
        if missing:
            raise SchemaError(f"{what} lacks columns of the schema contract: {', '.join(missing)}")
        conformed = {column.name: _cast(frame[column.name], column, what) for column in self.columns}
        return pd.DataFrame(conformed).reset_index(drop=True)

    def as_table(self) -> list[dict]:
        return [c.model_dump() for c in self.columns]


def infer_schema(
    frame: pd.DataFrame,
    *,
    target: str,
    primary_key: str | None = None,
    overrides: Mapping[str, ColumnKind] | None = None,
) -> SchemaContract:
    """Infer the contract of a source frame: kinds from dtypes unless the catalog overrides them.

    The primary key is not modelled: it identifies real people, so it is excluded from the contract.
    """
    overrides = dict(overrides or {})
    required = [target, *overrides, *([primary_key] if primary_key else [])]
    absent = [name for name in required if name not in frame.columns]
    if absent:
        raise SchemaError(
            f"the source has no column(s) {', '.join(absent)} named in the catalog; "
            f"it has: {', '.join(map(str, frame.columns))}"
        )
    columns = []
    for name in frame.columns:
        if name == primary_key:
            continue
        series = frame[name]
        kind = overrides.get(name) or _kind_of(series)
        columns.append(
            ColumnContract(
                name=str(name), kind=kind, dtype=_dtype_for(series, kind), nullable=bool(series.isna().any())
            )
        )
    return SchemaContract(columns=tuple(columns), target=target, primary_key=primary_key)


def _kind_of(series: pd.Series) -> ColumnKind:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "numerical"
    return "categorical"


def _dtype_for(series: pd.Series, kind: ColumnKind) -> str:
    if kind == "numerical":
        values = series.dropna()
        integral = pd.api.types.is_integer_dtype(series) or (
            pd.api.types.is_float_dtype(series) and len(values) > 0 and bool((values % 1 == 0).all())
        )
        return "int64" if integral else "float64"
    if kind == "datetime":
        return "datetime64[ns]"
    if kind == "boolean":
        return "boolean"
    return "string"


def _cast(series: pd.Series, column: ColumnContract, what: str) -> pd.Series:
    try:
        if column.dtype == "int64":
            values = pd.to_numeric(series, errors="raise").round()
            # Nullable integers keep missing values without silently turning the column into floats.
            return values.astype("Int64") if values.isna().any() else values.astype(np.int64)
        if column.dtype == "float64":
            return pd.to_numeric(series, errors="raise").astype(np.float64)
        if column.dtype == "datetime64[ns]":
            return pd.to_datetime(series, errors="raise")
        if column.dtype == "boolean":
            return series.astype("boolean")
        return series.astype("string").astype(object).where(series.notna(), None)
    except (TypeError, ValueError) as error:
        # The message names the column and the expected type, never the offending value.
        raise SchemaError(
            f"{what}: column {column.name!r} cannot be read as {column.dtype} ({type(error).__name__})"
        ) from None


def as_float(series: pd.Series) -> np.ndarray:
    """Numbers (datetimes as nanoseconds) as float64, with NaN where missing."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
