"""Failed runs, recorded per dataset in the state zone (newest last)."""

from datetime import UTC, datetime

from pydantic import BaseModel

from synth_assets.storage import DataRoot

KEEP_RECORDS = 50


class RegenerationInFlight(RuntimeError):
    """Another regeneration of the same dataset is running (see `synth_assets.runlock`)."""


class MlflowUnreachable(RuntimeError):
    """The tracking server does not answer: nothing can be published."""


class FailureRecord(BaseModel):
    run_id: str
    job: str
    dataset: str | None
    failed_at: str
    failed_steps: list[dict[str, str]]
    run_error: str

    @classmethod
    def now(cls, **fields) -> "FailureRecord":
        return cls(failed_at=datetime.now(UTC).isoformat(timespec="seconds"), **fields)


def innermost_cause(error) -> str:
    """`Class: message` of the innermost error (a Dagster SerializableErrorInfo chain): the one our code raised."""
    while error is not None and error.cause is not None:
        error = error.cause
    if error is None:
        return "unknown error"
    # The message is formatted like `module.Class: text`; keep the text once, after the bare class.
    head, separator, text = error.message.strip().partition(": ")
    text = text if separator and head.split(".")[-1] == error.cls_name else error.message.strip()
    return f"{error.cls_name}: {text}"


def _path(root: DataRoot, dataset: str | None):
    return root.path("state", "failures", f"{dataset or '_no_dataset'}.json")


def record_failure(root: DataRoot, record: FailureRecord) -> bool:
    """Append a record; a run recorded twice (by the CLI and by the sensor) is kept once.
    Returns whether it was new."""
    records = failures(root, record.dataset)
    if any(r.run_id == record.run_id for r in records):
        return False
    records.append(record)
    root.write_json(_path(root, record.dataset), [r.model_dump() for r in records[-KEEP_RECORDS:]])
    return True


def failures(root: DataRoot, dataset: str | None) -> list[FailureRecord]:
    path = _path(root, dataset)
    return [FailureRecord.model_validate(r) for r in root.read_json(path)] if path.exists() else []


def describe_failure(record: FailureRecord) -> str:
    """One readable line: each failed step and its cause (multi-line causes joined), else the run's error."""
    parts = [f"{step['step']}: {step['cause']}" for step in record.failed_steps] or [record.run_error or "no cause recorded"]
    return "; ".join(" ".join(part.split()) for part in parts)
