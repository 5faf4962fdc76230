"""One chain of assets per catalog dataset, keyed `<dataset>/<stage>` and grouped by dataset.

real_snapshot -> generator -> synthetic_dataset + validation (blocking gates) -> transfer_metrics
-> datasheet -> publication. Each asset calls its stage in `synth_assets.stages` and turns the
resulting manifest into metadata; no statistics live here.
"""

import re
from collections.abc import Iterator

import dagster as dg

from synth_assets.assets.metadata import check_result, column_schema, short, transfer_markdown
from synth_assets.assets.status_card import not_published_sentence, status_card
from synth_assets.catalog import DatasetSpec
from synth_assets.gates import applicable_gates
from synth_assets.governance import plots
from synth_assets.governance.pii import describe_flags
from synth_assets.governance.rendering import data_uri, drift_markdown
from synth_assets.history import history, history_table, regressions
from synth_assets.manifests import (
    DatasheetManifest,
    DriftManifest,
    GeneratorManifest,
    PublicationManifest,
    ReportManifest,
    SnapshotManifest,
    SyntheticManifest,
)
from synth_assets.metrics.drift import summary_line
from synth_assets.publish.mlflow_registry import model_version_url, run_url
from synth_assets.reports import gates_markdown
from synth_assets.resources import DataRootResource, MlflowResource
from synth_assets.runlock import RegenerationInFlight, dataset_run_in_flight
from synth_assets.stages.bakeoff import candidate_labels, rank, ranking_folder, ranking_markdown, ranking_table, run_candidate
from synth_assets.stages.candidate import embedded_report_markdown
from synth_assets.stages.datasheet import compose_datasheet
from synth_assets.stages.drift import measure_drift, write_drift_report
from synth_assets.stages.generate import fit_generator, new_version, sample_synthetic
from synth_assets.stages.preflight import preflight
from synth_assets.stages.publish import publish_candidate, read_champion
from synth_assets.stages.snapshot import take_snapshot
from synth_assets.stages.transfer import evaluate_transfer
from synth_assets.stages.validate import validate_candidate
from synth_assets.storage import DataRoot

# The quality-history table and plot show the newest versions; the CSV linked beside them has all.
HISTORY_SHOWN = 10


