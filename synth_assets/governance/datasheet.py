"""Datasheets filled from evidence: catalog governance, manifests and reports, never by hand.

`build_datasheet` assembles the facts as a dict (the JSON form); `render_markdown` writes the
page privacy reviewers read. Both hold aggregates and identifiers only: no real record.
"""

from datetime import datetime, timedelta

from synth_assets.catalog import DatasetSpec
from synth_assets.engines.registry import MODELS
from synth_assets.governance.rendering import drift_markdown, hybrid_summary
from synth_assets.manifests import GeneratorManifest, SnapshotManifest, SyntheticManifest
from synth_assets.publish.limits import sample_row_limit
from synth_assets.reports import sections_markdown

BORDERLINE_MARGIN = 0.05  # a passing gate within 5% of its threshold is listed as a limitation

ATTRIBUTIONS = {
    "adult": "UCI Adult (Becker & Kohavi, 1996), https://doi.org/10.24432/C5XW20, licensed CC BY 4.0.",
    "doctoraus": "DoctorAUS, 1977-78 Australian Health Survey (Cameron et al., 1988), from the R package Ecdat, licensed GPL-2 | GPL-3.",
}


def build_datasheet(
    dataset: str,
    spec: DatasetSpec,
    snapshot: SnapshotManifest,
    generator: GeneratorManifest,
    synthetic: SyntheticManifest,
    validation: dict,
    transfer: dict,
    drift: dict,
    *,
    registered_model: str,
    mlflow_experiment: str,
    retracted: list[dict] | None = None,
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
            "pii": snapshot.pii.model_dump(),
            "generalization": {
                "min_category_rows": spec.disclosure.min_category_rows,
                "top_code_rows": spec.disclosure.top_code_rows,
                "changes": snapshot.generalization,
            },
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
            "environment": generator.environment.model_dump(),
            "fit_seconds": generator.fit_seconds,
            "fit_cpu_seconds": generator.fit_cpu_seconds,
            "peak_memory_mb": generator.peak_memory_mb,
            "differential_privacy": (
                {
                    "epsilon": generator.epsilon,
                    "delta": generator.delta,
                    "epsilon_spent_total": generator.epsilon_spent_total,
                    "epsilon_budget": spec.epsilon_budget,
                    "epsilon_accounted": generator.epsilon_accounted,
                    "scope": MODELS[f"{generator.engine}/{generator.model}"].dp_scope,
                }
                if generator.epsilon is not None
                else None
            ),
        },
        "synthetic": {
            "rows": synthetic.n_rows,
            "content_hash": synthetic.content_hash,
            "sample_seed": synthetic.sample_seed,
            # The gates were run on these rows; the registered generator returns no more per call.
            "certified_rows": synthetic.n_rows,
            "max_sample_rows_per_call": sample_row_limit(spec.max_sample_rows, synthetic.n_rows),
        },
        "evidence": {"validation": validation, "transfer": transfer, "drift": drift},
        "limitations": limitations(validation, transfer) + ungated_limitations(spec) + worst_subgroup_lines(validation, transfer),
        "status": "candidate: the version is registered in MLflow and published only after every gate passed",
        "distribution": {
            "mlflow_experiment": mlflow_experiment,
            "registered_model": registered_model,
            "mlflow_tracking_uri": None,
            "model_version": None,
            "mlflow_run_id": None,
            "published_path": None,
        },
        "retracted_versions": retracted or [],
        "maintenance": {
            "refresh_cron": spec.refresh_cron,
            "retention_days": governance.retention_days,
            "expires_on": (created + timedelta(days=governance.retention_days)).date().isoformat(),
        },
    }


def dp_line(dp: dict | None) -> str:
    if dp is None:
        return "none (this generator gives no formal privacy guarantee; the privacy evidence below is empirical)"
    delta = f"{dp['delta']:g}" if dp["delta"] is not None else "the plugin's default"
    budget = f" of the dataset's budget of {dp['epsilon_budget']:g}" if dp["epsilon_budget"] is not None else ""
    line = f"epsilon {dp['epsilon']:g}, delta {delta} for this fit; {dp['epsilon_spent_total']:g} spent in total on this dataset{budget}"
    if dp.get("epsilon_accounted") is not None:
        line += f" (the engine's own accountant reports epsilon {dp['epsilon_accounted']:.3g} at the kept checkpoint)"
    return line + (f". Scope: {dp['scope']}" if dp.get("scope") else "")


