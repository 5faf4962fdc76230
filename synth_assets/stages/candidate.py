"""A candidate version's files in the restricted zone, and the real splits it is judged against."""

import pandas as pd
from upath import UPath

from synth_assets.manifests import GateOutcome, ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.storage import DataRoot


def candidate_folder(root: DataRoot, dataset: str, version: str) -> UPath:
    """Everything a candidate produces, kept restricted until its gates pass and it is published."""
    return root.path("restricted", dataset, "candidates", version)


def load_splits(snapshot: SnapshotManifest, root: DataRoot) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = root.read_frame(root.resolve(snapshot.train_path), expected_hash=snapshot.train_hash)
    holdout = root.read_frame(root.resolve(snapshot.holdout_path), expected_hash=snapshot.holdout_hash)
    return train, holdout


def load_synthetic(manifest: SyntheticManifest, root: DataRoot) -> pd.DataFrame:
    return root.read_frame(root.resolve(manifest.path), expected_hash=manifest.content_hash)


def write_report(
    kind: str, body: dict, outcomes: tuple[GateOutcome, ...], synthetic: SyntheticManifest, root: DataRoot
) -> ReportManifest:
    """Write `<kind>.json` next to the candidate; the manifest carries the gate outcomes."""
    report = {
        "dataset": synthetic.dataset,
        "version": synthetic.version,
        "synthetic_hash": synthetic.content_hash,
        "snapshot_hash": synthetic.snapshot_hash,
        "passed": all(o.passed for o in outcomes),
        "sections": body,
    }
    path = candidate_folder(root, synthetic.dataset, synthetic.version) / f"{kind}.json"
    sha256 = root.write_json(path, report)
    return ReportManifest(
        dataset=synthetic.dataset,
        version=synthetic.version,
        path=root.relative(path),
        sha256=sha256,
        synthetic_hash=synthetic.content_hash,
        metrics={f"{section}.{name}": entry["value"] for section, entries in body.items() for name, entry in entries.items()},
        gates=outcomes,
    )