def dataset_assets(dataset: str, spec: DatasetSpec) -> list[dg.AssetsDefinition]:
    def key(stage: str) -> dg.AssetKey:
        return dg.AssetKey([dataset, stage])

    common = {"group_name": dataset, "owners": _owners(spec.governance.owner)}
    restricted = {**common, "tags": {"zone": "restricted"}}

    @dg.asset(key=key("real_snapshot"), kinds={"sql"}, **restricted)
    def real_snapshot(context: dg.AssetExecutionContext, data_root: DataRootResource, mlflow: MlflowResource) -> SnapshotManifest:
        """Seeded train/holdout split of the real source, with its schema contract and reference profile."""
        root = data_root.get()
        if running := dataset_run_in_flight(context.instance, dataset, root, other_than=context.run.run_id):
            raise RegenerationInFlight(f"a regeneration of {dataset!r} is already in flight (run {running}); this run stops before the fit")
        checked = preflight(dataset, root, mlflow.tracking_uri)
        for note in checked.notes:
            context.log.warning(f"{dataset}: {note}")
        champion = checked.champion
        snapshot = take_snapshot(dataset, spec, root, previous=champion.schema_contract if champion else None)
        context.log.info(
            f"{dataset}: snapshot of {snapshot.n_source_rows:,} rows -> "
            f"{snapshot.n_train:,} train / {snapshot.n_holdout:,} holdout"
        )
        if snapshot.pii.flagged:
            context.log.warning(
                f"{dataset}: undeclared columns look like direct identifiers: {describe_flags(snapshot.pii.flagged)}. "
                "Declare them under `pii.columns` (drop, fake or keep); `pii.detection: block` makes this an error."
            )
        context.add_output_metadata(
            {
                "dagster/row_count": snapshot.n_source_rows,
                "dagster/column_schema": column_schema(snapshot.schema_contract),
                "source": snapshot.source_url,
                "selector": snapshot.source_selector,
                "train_rows": snapshot.n_train,
                "holdout_rows": snapshot.n_holdout,
                "snapshot_hash": short(snapshot.snapshot_hash),
                "pii": dg.MetadataValue.json(
                    {"dropped": snapshot.pii.dropped, "faked": snapshot.pii.faked, "kept": snapshot.pii.kept, "flagged": snapshot.pii.flagged}
                ),
                "generalized": dg.MetadataValue.json(snapshot.generalization),
            }
        )
        return snapshot

    @dg.asset(key=key("drift_report"), kinds={"sql"}, **common)
    def drift_report(context: dg.AssetExecutionContext, data_root: DataRootResource) -> DriftManifest:
        """Drift of a bounded sample of the source against the current champion's reference profile."""
        root = data_root.get()
        report = measure_drift(dataset, spec, root)
        context.log.info(f"{dataset}: {summary_line(report)}")
        manifest = write_drift_report(report, root)
        context.add_output_metadata(
            {
                "status": report["status"],
                "drifted": report["drifted"],
                "score": report.get("score", 0.0),
                "drifted_columns": ", ".join(report.get("drifted_columns", [])) or "none",
                "champion_version": report.get("champion_version") or "none",
                "source_rows": report["source"]["rows"],
                "report": dg.MetadataValue.md(drift_markdown(report)),
            }
        )
        return manifest

    @dg.asset(
        key=key("generator"),
        ins={"snapshot": dg.AssetIn(key("real_snapshot"))},
        kinds={spec.generator.engine},
        op_tags=spec.generator.step_tags or None,
        **restricted,
    )
    def generator(context: dg.AssetExecutionContext, data_root: DataRootResource, snapshot: SnapshotManifest) -> GeneratorManifest:
        """The catalog's generator fitted on the train split (restricted: it was trained on real rows)."""
        config = spec.generator
        context.log.info(f"{dataset}: fitting {config.engine}/{config.model} on {snapshot.n_train:,} rows")
        fitted = fit_generator(
            dataset, spec, snapshot, data_root.get(), version=new_version(context.run.run_id), log=context.log.info
        )
        context.log.info(
            f"{dataset}: fitted in {fitted.fit_seconds:.1f} s ({fitted.fit_cpu_seconds:.0f} CPU s) in engine environment "
            f"{fitted.environment.name}, peak memory {fitted.peak_memory_mb:,.0f} MiB"
        )
        privacy = (
            {"epsilon": fitted.epsilon, "delta": fitted.delta or "plugin default", "epsilon_spent_total": fitted.epsilon_spent_total}
            if fitted.epsilon is not None
            else {}
        )
        context.add_output_metadata(
            {
                "version": fitted.version,
                "generator": f"{fitted.engine}/{fitted.model}",
                "params": dg.MetadataValue.json(fitted.params),
                "seed": fitted.seed,
                "fit_seconds": fitted.fit_seconds,
                "fit_cpu_seconds": fitted.fit_cpu_seconds,
                "peak_memory_mb": fitted.peak_memory_mb,
                "engine_environment": f"{fitted.environment.name} (Python {fitted.environment.python}"
                + (f", lock {short(fitted.environment.lock_sha256)})" if fitted.environment.lock_sha256 else ")"),
                "time_budget_s": config.time_budget_s,
                **privacy,
                "sha256": short(fitted.sha256),
                "input/snapshot_hash": short(snapshot.snapshot_hash),
                "library_versions": dg.MetadataValue.json(fitted.library_versions),
                "code_version": fitted.code_version,
            }
        )
        return fitted

    validation_gates = applicable_gates(spec, "validation")

    @dg.multi_asset(
        name=f"{dataset}__sample_and_validate",
        outs={
            "synthetic_dataset": dg.AssetOut(
                key=key("synthetic_dataset"),
                description="Synthetic rows sampled from the generator (Parquet, content-hashed); "
                "restricted until every gate below passes.",
                kinds={"parquet"},
                **common,
            ),
            "validation": dg.AssetOut(
                key=key("validation"),
                description="Validation report of the synthetic dataset: fidelity and privacy against the real splits.",
                **common,
            ),
        },
        ins={"generator": dg.AssetIn(key("generator")), "snapshot": dg.AssetIn(key("real_snapshot"))},
        internal_asset_deps={
            "synthetic_dataset": {key("generator")},
            "validation": {key("synthetic_dataset"), key("real_snapshot")},
        },
        check_specs=[
            dg.AssetCheckSpec(gate.check_name, asset=key("synthetic_dataset"), blocking=True, description=gate.describe())
            for gate in validation_gates.values()
        ]
        # The report's own verdict, so the node is not green when the data failed a gate.
        + [dg.AssetCheckSpec("every_gate_passed", asset=key("validation"), description="every validation gate above passed")],
    )
    def sample_and_validate(
        context: dg.AssetExecutionContext, data_root: DataRootResource, generator: GeneratorManifest, snapshot: SnapshotManifest
    ):
        root = data_root.get()
        synthetic, frame = sample_synthetic(dataset, spec, generator, snapshot, root)
        context.log.info(f"{dataset}: sampled {synthetic.n_rows:,} synthetic rows, validating")
        yield dg.Output(
            synthetic,
            output_name="synthetic_dataset",
            metadata={
                "dagster/row_count": synthetic.n_rows,
                "dagster/column_schema": column_schema(snapshot.schema_contract),
                "version": synthetic.version,
                "path": dg.MetadataValue.path(root.location(root.resolve(synthetic.path))),
                "zone": "restricted candidate: published only after every gate passes (see publication)",
                "content_hash": short(synthetic.content_hash),
                "input/generator_sha256": short(generator.sha256),
                "input/snapshot_hash": short(snapshot.snapshot_hash),
            },
        )
        report = validate_candidate(spec, snapshot, synthetic, frame, root)
        yield dg.Output(report, output_name="validation", metadata=_report_metadata(report, "validation", root))
        for outcome in report.gates:
            verdict = ("pass" if outcome.passed else "FAIL") + (f", {'' if outcome.judged else 'not judged: '}{outcome.note}" if outcome.note else "")
            context.log.info(f"{dataset}: gate {outcome.check_name} = {outcome.value:.4f} ({verdict})")
            yield check_result(key("synthetic_dataset"), outcome, validation_gates[outcome.metric].describe())
        yield dg.AssetCheckResult(
            asset_key=key("validation"),
            check_name="every_gate_passed",
            passed=report.passed,
            metadata={"failed": ", ".join(o.check_name for o in report.gates if not o.passed) or "none"},
        )
        yield from _stop_unless_passed(context, dataset, report, root)

    transfer_gates = applicable_gates(spec, "transfer")

    @dg.asset(
        key=key("transfer_metrics"),
        ins={"synthetic": dg.AssetIn(key("synthetic_dataset")), "snapshot": dg.AssetIn(key("real_snapshot"))},
        check_specs=[
            dg.AssetCheckSpec(gate.check_name, asset=key("transfer_metrics"), blocking=True, description=gate.describe())
            for gate in transfer_gates.values()
        ],
        kinds={"scikitlearn"},
        **common,
    )
    def transfer_metrics(context: dg.AssetExecutionContext, data_root: DataRootResource, synthetic: SyntheticManifest, snapshot: SnapshotManifest):
        """Train on synthetic vs train on real, both scored on the real holdout."""
        root = data_root.get()
        report = evaluate_transfer(spec, snapshot, synthetic, root)
        yield dg.Output(report, metadata=_report_metadata(report, "transfer", root))
        for outcome in report.gates:
            yield check_result(key("transfer_metrics"), outcome, transfer_gates[outcome.metric].describe())
        yield from _stop_unless_passed(context, dataset, report, root)

    @dg.asset(
        key=key("datasheet"),
        ins={
            "snapshot": dg.AssetIn(key("real_snapshot")),
            "generator": dg.AssetIn(key("generator")),
            "synthetic": dg.AssetIn(key("synthetic_dataset")),
            "validation": dg.AssetIn(key("validation")),
            "transfer": dg.AssetIn(key("transfer_metrics")),
            "drift": dg.AssetIn(key("drift_report")),
        },
        kinds={"markdown"},
        **common,
    )
    def datasheet(
        context: dg.AssetExecutionContext,
        data_root: DataRootResource,
        snapshot: SnapshotManifest,
        generator: GeneratorManifest,
        synthetic: SyntheticManifest,
        validation: ReportManifest,
        transfer: ReportManifest,
        drift: DriftManifest,
    ) -> DatasheetManifest:
        """Datasheet of the candidate version, filled from the evidence above."""
        manifest, markdown = compose_datasheet(dataset, spec, snapshot, generator, synthetic, validation, transfer, drift, data_root.get())
        context.add_output_metadata(
            {
                "datasheet": dg.MetadataValue.md(markdown),
                "version": manifest.version,
                "zone": "restricted candidate copy; the published datasheet is linked from publication",
            }
        )
        return manifest

    @dg.asset(
        key=key("publication"),
        ins={
            "snapshot": dg.AssetIn(key("real_snapshot")),
            "generator": dg.AssetIn(key("generator")),
            "synthetic": dg.AssetIn(key("synthetic_dataset")),
            "validation": dg.AssetIn(key("validation")),
            "transfer": dg.AssetIn(key("transfer_metrics")),
            "datasheet": dg.AssetIn(key("datasheet")),
        },
        kinds={"mlflow"},
        **common,
    )
    def publication(
        context: dg.AssetExecutionContext,
        data_root: DataRootResource,
        mlflow: MlflowResource,
        snapshot: SnapshotManifest,
        generator: GeneratorManifest,
        synthetic: SyntheticManifest,
        validation: ReportManifest,
        transfer: ReportManifest,
        datasheet: DatasheetManifest,
    ) -> PublicationManifest:
        """The gated version in the published zone and in MLflow, with the generator as `champion`."""
        root = data_root.get()
        published = publish_candidate(
            dataset,
            spec,
            snapshot,
            generator,
            synthetic,
            validation,
            transfer,
            datasheet,
            root,
            tracking_uri=mlflow.tracking_uri,
            artifact_root=mlflow.artifact_root,
            run_id=context.run.run_id,
        )
        context.log.info(
            f"{dataset}: published version {published.version} ({published.n_rows:,} rows); "
            f"{published.registered_model} v{published.model_version} is now champion"
        )
        # The drift report of this run was measured before this champion existed; the next one
        # compares the source with this version's reference profile.
        context.log_event(
            dg.AssetObservation(
                asset_key=key("drift_report"),
                metadata={"champion_version": published.version, "status": "baseline: the new champion was fitted on this snapshot"},
            )
        )
        folder = root.resolve(published.published_path).parent
        published_file = root.location(root.resolve(published.published_path))
        context.add_output_metadata(
            {
                "status": dg.MetadataValue.md(status_card(root, dataset, published)),
                "published": True,
                "version": published.version,
                "path": dg.MetadataValue.path(published_file),
                "datasheet": dg.MetadataValue.path(root.location(folder / "datasheet.html")),
                "validation_report": dg.MetadataValue.path(root.location(folder / "validation.html")),
                "transfer_report": dg.MetadataValue.path(root.location(folder / "transfer.html")),
                "dagster/row_count": published.n_rows,
                "content_hash": short(published.content_hash),
                "mlflow_run": dg.MetadataValue.url(run_url(published.mlflow_experiment_id, published.mlflow_run_id)),
                "registered_model": dg.MetadataValue.url(model_version_url(published.registered_model, published.model_version)),
            }
        )
        return published

    @dg.asset(
        key=key("quality_history"),
        deps=[key("publication")],
        check_specs=[
            dg.AssetCheckSpec(
                "no_regression",
                asset=key("quality_history"),
                description=f"the new champion is not worse than the previous one by more than {spec.regression_tolerance:g} on any gate",
            )
        ],
        kinds={"pandas"},
        **common,
    )
    def quality_history(context: dg.AssetExecutionContext, data_root: DataRootResource) -> dg.MaterializeResult:
        """Every evaluated version's gate values (champions and challengers), and an alert on regressions."""
        root = data_root.get()
        entries = history(root, dataset)
        table = history_table(entries)
        csv = root.path("published", dataset, "history.csv")
        root.write_bytes(csv, table.to_csv(index=False).encode())
        shown = table.tail(HISTORY_SHOWN)
        champions = [e for e in entries if e.status == "champion"]
        found = regressions(champions[-1], champions[-2], spec.regression_tolerance) if len(champions) >= 2 else []
        if found:
            context.log.warning(f"{dataset}: the new champion regressed against the previous one: {found}")
        return dg.MaterializeResult(
            metadata={
                "versions": len(entries),
                "champions": len(champions),
                "history": dg.MetadataValue.md(
                    f"The newest {len(shown)} of {len(table)} versions (all: `history.csv`).\n\n" + shown.round(4).to_markdown(index=False)
                ),
                "history_csv": dg.MetadataValue.path(root.location(csv)),
                "trend": dg.MetadataValue.md(f"![gate values over the newest versions]({data_uri(plots.history_trend(shown))})"),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="no_regression",
                    passed=not found,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"regressions": dg.MetadataValue.json(found), "tolerance": spec.regression_tolerance},
                )
            ],
        )

    chain = [drift_report, real_snapshot, generator, sample_and_validate, transfer_metrics, datasheet, publication, quality_history]
    return chain + ([bakeoff_asset(dataset, spec, common)] if spec.bakeoff else [])