def distribution_lines(dataset: str, distribution: dict) -> list[str]:
    lines = [f"- MLflow experiment `{distribution['mlflow_experiment']}`, registered model `{distribution['registered_model']}`"]
    if distribution["model_version"] is None:
        return lines + ["- Model version and alias `champion`: assigned at publication"]
    return lines + [
        f"- Model `models:/{distribution['registered_model']}/{distribution['model_version']}` (alias `champion` when published), "
        f"run `{distribution['mlflow_run_id']}` on `{distribution['mlflow_tracking_uri']}`",
        f"- Files: `{distribution['published_path']}`",
        f"- Load it: `synth-assets pull {dataset}` or `synth_assets.consume.load_synthetic({dataset!r})`",
    ]


def preprocessing_lines(preprocessing: dict) -> list[str]:
    pii, generalization = preprocessing["pii"], preprocessing["generalization"]
    lines = [f"- Primary key excluded from modelling: {preprocessing['primary_key_excluded'] or 'none declared'}"]
    lines.append(f"- Dropped (never left the source): {', '.join(pii['dropped']) or 'none'}")
    lines.append(
        "- Replaced by fake values (never modelled): "
        + (", ".join(f"{c} (Faker `{p}`)" for c, p in pii["faked"].items()) or "none")
    )
    lines.append(f"- Personal data kept on purpose: {', '.join(pii['kept']) or 'none declared'}")
    if pii["flagged"]:
        lines.append(
            "- **Undeclared columns that look like direct identifiers**: "
            + "; ".join(f"{c} ({', '.join(r)})" for c, r in sorted(pii["flagged"].items()))
        )
    changes = generalization["changes"]
    lines.append(
        f"- Generalisation: categories held by fewer than {generalization['min_category_rows']} rows recoded to "
        f"`(other)`; numbers beyond the {generalization['top_code_rows']}th most extreme value top/bottom-coded"
        + (": " + "; ".join(f"{c} {', '.join(f'{k.replace(chr(95), chr(32))} {v}' for k, v in change.items())}" for c, change in sorted(changes.items())) if changes else "; nothing needed recoding")
    )
    return lines


def finalize_datasheet(sheet: dict, *, tracking_uri: str, mlflow_run_id: str, model_version: str, published_path: str) -> dict:
    """The published datasheet: the candidate's, with where it was published and registered."""
    distribution = sheet["distribution"] | {
        "mlflow_tracking_uri": tracking_uri,
        "model_version": model_version,
        "mlflow_run_id": mlflow_run_id,
        "published_path": published_path,
    }
    return sheet | {"status": "published: every gate passed", "distribution": distribution}


def limitations(*reports: dict) -> list[str]:
    """Failed gates, gates that passed by less than `BORDERLINE_MARGIN` of their threshold, and
    real categories the synthetic data lack."""
    found = []
    for report in reports:
        for section, metrics in report.get("sections", {}).items():
            for column, info in ((metrics.get("category_coverage") or {}).get("details") or {}).get("columns", {}).items():
                if info.get("missing_named") or info.get("missing_small"):
                    named = ", ".join(info.get("missing_named", []))
                    small = info.get("missing_small", 0)
                    found.append(
                        f"{column}: synthetic data lack {named or ''}{' and ' if named and small else ''}"
                        f"{f'{small} rare categories' if small else ''}."
                    )
            for metric, entry in metrics.items():
                if "threshold" not in entry:
                    continue
                name, value, threshold = f"{section}.{metric}", entry["value"], entry["threshold"]
                if entry.get("judged") is False:
                    found.append(f"{name} = {value:.4f} was not judged: {entry['insufficient']}.")
                elif not entry["passed"]:
                    found.append(f"{name} = {value:.4f} fails its gate ({entry['bound']} {threshold:g}).")
                elif abs(value - threshold) <= BORDERLINE_MARGIN * max(abs(threshold), 1e-9):
                    found.append(f"{name} = {value:.4f} is within 5% of its threshold {threshold:g}.")
    return found


def ungated_limitations(spec: DatasetSpec) -> list[str]:
    """Gates the catalog switched off (`null`), and those off by default: reported, never held."""
    criteria, found, off_by_default = spec.acceptance, [], []
    for field, info in type(criteria).model_fields.items():
        if getattr(criteria, field) is not None:
            continue
        metric = f"{info.json_schema_extra['section']}.{field.rpartition('_')[0]}"
        if field in criteria.model_fields_set or info.default is not None:
            found.append(f"{metric} is not gated: the catalog sets `{field}: null`, so it is reported but never held to a threshold.")
        else:
            off_by_default.append(metric)
    if off_by_default:
        found.append(f"Reported but not gated (off by default; set a threshold in the catalog to gate): {', '.join(off_by_default)}.")
    return found


