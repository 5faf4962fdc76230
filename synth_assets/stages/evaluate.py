"""Judge synthetic rows we did not generate (a supplier's, a colleague's) by a dataset's gates.

The file is held against the dataset's current snapshot exactly as a candidate would be: every
validation and transfer gate, same thresholds. Nothing is written or published.
"""

from pathlib import Path

import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.schema import SchemaContract
from synth_assets.storage import DataRoot


class EvaluationError(ValueError):
    """The file cannot be judged; the message says why and what to do."""


def read_external(path: Path, schema: SchemaContract) -> pd.DataFrame:
    """A Parquet or CSV file conformed to the snapshot's schema contract (extra columns ignored)."""
    if not path.exists():
        raise EvaluationError(f"{path}: no such file")
    if path.suffix.lower() in {".parquet", ".pq"}:
        frame = pd.read_parquet(path)
    elif path.suffix.lower() in {".csv", ".gz"}:
        frame = pd.read_csv(path)
    else:
        raise EvaluationError(f"{path}: give a .parquet or .csv file")
    missing = [name for name in schema.names if name not in frame.columns]
    if missing:
        raise EvaluationError(f"{path} lacks the modelled columns {missing}; it must have {schema.names}")
    return schema.conform(frame[schema.names], what=str(path))


def judge(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, spec: DatasetSpec, schema: SchemaContract
) -> tuple[dict, list]:
    """Every validation and transfer metric of `synthetic` and the dataset's gates on them, as the
    pipeline computes them: (report bodies by section, gate outcomes)."""
    from synth_assets.gates import applicable_gates
    from synth_assets.metrics.transfer import transfer_sections
    from synth_assets.reports import gated_report
    from synth_assets.stages.transfer import transfer_settings
    from synth_assets.stages.validate import validation_sections

    validation = validation_sections(synthetic, train, holdout, spec, schema)
    transfer = transfer_sections(
        synthetic, train, holdout, schema, spec.target.task,
        sensitive_attributes=spec.sensitive_attributes, settings=transfer_settings(spec),
    )  # fmt: skip
    validation_body, validation_outcomes = gated_report(validation, applicable_gates(spec, "validation"))
    transfer_body, transfer_outcomes = gated_report(transfer, applicable_gates(spec, "transfer"))
    return validation_body | transfer_body, [*validation_outcomes, *transfer_outcomes]


def evaluate_external(dataset: str, spec: DatasetSpec, path: Path, root: DataRoot) -> dict:
    """Every gate of `dataset` on the rows in `path`: {snapshot_hash, rows, passed, gates: [...]}."""
    # The metrics stack is imported late: the CLI imports this module for its error class.
    from synth_assets.manifests import SnapshotManifest, read_manifest
    from synth_assets.stages.candidate import load_splits

    snapshot = read_manifest(root, dataset, "real_snapshot", SnapshotManifest)
    if snapshot is None:
        raise EvaluationError(f"{dataset} has no snapshot yet: run `synth-assets refresh {dataset}` first")
    train, holdout = load_splits(snapshot, root)
    synthetic = read_external(path, snapshot.schema_contract)
    _, outcomes = judge(synthetic, train, holdout, spec, snapshot.schema_contract)
    return {
        "dataset": dataset,
        "file": str(path),
        "rows": len(synthetic),
        "snapshot_hash": snapshot.snapshot_hash,
        "passed": all(o.passed for o in outcomes),
        "gates": [o.model_dump() for o in outcomes],
    }