def bakeoff_asset(dataset: str, spec: DatasetSpec, common: dict) -> dg.AssetsDefinition:
    assert spec.bakeoff is not None
    candidates = spec.bakeoff.candidates

    @dg.asset(
        key=dg.AssetKey([dataset, "bakeoff"]),
        ins={"snapshot": dg.AssetIn(dg.AssetKey([dataset, "real_snapshot"])), "drift": dg.AssetIn(dg.AssetKey([dataset, "drift_report"]))},
        kinds={"pandas"},
        description=(
            f"{len(candidates)} candidate generators ({', '.join(candidate_labels(candidates))}) fitted on the same snapshot, "
            "validated and evaluated like a regeneration, ranked under the acceptance policy"
            + ("; the winner is published when it passes every gate." if spec.bakeoff.promote_winner else ".")
        ),
        **common,
    )
    def bakeoff(
        context: dg.AssetExecutionContext,
        data_root: DataRootResource,
        mlflow: MlflowResource,
        snapshot: SnapshotManifest,
        drift: DriftManifest,
    ) -> dg.MaterializeResult:
        root = data_root.get()
        version = new_version(context.run.run_id)
        outcomes = []
        for index, (candidate, label) in enumerate(zip(candidates, candidate_labels(candidates), strict=True), start=1):
            context.log.info(f"{dataset}: bake-off candidate {index}/{len(candidates)}: {label}")
            outcomes.append(
                run_candidate(dataset, spec, candidate, label, snapshot, root, version=f"{version}-c{index}", log=context.log.info)
            )
        ranked = rank(outcomes)
        rows = ranking_table(ranked)
        table = ranking_markdown(rows)
        figure = plots.bakeoff_ranking(rows)
        folder = ranking_folder(root, dataset, version)
        root.write_json(folder / "ranking.json", {"dataset": dataset, "snapshot_hash": snapshot.snapshot_hash, "ranking": rows})
        root.write_text(folder / "ranking.md", f"# Generator bake-off: {dataset} {version}\n\n{table}\n\n![ranking](ranking.png)\n")
        root.write_bytes(folder / "ranking.png", figure)
        winner = ranked[0] if ranked[0].passed else None
        promoted = "no"
        if winner is None:
            context.log.warning(f"{dataset}: no candidate passed every gate; nothing can be promoted")
        elif spec.bakeoff.promote_winner:
            chosen = spec.model_copy(update={"generator": winner.spec})
            sheet, _ = compose_datasheet(
                dataset, chosen, snapshot, winner.generator, winner.synthetic, winner.validation, winner.transfer, drift, root
            )
            published = publish_candidate(
                dataset,
                chosen,
                snapshot,
                winner.generator,
                winner.synthetic,
                winner.validation,
                winner.transfer,
                sheet,
                root,
                tracking_uri=mlflow.tracking_uri,
                artifact_root=mlflow.artifact_root,
                run_id=context.run.run_id,
            )
            promoted = f"{published.registered_model} v{published.model_version} (@champion)"
            # The publication card follows the champion whichever job published it.
            context.log_event(
                dg.AssetObservation(
                    asset_key=dg.AssetKey([dataset, "publication"]),
                    metadata={"status": dg.MetadataValue.md(status_card(root, dataset, published)), "published": True},
                )
            )
            context.log.info(f"{dataset}: bake-off winner {winner.label} published as version {published.version}")
        return dg.MaterializeResult(
            metadata={
                "winner": winner.label if winner else "none passed every gate",
                "promoted": promoted,
                "candidates": len(candidates),
                "ranking": dg.MetadataValue.md(table),
                "plot": dg.MetadataValue.md(f"![bake-off ranking]({data_uri(figure)})"),
                "ranking_json": dg.MetadataValue.path(str(folder / "ranking.json")),
                "input/snapshot_hash": short(snapshot.snapshot_hash),
            }
        )

    return bakeoff


