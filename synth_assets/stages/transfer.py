"""Stage 5: synthetic-to-real transfer, scored on the real holdout no generator saw."""

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import applicable_gates
from synth_assets.governance import plots
from synth_assets.manifests import ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.metrics.transfer import TransferSettings, transfer_sections
from synth_assets.reports import gated_report
from synth_assets.stages.candidate import load_splits, load_synthetic, write_report
from synth_assets.storage import DataRoot


def transfer_settings(spec: DatasetSpec) -> TransferSettings:
    config = spec.transfer
    return TransferSettings(
        models=tuple(config.models),
        repeats=config.repeats,
        anchor_sizes=tuple(config.anchor_sizes),
        anchor_repeats=config.anchor_repeats,
        seed=spec.generator.seed,
    )


def evaluate_transfer(
    spec: DatasetSpec, snapshot: SnapshotManifest, synthetic_manifest: SyntheticManifest, root: DataRoot
) -> ReportManifest:
    train, holdout = load_splits(snapshot, root)
    synthetic = load_synthetic(synthetic_manifest, root)
    sections = transfer_sections(
        synthetic,
        train,
        holdout,
        snapshot.schema_contract,
        spec.target.task,
        sensitive_attributes=spec.sensitive_attributes,
        settings=transfer_settings(spec),
    )
    body, outcomes = gated_report(sections, applicable_gates(spec, "transfer"))
    curve = sections["hybrid"]["reaches_95pct_of_trtr"].details
    figures = {"Hybrid curve: synthetic plus k real anchor rows": plots.hybrid_curve(curve)}
    return write_report("transfer", body, outcomes, synthetic_manifest, root, figures=figures)
