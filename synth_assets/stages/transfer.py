"""Stage 5: synthetic-to-real transfer, scored on the real holdout no generator saw."""

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import acceptance_gates
from synth_assets.manifests import ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.metrics.transfer import transfer_metrics
from synth_assets.reports import gated_report
from synth_assets.stages.candidate import load_splits, load_synthetic, write_report
from synth_assets.storage import DataRoot


def evaluate_transfer(
    spec: DatasetSpec, snapshot: SnapshotManifest, synthetic_manifest: SyntheticManifest, root: DataRoot
) -> ReportManifest:
    train, holdout = load_splits(snapshot, root)
    synthetic = load_synthetic(synthetic_manifest, root)
    sections = {
        "transfer": transfer_metrics(
            synthetic, train, holdout, snapshot.schema_contract, spec.target.task, seed=spec.generator.seed
        )
    }
    body, outcomes = gated_report(sections, acceptance_gates(spec.acceptance, "transfer"))
    return write_report("transfer", body, outcomes, synthetic_manifest, root)
