"""Stage 4: validate a candidate against the real splits and hold it to the acceptance gates."""

import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import acceptance_gates
from synth_assets.manifests import ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.metrics import fidelity, privacy
from synth_assets.reports import Sections, gated_report
from synth_assets.stages.candidate import load_splits, write_report
from synth_assets.storage import DataRoot


def validation_sections(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, snapshot: SnapshotManifest, *, seed: int
) -> Sections:
    schema = snapshot.schema_contract
    return {
        "fidelity": fidelity.quality_report(train, synthetic, schema, seed=seed),
        "privacy": {
            "exact_copy_rate": privacy.exact_copy_rate(synthetic, train, holdout, schema),
            "dcr_share": privacy.dcr_share(synthetic, train, holdout, schema, seed=seed),
        },
    }


def validate_candidate(
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    synthetic_manifest: SyntheticManifest,
    synthetic: pd.DataFrame,
    root: DataRoot,
) -> ReportManifest:
    train, holdout = load_splits(snapshot, root)
    sections = validation_sections(synthetic, train, holdout, snapshot, seed=spec.generator.seed)
    body, outcomes = gated_report(sections, acceptance_gates(spec.acceptance, "validation"))
    return write_report("validation", body, outcomes, synthetic_manifest, root)
