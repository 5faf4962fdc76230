"""Stage 4: validate a candidate against the real splits and hold it to the acceptance gates.

The report has three sections: fidelity (is it like the real data, for every subgroup?),
coverage (does it reach the rare categories and tails, and invent nothing?) and privacy (does it
reveal the training rows beyond what it reveals about the holdout?).
"""

import time
from collections.abc import Callable

import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.gates import applicable_gates
from synth_assets.governance import plots
from synth_assets.manifests import ReportManifest, SnapshotManifest, SyntheticManifest
from synth_assets.metrics import coverage, fidelity, privacy, targeted
from synth_assets.metrics.anonymeter_risk import anonymeter_risks
from synth_assets.metrics.estimate import Estimate
from synth_assets.reports import Sections, gated_report
from synth_assets.schema import SchemaContract
from synth_assets.stages.candidate import load_splits, write_report
from synth_assets.storage import DataRoot


def validation_sections(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    spec: DatasetSpec,
    schema: SchemaContract,
    *,
    timings: dict[str, float] | None = None,
) -> Sections:
    """Every validation metric, grouped by section; `timings` receives seconds per metric group."""
    seed = spec.generator.seed
    timings = {} if timings is None else timings

    def timed(name: str, compute: Callable[[], dict[str, Estimate]]) -> dict[str, Estimate]:
        started = time.perf_counter()
        result = compute()
        timings[name] = round(time.perf_counter() - started, 3)
        return result

    fidelity_section = timed("quality_report", lambda: fidelity.quality_report(train, synthetic, schema, seed=seed))
    fidelity_section |= timed(
        "detection",
        lambda: {
            "detection_auc": fidelity.detection_auc(train, synthetic, schema, seed=seed),
            "detection_auc_boosted": fidelity.detection_auc(train, synthetic, schema, model="boosted", seed=seed),
        },
    )
    if spec.sensitive_attributes:
        fidelity_section |= timed(
            "subgroups",
            lambda: {"subgroup_quality": fidelity.subgroup_fidelity(train, synthetic, schema, spec.sensitive_attributes)},
        )

    coverage_section = timed(
        "coverage",
        lambda: {
            "category_coverage": coverage.category_coverage(train, synthetic, schema),
            "rare_category_ratio": coverage.rare_category_ratio(train, synthetic, schema),
            **coverage.tail_coverage(train, synthetic, schema),
            "tail_share_error": coverage.tail_share_error(train, synthetic, schema),
            "novel_value_share": coverage.novel_values(train, synthetic, schema),
        },
    )

    privacy_section = timed("exact_matches", lambda: privacy.exact_copy_rate(synthetic, train, holdout, schema))
    privacy_section |= timed("distances", lambda: privacy.distance_privacy(synthetic, train, holdout, schema, seed=seed))
    secrets = list(dict.fromkeys([spec.target.column, *spec.sensitive_attributes]))
    privacy_section |= timed("anonymeter", lambda: anonymeter_risks(synthetic, train, holdout, schema, secrets, seed=seed))
    privacy_section |= timed("vulnerable_records", lambda: targeted.vulnerable_membership(synthetic, train, holdout, schema, seed=seed))
    privacy_section |= timed(
        "exposed_near_copies",
        lambda: {"exposed_near_copy_excess": targeted.exposed_near_copies(synthetic, train, holdout, schema, seed=seed)},
    )
    if spec.quasi_identifiers:
        privacy_section |= timed(
            "quasi_identifiers", lambda: privacy.quasi_identifier_risk(synthetic, train, holdout, spec.quasi_identifiers)
        )
        linkage_secrets = spec.inference_secrets or [spec.target.column]
        privacy_section |= timed(
            "linkage",
            lambda: targeted.quasi_identifier_inference(
                synthetic, train, holdout, schema, spec.quasi_identifiers, linkage_secrets, seed=seed
            ),
        )
    return {"fidelity": fidelity_section, "coverage": coverage_section, "privacy": privacy_section}


def validate_candidate(
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    synthetic_manifest: SyntheticManifest,
    synthetic: pd.DataFrame,
    root: DataRoot,
) -> ReportManifest:
    train, holdout = load_splits(snapshot, root)
    timings: dict[str, float] = {}
    sections = validation_sections(synthetic, train, holdout, spec, snapshot.schema_contract, timings=timings)
    body, outcomes = gated_report(sections, applicable_gates(spec, "validation"))
    started = time.perf_counter()
    figures = {
        "Distributions: real (train) vs synthetic": plots.distribution_overlay(train, synthetic, snapshot.schema_contract),
        "Distance to closest record: synthetic rows to train vs to holdout": plots.dcr_histogram(
            sections["privacy"]["dcr_share"].details["histogram"]
        ),
    }
    timings["figures"] = round(time.perf_counter() - started, 3)
    return write_report(
        "validation", body, outcomes, synthetic_manifest, root, extra={"timings_s": timings}, figures=figures
    )