def worst_subgroup_lines(*reports: dict) -> list[str]:
    """The subgroup each per-subgroup metric found worst, by name and value."""
    found = []
    for report in reports:
        for section, metrics in report.get("sections", {}).items():
            for metric in ("subgroup_quality", "worst_subgroup_transfer_ratio"):
                details = (metrics.get(metric) or {}).get("details") or {}
                if "worst_group" in details:
                    value, mean = metrics[metric]["value"], metrics[metric].get("baseline")
                    versus = f" (mean over subgroups {mean:.4f})" if mean is not None and metric == "subgroup_quality" else ""
                    found.append(f"Worst subgroup for {section}.{metric}: {details['worst_group']}, {value:.4f}{versus}.")
    return found


def retracted_lines(retracted: list[dict]) -> list[str]:
    """Earlier versions withdrawn after publication: who, when and why (`synth-assets retract`)."""
    if not retracted:
        return []
    return [
        "## Withdrawn versions",
        "These earlier versions were published and then withdrawn; their files are deleted from the published zone and MLflow:",
        "",
        *[f"- {r['version']} (model version {r['model_version']}): withdrawn {r['retracted_at']} by {r['retracted_by']}: {r['reason']}" for r in retracted],
        "",
    ]


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
        "## Preprocessing and personal data",
        *preprocessing_lines(sheet["preprocessing"]),
        "",
        "| column | kind | dtype | nullable |",
        "|---|---|---|---|",
        *[f"| {c['name']} | {c['kind']} | {c['dtype']} | {c['nullable']} |" for c in sheet["preprocessing"]["columns"]],
        "",
        "## Generation method",
        f"- Generator: {generation['engine']}/{generation['model']}, params `{generation['params']}`, seed {generation['seed']}",
        f"- Libraries: {', '.join(f'{k} {v}' for k, v in sorted(generation['library_versions'].items()))}, in engine environment "
        f"`{generation['environment']['name']}` (Python {generation['environment']['python']}"
        + (f", lock `{generation['environment']['lock_sha256'][:12]}`)" if generation["environment"]["lock_sha256"] else ")"),
        f"- Code version: `{generation['code_version']}`; config hash `{generation['config_hash'][:16]}`",
        f"- Generator file sha256 `{generation['generator_sha256'][:16]}`, fitted in {generation['fit_seconds']:.1f} s "
        f"({generation['fit_cpu_seconds']:.0f} CPU seconds, peak memory {generation['peak_memory_mb']:,.0f} MiB)",
        f"- Differential privacy: {dp_line(generation['differential_privacy'])}",
        f"- Synthetic rows: {sheet['synthetic']['rows']:,}, content hash `{sheet['synthetic']['content_hash'][:16]}`, "
        f"sample seed {sheet['synthetic']['sample_seed']}",
        f"- Certified row count: the gates below were run on these {sheet['synthetic']['certified_rows']:,} rows (attacks that "
        "sample them say how many); the registered generator returns at most "
        f"{sheet['synthetic']['max_sample_rows_per_call']:,} rows per call",
        "",
        "## Validation evidence",
        sections_markdown(sheet["evidence"]["validation"].get("sections", {})),
        "## Transfer evidence",
        "Train on synthetic, test on real (TSTR) against train on real (TRTR), both on the real holdout; "
        "the full report, with the second model, the error profile and the hybrid curve, is `transfer.html`.",
        "",
        sections_markdown({"transfer": sheet["evidence"]["transfer"].get("sections", {}).get("transfer", {})}),
        *([hybrid_summary(hybrid["details"]), ""] if (hybrid := sheet["evidence"]["transfer"].get("sections", {}).get("hybrid", {}).get("reaches_95pct_of_trtr")) else []),
        "## Drift evidence",
        "Drift of the source, at this regeneration, against the champion it replaces:",
        "",
        drift_markdown(sheet["evidence"]["drift"]),
        "",
        "## Known limitations",
        *[f"- {item}" for item in sheet["limitations"] or ["No failed or borderline gate."]],
        "- Synthetic data reproduces the patterns of its snapshot, including its biases; it is not a "
        "substitute for the real data in decisions about individuals.",
        "",
        "## Distribution",
        f"- Status: {sheet['status']}",
        *distribution_lines(sheet["dataset"], sheet["distribution"]),
        "",
        *retracted_lines(sheet.get("retracted_versions", [])),
        "## Maintenance",
        f"- Refresh schedule: `{maintenance['refresh_cron']}` (UTC)",
        f"- Retention: {maintenance['retention_days']} days; this version expires on {maintenance['expires_on']}",
        "",
    ]
    return "\n".join(lines)
