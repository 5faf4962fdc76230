"""PII handling: declared per column (drop, fake, keep), and detection of undeclared identifiers.

Dropped and faked columns never enter the snapshot: the raw values stay in the source. A faked
column is filled in the synthetic output with values from Faker (seeded, so reproducible); its
real values are never modelled. Detection looks for direct identifiers among the other columns
(e-mails, phone numbers, national ids, names, free-text ids, near-unique columns) and warns, or
blocks the run when the catalog says so, until each flagged column is declared.
"""

import re

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

SAMPLE_ROWS = 5_000  # values inspected per column
MATCH_SHARE = 0.5  # share of values matching a pattern that flags a column
NEAR_UNIQUE = 0.95  # share of distinct values that makes a column look like an identifier
NAME_HINTS = re.compile(r"(^|_)(first_?name|last_?name|surname|full_?name|name|given_?name|family_?name)($|_)", re.I)
ID_HINTS = re.compile(r"(^|_)(ssn|nin|passport|national_?id|tax_?id|social_?security|iban|account_?(no|number))($|_)", re.I)
# Keys: `subject_id`, `patient_id`, `mrn`, `row_number`, `uuid`, pandas' `Unnamed: 0` index column.
KEY_HINTS = re.compile(r"((^|_)(id|uuid|guid|mrn|key|row_?(id|no|num|number)|index)$|^unnamed: ?\d+$)", re.I)
HIGH_CARDINALITY = 0.2  # distinct share of a keyed column that makes it a key (several rows per subject)
NAME_LIKE = re.compile(r"^[A-Z][a-z'-]+( [A-Z][a-z'-]+)*$")
NAME_LIKE_DISTINCT = 100  # capitalised words this varied are names, not categories such as "Private"
FREE_TEXT_LENGTH = 20
PATTERNS = {
    "e-mail addresses": re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    "phone numbers": re.compile(r"^\+?[\d\s().-]{7,20}$"),
    "national id numbers": re.compile(r"^(\d{3}-\d{2}-\d{4}|[A-Z]{2}\d{6}[A-D]|\d{9,12})$"),
}


class PiiError(ValueError):
    """A column looks like a direct identifier and the catalog neither handles nor keeps it."""


class PiiPlan(BaseModel):
    """What the snapshot did with personal data, for the generator and the datasheet."""

    model_config = ConfigDict(frozen=True)

    dropped: list[str]
    faked: dict[str, str]  # column -> Faker provider
    kept: list[str]  # declared `keep`: known to be personal, kept on purpose
    flagged: dict[str, list[str]]  # undeclared columns that look like identifiers, with reasons
    column_order: list[str]  # the synthetic output's columns, in source order


def plan_pii(frame: pd.DataFrame, declared: dict[str, str], primary_key: str | None) -> PiiPlan:
    """Split the source's columns by the catalog's PII declarations and detect undeclared ones."""
    missing = sorted(set(declared) - set(frame.columns))
    if missing:
        raise PiiError(f"`pii.columns` names columns the source does not have: {', '.join(missing)}")
    dropped = [c for c, how in declared.items() if how == "drop"]
    faked = {c: how.partition(":")[2] or "pystr" for c, how in declared.items() if how.startswith("fake")}
    kept = [c for c, how in declared.items() if how == "keep"]
    undeclared = [c for c in frame.columns if c not in declared and c != primary_key]
    flagged = detect_identifiers(frame[undeclared])
    order = [c for c in frame.columns if c not in dropped and c != primary_key]
    return PiiPlan(dropped=dropped, faked=faked, kept=kept, flagged=flagged, column_order=order)


def detect_identifiers(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Columns that look like direct identifiers, each with the reasons (no values are quoted)."""
    flagged = {}
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) > SAMPLE_ROWS:
            values = values.sample(SAMPLE_ROWS, random_state=0)
        reasons = []
        if NAME_HINTS.search(str(name)):
            reasons.append("its name suggests a person's name")
        if ID_HINTS.search(str(name)):
            reasons.append("its name suggests a national or account identifier")
        if len(values) and not pd.api.types.is_float_dtype(values):
            text = values.astype(str).str.strip()
            for what, pattern in PATTERNS.items():
                if text.str.match(pattern).mean() >= MATCH_SHARE and not _plain_numbers(values, what):
                    reasons.append(f"most values look like {what}")
            distinct = values.nunique()
            if distinct >= NEAR_UNIQUE * len(values) and len(values) >= 50 and _identifier_like(values):
                mixed = text.str.contains(r"\d").mean() >= MATCH_SHARE and text.str.contains(r"[A-Za-z]").mean() >= MATCH_SHARE
                reasons.append("its values are nearly all distinct" + (", free-text ids of letters and digits" if mixed else ""))
            elif KEY_HINTS.search(str(name)) and distinct >= HIGH_CARDINALITY * len(values) and len(values) >= 50:
                reasons.append("its name and many distinct values suggest a key (record, subject or row id)")
            elif pd.api.types.is_integer_dtype(values) and len(values) >= 50 and _sequential(values):
                reasons.append("its values are a row-number sequence")
            if not pd.api.types.is_numeric_dtype(values) and distinct >= NAME_LIKE_DISTINCT:
                if text.str.match(NAME_LIKE).mean() >= MATCH_SHARE:
                    reasons.append("most values look like personal names")
                elif text.str.len().mean() >= FREE_TEXT_LENGTH and distinct >= HIGH_CARDINALITY * len(values):
                    reasons.append("high-cardinality free text")
        if reasons:
            flagged[str(name)] = reasons
    return flagged


def _identifier_like(values: pd.Series) -> bool:
    """Near-unique text is an identifier; near-unique integers only when they look like one
    (a sequence such as 1..n, or 9 and more digits), not like a measurement (weights, amounts)."""
    if not pd.api.types.is_integer_dtype(values):
        return True
    span = int(values.max()) - int(values.min()) + 1
    return span <= 2 * len(values) or bool(values.abs().min() >= 10**8)


def _sequential(values: pd.Series) -> bool:
    """Distinct integers that step by one over nearly the whole column: a row number or counter."""
    distinct = np.sort(values.unique())
    return len(distinct) >= NEAR_UNIQUE * len(values) and bool((np.diff(distinct) == 1).mean() >= NEAR_UNIQUE)


def _plain_numbers(values: pd.Series, what: str) -> bool:
    """Integer measurements (amounts, counts) are not phone numbers or ids unless they are long."""
    if what == "e-mail addresses" or not pd.api.types.is_integer_dtype(values):
        return False
    return bool(values.abs().max() < 10**8)


def fake_values(provider: str, n_rows: int, seed: int) -> list[str]:
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(seed)
    make = getattr(faker, provider)
    return [str(make()) for _ in range(n_rows)]


def add_fakes(frame: pd.DataFrame, faked: dict[str, str], order: list[str], seed: int) -> pd.DataFrame:
    """The synthetic output with faked columns filled in, columns in the source's order."""
    if not faked:
        return frame
    out = frame.copy()
    for offset, (name, provider) in enumerate(sorted(faked.items())):
        out[name] = fake_values(provider, len(out), seed + offset)
    return out[[c for c in order if c in out.columns]]


def is_faker_provider(name: str) -> bool:
    from faker import Faker

    return callable(getattr(Faker("en_US"), name, None))


def describe_flags(flagged: dict[str, list[str]]) -> str:
    return "; ".join(f"{column}: {', '.join(reasons)}" for column, reasons in sorted(flagged.items()))
