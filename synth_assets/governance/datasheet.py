"""Datasheets filled from evidence: catalog governance, manifests and reports, never by hand.

`build_datasheet` assembles the facts as a dict (the JSON form); `render_markdown` writes the
page privacy reviewers read. Both hold aggregates and identifiers only: no real record.
"""

from datetime import datetime, timedelta

from synth_assets.catalog import DatasetSpec
from synth_assets.manifests import GeneratorManifest, SnapshotManifest, SyntheticManifest
from synth_assets.governance.rendering import hybrid_summary
from synth_assets.reports import sections_markdown

BORDERLINE_MARGIN = 0.05  # a passing gate within 5% of its threshold is listed as a limitation

ATTRIBUTIONS = {
    "adult": "UCI Adult (Becker & Kohavi, 1996), https://doi.org/10.24432/C5XW20, licensed CC BY 4.0.",
}


def build_datasheet(
    dataset: str,
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    generator: GeneratorManifest,
    synthetic: SyntheticManifest,
    validation: dict,
    transfer: dict,
    *,
    registered_model: str,
    mlflow_experiment: str,
) -> dict:
    governance = spec.governance
    created = datetime.fromisoformat(snapshot.taken_at)
    return {
        "dataset": dataset,
        "version": synthetic.version,
        "description": spec.description,
        "motivation": {"purpose": governance.purpose, "owner": governance.owner},
        "uses": {"allowed": governance.allowed_uses, "forbidden": governance.forbidden_uses},
        "source": {
            "url": snapshot.source_url,
            "selector": snapshot.source_selector,
            "snapshot_taken_at": snapshot.taken_at,
            "rows": snapshot.n_source_rows,
            "train_rows": snapshot.n_train,
            "holdout_rows": snapshot.n_holdout,
            "holdout_fraction": snapshot.holdout_fraction,
            "split_seed": snapshot.split_seed,
            "snapshot_hash": snapshot.snapshot_hash,
            "attribution": ATTRIBUTIONS.get(spec.source.bootstrap or ""),
        },
        "preprocessing": {
            "primary_key_excluded": snapshot.schema_contract.primary_key,
            "columns": snapshot.schema_contract.as_table(),
        },
        "generation": {
            "engine": generator.engine,
            "model": generator.model,
            "params": generator.params,
            "seed": generator.seed,
            "library_versions": generator.library_versions,
            "code_version": generator.code_version,
            "config_hash": generator.config_hash,
            "generator_sha256": generator.sha256,
            "fit_seconds": generator.fit_seconds,
        },
        "synthetic": {"rows": synthetic.n_rows, "content_hash": synthetic.content_hash, "sample_seed": synthetic.sample_seed},
        "evidence": {"validation": validation, "transfer": transfer},
        "limitations": limitations(validation, transfer),
        "distribution": {"mlflow_experiment": mlflow_experiment, "registered_model": registered_model},
        "maintenance": {
            "refresh_cron": spec.refresh_cron,
            "retention_days": governance.retention_days,
            "expires_on": (created + timedelta(days=governance.retention_days)).date().isoformat(),
        },
    }


def limitations(*reports: dict) -> list[str]:
    """Failed gates and gates that passed by less than `BORDERLINE_MARGIN` of their threshold."""
    found = []
    for report in reports:
        for section, metrics in report.get("sections", {}).items():
            for metric, entry in metrics.items():
                if "threshold" not in entry:
                    continue
                name, value, threshold = f"{section}.{metric}", entry["value"], entry["threshold"]
                if not entry["passed"]:
                    found.append(f"{name} = {value:.4f} fails its gate ({entry['bound']} {threshold:g}).")
                elif abs(value - threshold) <= BORDERLINE_MARGIN * max(abs(threshold), 1e-9):
                    found.append(f"{name} = {value:.4f} is within 5% of its threshold {threshold:g}.")
    return found


def render_markdown(sheet: dict) -> str:
    source, generation, maintenance = sheet["source"], sheet["generation"], sheet["maintenance"]
    lines = [
        f"# Datasheet: {sheet['dataset']} (synthetic version {sheet['version']})",
        "",
        sheet["description"] or "",
        "",
        "## Motivation",
        f"- Purpose: {sheet['motivation']['purpose']}",
        f"- Owner: {sheet['motivation']['owner']}",
        "",
        "## Uses",
        "Allowed:",
        *[f"- {use}" for use in sheet["uses"]["allowed"] or ["(none declared)"]],
        "",
        "Forbidden:",
        *[f"- {use}" for use in sheet["uses"]["forbidden"] or ["(none declared)"]],
        "",
        "## Source provenance",
        f"- Source: `{source['url']}`, `{source['selector']}`",
        f"- Snapshot taken at {source['snapshot_taken_at']}: {source['rows']:,} rows "
        f"({source['train_rows']:,} train, {source['holdout_rows']:,} holdout; holdout fraction "
        f"{source['holdout_fraction']:g}, split seed {source['split_seed']})",
        f"- Snapshot hash: `{source['snapshot_hash']}`",
        *([f"- Attribution: {source['attribution']}"] if source["attribution"] else []),
        "",
        "## Preprocessing",
        f"- Primary key excluded from modelling: {sheet['preprocessing']['primary_key_excluded'] or 'none declared'}",
        "",
        "| column | kind | dtype | nullable |",
        "|---|---|---|---|",
        *[f"| {c['name']} | {c['kind']} | {c['dtype']} | {c['nullable']} |" for c in sheet["preprocessing"]["columns"]],
        "",
        "## Generation method",
        f"- Generator: {generation['engine']}/{generation['model']}, params `{generation['params']}`, seed {generation['seed']}",
        f"- Libraries: {', '.join(f'{k} {v}' for k, v in sorted(generation['library_versions'].items()))}",
        f"- Code version: `{generation['code_version']}`; config hash `{generation['config_hash'][:16]}`",
        f"- Generator file sha256 `{generation['generator_sha256'][:16]}`, fitted in {generation['fit_seconds']:.1f} s",
        f"- Synthetic rows: {sheet['synthetic']['rows']:,}, content hash `{sheet['synthetic']['content_hash'][:16]}`, "
        f"sample seed {sheet['synthetic']['sample_seed']}",
        "",
        "## Validation evidence",
        sections_markdown(sheet["evidence"]["validation"].get("sections", {})),
        "## Transfer evidence",
        "Train on synthetic, test on real (TSTR) against train on real (TRTR), both on the real holdout; "
        "the full report, with the second model, the error profile and the hybrid curve, is `transfer.html`.",
        "",
        sections_markdown({"transfer": sheet["evidence"]["transfer"].get("sections", {}).get("transfer", {})}),
        *([hybrid_summary(hybrid["details"]), ""] if (hybrid := sheet["evidence"]["transfer"].get("sections", {}).get("hybrid", {}).get("reaches_95pct_of_trtr")) else []),
        "## Known limitations",
        *[f"- {item}" for item in sheet["limitations"] or ["No failed or borderline gate."]],
        "- Synthetic data reproduces the patterns of its snapshot, including its biases; it is not a "
        "substitute for the real data in decisions about individuals.",
        "",
        "## Distribution",
        f"- MLflow experiment `{sheet['distribution']['mlflow_experiment']}`, registered model "
        f"`{sheet['distribution']['registered_model']}` (alias `champion` after all gates pass)",
        "",
        "## Maintenance",
        f"- Refresh schedule: `{maintenance['refresh_cron']}` (UTC)",
        f"- Retention: {maintenance['retention_days']} days; this version expires on {maintenance['expires_on']}",
        "",
    ]
    return "\n".join(lines)
