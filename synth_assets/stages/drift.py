"""Drift of the live source against the champion's reference profile, for the sensor, the
nightly schedule, the drift_report asset and `synth-assets drift`."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from synth_assets.catalog import DatasetSpec
from synth_assets.governance.generalize import GeneralizationRules, apply_generalization
from synth_assets.manifests import DriftManifest, PublicationManifest
from synth_assets.metrics.drift import DriftSettings, drift_report
from synth_assets.metrics.fidelity import detection_auc
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.sources import sample_source, source_fingerprint
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot


def drift_settings(spec: DatasetSpec) -> DriftSettings:
    drift = spec.drift
    return DriftSettings(
        psi_threshold=drift.psi_threshold,
        alpha=drift.alpha,
        null_share_threshold=drift.null_share_threshold,
        unseen_share_threshold=drift.unseen_share_threshold,
        column_share_threshold=drift.column_share_threshold,
    )


def drift_exclusions(spec: DatasetSpec, profile_columns) -> dict[str, str]:
    """Columns of the reference profile left out of the drift verdict, with the reason.

    Time and index columns (`drift.roles`) grow with every append by design; declared personal
    data is not a content column to watch. The primary key and dropped or faked columns never
    reach the profile at all.
    """
    excluded = {name: f"role: {role}" for name, role in spec.drift.roles.items() if name in profile_columns}
    excluded |= {name: f"pii: {how}" for name, how in spec.pii.columns.items() if name in profile_columns}
    return excluded


def measure_drift(dataset: str, spec: DatasetSpec, root: DataRoot, *, sample_rows: int | None = None) -> dict:
    """The drift report of a bounded sample of the source against the current champion.

    The sample goes through the champion's PII handling, schema contract and generalisation
    rules, so it is compared exactly as the champion's snapshot was made; only content columns
    are judged (`drift_exclusions`). With `drift.recency_column`, the sample is drawn from the
    rows added since the champion's snapshot, and fewer than `drift.min_recent_rows` of them are
    reported without a verdict. Without a champion the report says so (`status: no_champion`) and
    nothing is sampled.
    """
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    champion = read_champion(root, dataset)
    marker = spec.drift.updated_at_column or spec.drift.recency_column
    state = source_fingerprint(spec.source, dataset=dataset, updated_at_column=marker)
    if champion is None:
        return {"dataset": dataset, "status": "no_champion", "drifted": False, "measured_at": measured_at, "source": state}
    profile = root.read_json(root.resolve(champion.reference_profile_path))
    schema = champion.schema_contract
    window = _recency_window(spec, profile)
    raw = sample_source(spec.source, dataset=dataset, n_rows=sample_rows or spec.drift.sample_rows, since=window)
    sample = apply_generalization(
        schema.conform(raw, what=f"sample of dataset {dataset!r}"), GeneralizationRules.model_validate(profile["generalization"])
    )
    excluded = drift_exclusions(spec, profile["columns"])
    content = profile | {"columns": {k: v for k, v in profile["columns"].items() if k not in excluded}}
    report = drift_report(content, sample, drift_settings(spec))
    report["excluded_columns"] = excluded
    if window is not None:
        report["window"] = {"column": window[0], "since": window[1], "rows": raw.attrs.get("population")}
        if len(sample) < spec.drift.min_recent_rows:
            report |= {"drifted": False, "not_judged": f"{len(sample)} rows added since the snapshot (fewer than {spec.drift.min_recent_rows})"}
    if spec.drift.multivariate and "not_judged" not in report:
        report["multivariate"] = _multivariate(spec, champion, sample, root, excluded)
        if report["multivariate"]["auc"] >= spec.drift.multivariate_auc_threshold:
            report["drifted"] = True
    return report | {
        "dataset": dataset,
        "status": "drifted" if report["drifted"] else "stable",
        "measured_at": measured_at,
        "champion_version": champion.version,
        "source": state,
        "sampling": raw.attrs.get("sampling"),
    }


def _recency_window(spec: DatasetSpec, profile: dict) -> tuple[str, object] | None:
    """(column, value at the snapshot) when drift compares only newer rows; None: the whole source.

    A champion whose snapshot predates the setting has no recorded value: the whole source is
    compared until the next snapshot records one.
    """
    recency = profile.get("recency") or {}
    if not spec.drift.recency_column or recency.get("column") != spec.drift.recency_column or recency.get("watermark") is None:
        return None
    return recency["column"], recency["watermark"]


def _multivariate(spec: DatasetSpec, champion: PublicationManifest, sample: pd.DataFrame, root: DataRoot, excluded: dict) -> dict:
    """A classifier telling the champion's train split from the sample (reads restricted rows),
    on the content columns only (a time column alone would tell old rows from new ones)."""
    train_path = root.path("restricted", champion.dataset, "snapshots", champion.snapshot_hash[:16], "train.parquet")
    reference = bounded_sample(root.read_frame(train_path), len(sample), np.random.default_rng(0))
    schema = champion.schema_contract
    content = schema.model_copy(update={"columns": tuple(c for c in schema.columns if c.name not in excluded)})
    estimate = detection_auc(reference[content.names], sample[content.names], content)
    return {"auc": estimate.value, "ci_low": estimate.ci_low, "ci_high": estimate.ci_high, "threshold": spec.drift.multivariate_auc_threshold}


def write_drift_report(report: dict, root: DataRoot) -> DriftManifest:
    """Publish a drift report (aggregates only) as `published/<dataset>/drift/<time>.json`."""
    stamp = report["measured_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = root.path("published", report["dataset"], "drift", f"{stamp}.json")
    root.write_json(path, report)
    return DriftManifest(
        dataset=report["dataset"],
        measured_at=report["measured_at"],
        path=root.relative(path),
        status=report["status"],
        drifted=report["drifted"],
        score=report.get("score"),
        champion_version=report.get("champion_version"),
    )