def _report_metadata(report: ReportManifest, kind: str, root: DataRoot) -> dict:
    # Transfer reports ~45 numbers: a table per model family instead, and only the gated ones as
    # plottable floats; validation's metrics are few enough to keep each plottable.
    plotted = report.metrics if kind == "validation" else {f"{o.section}.{o.metric}": o.value for o in report.gates}
    return {
        "version": report.version,
        "passed": report.passed,
        "gates": dg.MetadataValue.md(gates_markdown(report.gates)) if report.gates else "no gates",
        **({"summary": dg.MetadataValue.md(transfer_markdown(report.metrics))} if kind == "transfer" else {}),
        "report": dg.MetadataValue.md(embedded_report_markdown(report, kind, root)),
        "report_html": dg.MetadataValue.path(root.location(root.resolve(report.path).with_suffix(".html"))),
        **{name: dg.MetadataValue.float(round(value, 6)) for name, value in plotted.items()},
        "input/synthetic_hash": short(report.synthetic_hash),
    }


def _stop_unless_passed(context: dg.AssetExecutionContext, dataset: str, report: ReportManifest, root: DataRoot) -> Iterator[dg.AssetObservation]:
    """After a failed gate: the publication card says why and which champion stays, and the step
    fails with that one sentence (not Dagster's check-failure trace); nothing downstream runs."""
    failed = [o for o in report.gates if not o.passed]
    if not failed:
        return
    champion = read_champion(root, dataset)
    sentence = not_published_sentence(failed, champion)
    context.log.error(f"{dataset}: {sentence}")
    # Yielded, not logged: events logged by a step that then raises are not recorded.
    yield dg.AssetObservation(
        asset_key=dg.AssetKey([dataset, "publication"]),
        metadata={
            "status": dg.MetadataValue.md(status_card(root, dataset, champion, headline=sentence)),
            "published": False,
            "failed_gates": ", ".join(o.check_name for o in failed),
            "candidate_version": report.version,
        },
    )
    raise dg.Failure(description=sentence, metadata={"gates": dg.MetadataValue.md(gates_markdown(report.gates))}, allow_retries=False)


def _owners(owner: str) -> list[str] | None:
    """Dagster accepts e-mail addresses and `team:` names as owners; anything else stays in the datasheet."""
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", owner) or owner.startswith("team:"):
        return [owner]
    return None
