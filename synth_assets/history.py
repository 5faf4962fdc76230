"""Quality over time: every evaluated version's gate values, per dataset, in the state zone."""

from datetime import UTC, datetime
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from synth_assets.manifests import GateOutcome
from synth_assets.storage import DataRoot


class Retraction(BaseModel):
    """Who withdrew a published version, when and why (`synth-assets retract`)."""

    model_config = ConfigDict(frozen=True)

    retracted_at: str
    retracted_by: str
    reason: str


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    status: Literal["champion", "challenger", "retracted"]
    evaluated_at: str
    model_version: str
    mlflow_run_id: str
    gates: tuple[GateOutcome, ...]
    retraction: Retraction | None = None  # set when a published version was withdrawn

    @classmethod
    def now(cls, **fields) -> "HistoryEntry":
        return cls(evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"), **fields)


def _path(root: DataRoot, dataset: str):
    return root.path("state", "history", f"{dataset}.json")


def history(root: DataRoot, dataset: str) -> list[HistoryEntry]:
    path = _path(root, dataset)
    return [HistoryEntry.model_validate(e) for e in root.read_json(path)] if path.exists() else []


def record(root: DataRoot, dataset: str, entry: HistoryEntry) -> None:
    """Append an entry; a version is recorded once (re-publishing it does not duplicate it)."""
    entries = [e for e in history(root, dataset) if e.version != entry.version]
    root.write_json(_path(root, dataset), [e.model_dump() for e in [*entries, entry]])


def record_retraction(root: DataRoot, dataset: str, version: str, retraction: Retraction) -> HistoryEntry:
    """Mark a recorded version as retracted (its gate values stay: they are the evidence)."""
    entries = history(root, dataset)
    matches = [e for e in entries if e.version == version]
    if not matches:
        raise ValueError(f"dataset {dataset!r}: version {version} is not in the quality history")
    updated = matches[0].model_copy(update={"status": "retracted", "retraction": retraction})
    root.write_json(_path(root, dataset), [(updated if e.version == version else e).model_dump() for e in entries])
    return updated


def retractions(entries: list[HistoryEntry]) -> list[dict]:
    """Withdrawn versions, oldest first, as the datasheet lists them."""
    return [{"version": e.version, "model_version": e.model_version, **e.retraction.model_dump()} for e in entries if e.retraction]


def regressions(new: HistoryEntry, previous: HistoryEntry, tolerance: float) -> list[dict]:
    """Gated metrics on which `new` is worse than `previous` by more than `tolerance` (absolute)."""
    before = {g.check_name: g for g in previous.gates}
    found = []
    for gate in new.gates:
        old = before.get(gate.check_name)
        if old is None:
            continue
        worse_by = (old.value - gate.value) if gate.bound == "min" else (gate.value - old.value)
        if worse_by > tolerance:
            found.append({"gate": gate.check_name, "previous": old.value, "new": gate.value, "worse_by": round(worse_by, 6)})
    return found


def history_table(entries: list[HistoryEntry]) -> pd.DataFrame:
    """One row per evaluated version: status, model version and every gate's value."""
    rows = [
        {"version": e.version, "status": e.status, "evaluated_at": e.evaluated_at, "model_version": e.model_version}
        | {g.check_name: g.value for g in e.gates}
        for e in entries
    ]
    return pd.DataFrame(rows)
