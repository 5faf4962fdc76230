"""`synth-assets`: run the demo, refresh a dataset, and report what is published.

Every command runs in-process on the embedded default (no daemon); runs are recorded in the
Dagster instance under `$DAGSTER_HOME` (default `<home>/dagster`) as runs of the workspace's code
location (synth_assets/launch.py), so the UI lists them under their job and can re-execute them.
"""

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

from synth_assets import settings
from synth_assets.catalog import CatalogError
from synth_assets.consume import NotPublished
from synth_assets.engines import GeneratorError
from synth_assets.failures import MlflowUnreachable, RegenerationInFlight
from synth_assets.governance.pii import PiiError
from synth_assets.manifests import StaleState
from synth_assets.schema import SchemaError
from synth_assets.sources import SourceError
from synth_assets.stages.evaluate import EvaluationError
from synth_assets.stages.retract import RetractionError
from synth_assets.storage import IntegrityError

# Errors whose message is already the one line a user needs.
USER_ERRORS = (
    CatalogError, SourceError, SchemaError, GeneratorError, IntegrityError, PiiError, NotPublished, StaleState,
    RegenerationInFlight, MlflowUnreachable,
)


class RunFailed(RuntimeError):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synth-assets", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="regenerate every catalog dataset once, in-process, and say where everything is")
    refresh = commands.add_parser("refresh", help="run one dataset's regenerate job in-process")
    refresh.add_argument("dataset")
    refresh.add_argument("-v", "--verbose", action="store_true", help="print Dagster's whole event log, stack traces included")
    check = commands.add_parser("check", help="preflight a dataset's source: schema contract, PII detection, generalisation")
    check.add_argument("dataset")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    drift = commands.add_parser("drift", help="drift of the source (a bounded sample) against the champion's reference profile")
    drift.add_argument("dataset")
    drift.add_argument("--json", action="store_true", help="machine-readable output")
    pull = commands.add_parser("pull", help="write a dataset's published synthetic rows (from MLflow) to Parquet, hash-verified")
    pull.add_argument("dataset")
    pull.add_argument("--alias", default="champion", help="model alias to pull (default: champion)")
    pull.add_argument("-o", "--output", type=Path, help="file to write (default: <dataset>-<version>.parquet)")
    generators = commands.add_parser("generators", help="the generators the catalog can name: DP, conditional sampling, measured cost")
    generators.add_argument("--all", action="store_true", help="include registered models that are not offered, with why")
    generators.add_argument("--json", action="store_true", help="machine-readable output")
    engines = commands.add_parser("engines", help="the engine families' own environments: list them, install one")
    engine_commands = engines.add_subparsers(dest="engines_command", required=True)
    engine_install = engine_commands.add_parser("install", help="create an engine family's environment from its lock (needs the package index)")
    engine_install.add_argument("names", nargs="*", help="environment names (see `synth-assets engines list`)")
    engine_install.add_argument("--all", action="store_true", help="every engine environment")
    engine_list = engine_commands.add_parser("list", help="each engine environment: installed or not, its Python and lock")
    engine_list.add_argument("--json", action="store_true", help="machine-readable output")
    bakeoff = commands.add_parser("bakeoff", help="run one dataset's generator bake-off in-process and print the ranking")
    bakeoff.add_argument("dataset")
    bakeoff.add_argument("-v", "--verbose", action="store_true", help="print Dagster's whole event log, stack traces included")
    evaluate = commands.add_parser("evaluate", help="hold an external synthetic file to a dataset's gates (publishes nothing)")
    evaluate.add_argument("dataset")
    evaluate.add_argument("--synthetic", type=Path, required=True, help="Parquet or CSV file with the dataset's modelled columns")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    retract = commands.add_parser("retract", help="withdraw a published version from the published zone and MLflow")
    retract.add_argument("dataset")
    retract.add_argument("version", help="the published version id (`synth-assets status` shows the champion's)")
    retract.add_argument("--reason", required=True, help="why it is withdrawn: recorded in the history and the next datasheet")
    retract.add_argument("--by", help="who withdraws it (default: the login name)")
    status = commands.add_parser("status", help="what is published per dataset, its gates and its MLflow champion")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo()
        if args.command == "refresh":
            return refresh_command(args.dataset, verbose=args.verbose)
        if args.command == "check":
            return check_command(args.dataset, as_json=args.json)
        if args.command == "drift":
            return drift_command(args.dataset, as_json=args.json)
        if args.command == "generators":
            return generators_command(include_all=args.all, as_json=args.json)
        if args.command == "engines":
            if args.engines_command == "install":
                return engines_install_command(args.names, install_all=args.all)
            return engines_list_command(as_json=args.json)
        if args.command == "bakeoff":
            return bakeoff_command(args.dataset, verbose=args.verbose)
        if args.command == "pull":
            return pull_command(args.dataset, args.alias, args.output)
        if args.command == "evaluate":
            return evaluate_command(args.dataset, args.synthetic, as_json=args.json)
        if args.command == "retract":
            return retract_command(args.dataset, args.version, reason=args.reason, retracted_by=args.by)
        return status_command(as_json=args.json)
    except (*USER_ERRORS, EvaluationError, RetractionError, RunFailed) as error:
        print(f"synth-assets: error: {error}", file=sys.stderr)
        return 2 if isinstance(error, (*USER_ERRORS, EvaluationError, RetractionError)) else 1


def generators_command(*, include_all: bool, as_json: bool) -> int:
    from synth_assets.engines import MODELS, describe
    from synth_assets.engines.environments import environment

    listed = []
    for info in MODELS.values():
        entry = describe(info)
        if include_all or entry["offered"]:
            name = info.family.environment
            listed.append(entry | {"installed": True if name is None else environment(name).status() == "installed"})
    if as_json:
        print(json.dumps({"generators": listed}, indent=2))
        return 0
    print(f"{'generator':36} {'DP':8} {'cond':4} {'installed':9}  cost on Adult")
    for entry in listed:
        name = f"{entry['engine']}/{entry['model']}" + (" (control)" if entry["control"] else "")
        dp = {"required": "yes", "optional": "optional", "none": "-"}[entry["differential_privacy"]]
        conditional = "yes" if entry["conditional_sampling"] else "-"
        installed = "yes" if entry["installed"] else f"no: synth-assets engines install {entry['environment']}"
        print(f"{name:36} {dp:8} {conditional:4} {installed:9}  {entry['cost_class']}")
    return 0


def engines_install_command(names: list[str], *, install_all: bool) -> int:
    from synth_assets.engines.environments import environment, environment_names, install

    chosen = environment_names() if install_all else names
    if not chosen:
        raise GeneratorError(f"name an engine environment to install (or --all); valid: {', '.join(environment_names())}")
    for name in chosen:
        environment(name)  # an unknown name fails before anything is installed
    for name in chosen:
        env = install(name)
        print(f"{name}: installed from {env.folder / 'uv.lock'} (lock {env.lock_sha256[:12]})")
    return 0


def engines_list_command(*, as_json: bool) -> int:
    from synth_assets.engines import MODELS, offered
    from synth_assets.engines.environments import environment, environment_names

    rows = []
    for name in environment_names():
        env = environment(name)
        models = sorted(info.name for info in MODELS.values() if info.family.environment == name and offered(info.name))
        rows.append({"name": name, "status": env.status(), "requires_python": env.requires_python, "lock_sha256": env.lock_sha256, "folder": str(env.folder), "models": models})
    if as_json:
        print(json.dumps({"environments": rows}, indent=2))
        return 0
    for row in rows:
        print(f"{row['name']:11} {row['status']:9} Python {row['requires_python']:12} lock {row['lock_sha256'][:12]}  {', '.join(row['models'])}")
    return 0


def demo() -> int:
    from synth_assets.catalog import load_catalog

    catalog = load_catalog()
    for dataset in catalog.datasets:
        run_regenerate(dataset)
    home = settings.home()
    print("\nDemo complete.")
    for dataset, entry in collect_status()["datasets"].items():
        published = entry["published"]
        print(f"  {dataset}: synthetic data  {published['path']}")
        print(f"  {dataset}: datasheet       {published['datasheet']}")
    print(f"  MLflow store:     {settings.mlflow_tracking_uri()}")
    print(f"                    browse: mlflow ui --backend-store-uri {settings.mlflow_tracking_uri()}")
    print(f"  Dagster UI:       DAGSTER_HOME={dagster_home()} SYNTH_ASSETS_HOME={home} dagster dev -w workspace.yaml")
    print("                    (or `make ui` from the repository: Dagster on http://127.0.0.1:3000, MLflow on :5000)")
    print("                    what is published and why: asset <dataset>/publication, metadata `status`")
    return 0


def refresh_command(dataset: str, *, verbose: bool = False) -> int:
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.preflight import repair_advice, verify_published
    from synth_assets.stages.publish import read_champion
    from synth_assets.storage import DataRoot

    load_catalog().dataset(dataset)  # unknown dataset: one clear line before anything runs
    run_regenerate(dataset, verbose=verbose)
    root = DataRoot(settings.home())
    champion = read_champion(root, dataset)  # from the data root: no MLflow round trip
    if problem := verify_published(root, champion):
        raise IntegrityError(f"{dataset}: published version {champion.version} is damaged: {problem}; {repair_advice(dataset, champion)}")
    print(f"{dataset}: published version {champion.version} -> {root.resolve(champion.published_path)}")
    return 0


def check_command(dataset: str, *, as_json: bool) -> int:
    """Read the source as a snapshot would, without storing anything: exit 1 if a run would stop."""
    from synth_assets.catalog import load_catalog
    from synth_assets.sources import public_source_url
    from synth_assets.stages.publish import read_champion
    from synth_assets.stages.snapshot import prepare_source
    from synth_assets.storage import DataRoot

    spec = load_catalog().dataset(dataset)
    champion = read_champion(DataRoot(settings.home()), dataset)
    report = {"dataset": dataset, "source": public_source_url(spec.source, dataset), "ok": True}
    try:
        pii, schema, real, rules = prepare_source(
            dataset, spec, previous=champion.schema_contract if champion else None
        )
        report |= {
            "rows": len(real),
            "columns": schema.as_table(),
            "pii": pii.model_dump(),
            "generalization": rules.summary,
            "warnings": [f"{c}: {', '.join(r)}" for c, r in sorted(pii.flagged.items())],
        }
    except (PiiError, SchemaError) as error:
        report |= {"ok": False, "error": str(error)}
    if as_json:
        print(json.dumps(report, indent=2))
    elif report["ok"]:
        print(f"{dataset}: {report['rows']:,} rows from {report['source']}, {len(report['columns'])} modelled columns")
        print(f"  pii: dropped {pii.dropped or 'none'}, faked {pii.faked or 'none'}, kept {pii.kept or 'none'}")
        for warning in report["warnings"]:
            print(f"  WARNING possible direct identifier: {warning}")
        for column, change in sorted(rules.summary.items()):
            print(f"  generalised {column}: {change}")
    else:
        print(f"{dataset}: a run would stop: {report['error']}", file=sys.stderr)
    return 0 if report["ok"] else 1


def evaluate_command(dataset: str, synthetic: Path, *, as_json: bool) -> int:
    """Every validation and transfer gate on an external file; exit 1 if any fails."""
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.evaluate import evaluate_external
    from synth_assets.storage import DataRoot

    report = evaluate_external(dataset, load_catalog().dataset(dataset), synthetic, DataRoot(settings.home()))
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{dataset}: {report['rows']:,} rows from {synthetic} against snapshot {report['snapshot_hash'][:12]}")
        for gate in report["gates"]:
            sign = ">=" if gate["bound"] == "min" else "<="
            verdict = "pass" if gate["passed"] else "FAIL"
            note = f" ({'' if gate['judged'] else 'not judged: '}{gate['note']})" if gate["note"] else ""
            print(f"  {gate['section']}_{gate['metric']:<32} {gate['value']:>9.4f}  {sign} {gate['threshold']:<6g} {verdict}{note}")
        print("every gate passes" if report["passed"] else "at least one gate fails")
    return 0 if report["passed"] else 1


def drift_command(dataset: str, *, as_json: bool) -> int:
    from synth_assets.catalog import load_catalog
    from synth_assets.governance.rendering import drift_markdown
    from synth_assets.stages.drift import measure_drift
    from synth_assets.storage import DataRoot

    report = measure_drift(dataset, load_catalog().dataset(dataset), DataRoot(settings.home()))
    print(json.dumps(report, indent=2) if as_json else drift_markdown(report))
    return 0


def pull_command(dataset: str, alias: str, output: Path | None) -> int:
    from synth_assets.catalog import load_catalog
    from synth_assets.consume import pull

    load_catalog().dataset(dataset)
    written = pull(dataset, alias, output=output)
    print(
        f"{dataset}@{alias}: model version {written['model_version']} ({written['dataset_version']}), "
        f"{written['rows']:,} rows, content hash {written['content_hash'][:16]} verified -> {written['path']}"
    )
    return 0


def retract_command(dataset: str, version: str, *, reason: str, retracted_by: str | None) -> int:
    """Withdraw a version while holding the dataset's lock: no regeneration may publish meanwhile."""
    from synth_assets import runlock
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.retract import retract_version
    from synth_assets.storage import DataRoot

    load_catalog().dataset(dataset)
    root = DataRoot(settings.home())
    if (dagster_home() / "dagster.yaml").exists():
        import dagster as dg

        with dg.DagsterInstance.get() as instance:
            if running := runlock.dataset_run_in_flight(instance, dataset, root):
                raise RegenerationInFlight(f"a run of {dataset!r} is in flight: run {running}; retract after it finishes")
    lock_id = f"retract-{uuid.uuid4()}"
    runlock.acquire(root, dataset, lock_id)
    try:
        done = retract_version(root, dataset, version, reason=reason, tracking_uri=settings.mlflow_tracking_uri(), retracted_by=retracted_by)
    finally:
        runlock.release(root, dataset, lock_id)
    print(f"{dataset} {version} (model version {done['model_version']}) retracted by {done['retracted_by']} at {done['retracted_at']}: {done['reason']}")
    print(f"  removed from the published zone; MLflow files deleted: {len(done['mlflow_artifacts_deleted'])} locations; model version archived")
    if done["was_champion"]:
        print(
            f"  champion is now {done['champion_now']} (model version {done['champion_model_version_now']})"
            if done["champion_now"]
            else "  no published version remains: nothing is served until the next successful refresh"
        )
    return 0


def run_regenerate(dataset: str, *, verbose: bool = False) -> None:
    """Run `regenerate_<dataset>` in this process against the persistent instance."""
    from jobs import regenerate_job_name

    print(f"==> {dataset}: regenerating (snapshot -> generator -> gates -> transfer -> datasheet -> publication)", flush=True)
    run_dataset_job(dataset, regenerate_job_name(dataset), "regeneration", verbose=verbose)


def run_dataset_job(dataset: str, job_name: str, what: str, *, verbose: bool = False) -> None:
    """Run one of a dataset's jobs in this process, holding the dataset's lock; a failure is
    recorded and raised as one line after a short summary (the full log goes to a file)."""
    import dagster as dg

    from synth_assets import runlock
    from synth_assets.assets.status_card import observe_failed_run
    from synth_assets.failures import FailureRecord, innermost_cause, record_failure
    from synth_assets.launch import execute_as_location_run
    from synth_assets.runlog import failed_gates, failure_summary
    from synth_assets.stages.publish import read_champion
    from synth_assets.storage import DataRoot

    prepare_dagster_home()
    root = DataRoot(settings.home())
    run_id = str(uuid.uuid4())  # chosen before the run starts, so the lock can name it
    log_file = run_log_path(run_id)
    with dg.DagsterInstance.get() as instance:
        if running := runlock.dataset_run_in_flight(instance, dataset, root):
            raise RegenerationInFlight(f"a run of {dataset!r} is already in flight: run {running}; wait for it to finish and try again")
        runlock.acquire(root, dataset, run_id)
        try:
            result = execute_as_location_run(
                instance,
                job_name,
                run_id=run_id,
                run_config={"loggers": {"synth_assets": {"config": {"verbose": verbose, "log_file": str(log_file)}}}},
                tags={"dataset": dataset, **runlock.this_process_tags()},
            )
        finally:
            runlock.release(root, dataset, run_id)
        if result.success:
            return
        steps = [
            {"step": event.step_key, "cause": innermost_cause(event.event_specific_data.error)}
            for event in result.all_events
            if event.is_step_failure
        ]
        record = FailureRecord.now(run_id=result.run_id, job=job_name, dataset=dataset, failed_steps=steps, run_error="")
        champion = read_champion(root, dataset)
        if record_failure(root, record):
            observe_failed_run(instance, root, record, champion)
    kept = f"version {champion.version} ({root.resolve(champion.published_path)})" if champion else None
    for line in failure_summary(steps, failed_gates(result), kept, str(log_file)):
        print(line, file=sys.stderr)
    raise RunFailed(
        f"{what} of {dataset!r} failed (run {result.run_id}); the previous champion stays: "
        + "; ".join(f"{s['step']}: {s['cause']}" for s in steps)
    )


def run_log_path(run_id: str) -> Path:
    """Where a CLI run's full Dagster log goes: the data root's state zone (local), else the Dagster home."""
    try:
        return settings.local_home() / "state" / "logs" / f"{run_id}.log"
    except ValueError:
        return dagster_home() / "logs" / f"{run_id}.log"


def bakeoff_command(dataset: str, *, verbose: bool = False) -> int:
    from jobs import bakeoff_job_name
    from synth_assets.catalog import CatalogError, load_catalog
    from synth_assets.stages.bakeoff import latest_ranking, ranking_markdown
    from synth_assets.storage import DataRoot

    spec = load_catalog().dataset(dataset)
    if spec.bakeoff is None:
        raise CatalogError(f"dataset {dataset!r} declares no `bakeoff:` candidates in the catalog")
    print(f"==> {dataset}: bake-off of {len(spec.bakeoff.candidates)} candidate generators", flush=True)
    run_dataset_job(dataset, bakeoff_job_name(dataset), "bake-off", verbose=verbose)
    path, rows = latest_ranking(DataRoot(settings.home()), dataset)
    print(ranking_markdown(rows))
    print(f"\n{path}")
    return 0


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or settings.local_home() / "dagster")


def prepare_dagster_home() -> None:
    """A persistent instance, so `dagster dev` later shows these runs; no telemetry (no network)."""
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")


def collect_status() -> dict:
    from synth_assets.catalog import load_catalog
    from synth_assets.failures import describe_failure, failures
    from synth_assets.history import history, retractions
    from synth_assets.provenance import without_credentials
    from synth_assets.publish.mlflow_registry import CHALLENGER, CHAMPION, registered_model_name, version_by_alias
    from synth_assets.runlock import lock_holder
    from synth_assets.sources import public_source_url
    from synth_assets.stages.preflight import repair_advice, verify_published
    from synth_assets.stages.publish import read_champion
    from synth_assets.storage import DataRoot

    catalog = load_catalog()
    root = DataRoot(settings.home())
    tracking_uri = settings.mlflow_tracking_uri()
    dead_runs = sweep_dead_runs(root, list(catalog.datasets))
    datasets = {}
    for dataset, spec in catalog.datasets.items():
        champion = read_champion(root, dataset)
        last_failure = (failures(root, dataset) or [None])[-1]
        damage = verify_published(root, champion) if champion else None
        holder = lock_holder(root, dataset)
        datasets[dataset] = {
            "source": public_source_url(spec.source, dataset),
            "selector": spec.source.table or spec.source.query,
            "published": None
            if champion is None
            else {
                "version": champion.version,
                "path": str(root.resolve(champion.published_path)),
                "datasheet": str(root.resolve(champion.published_path).with_name("datasheet.md")),
                "rows": champion.n_rows,
                "content_hash": champion.content_hash,
                "published_at": champion.published_at,
            },
            "gates": {}
            if champion is None
            else {
                g.metric: {"value": g.value, "threshold": g.threshold, "bound": g.bound, "passed": g.passed}
                for g in champion.gates
            },
            "mlflow": {
                "tracking_uri": without_credentials(tracking_uri),
                "registered_model": registered_model_name(dataset),
                **{
                    f"{alias}_version": str(found.version) if (found := version_by_alias(tracking_uri, dataset, alias)) else None
                    for alias in (CHAMPION, CHALLENGER)
                },
            },
            "last_failure": last_failure.model_dump() | {"summary": describe_failure(last_failure)} if last_failure else None,
            # Every file of the champion checked against its recorded hash on each `status`.
            "integrity": None
            if champion is None
            else {"ok": damage is None, "problem": damage, "advice": repair_advice(dataset, champion) if damage else None},
            "in_flight": holder.describe() if holder is not None else None,
            "retracted": retractions(history(root, dataset)),
        }
    return {
        "data_root": settings.home(),
        "mlflow_tracking_uri": without_credentials(tracking_uri),
        "dead_runs_marked_failed": dead_runs,
        "datasets": datasets,
    }


def sweep_dead_runs(root, datasets: list[str]) -> list[str]:
    """Mark CLI runs whose process died as failed (and drop their locks), when an instance exists."""
    if not (dagster_home() / "dagster.yaml").exists():
        return []  # no run was ever started here: nothing can be stuck
    import dagster as dg

    from synth_assets import runlock

    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        return runlock.sweep(instance, root, datasets)


def status_command(*, as_json: bool) -> int:
    status = collect_status()
    if as_json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"data root: {status['data_root']}\nMLflow:    {status['mlflow_tracking_uri']}")
    for run_id in status["dead_runs_marked_failed"]:
        print(f"run {run_id} had died (its process is gone); marked failed")
    for dataset, entry in status["datasets"].items():
        print(f"\n{dataset}  (source {entry['source']}, {entry['selector']})")
        published = entry["published"]
        if published is None:
            print(("  nothing published now" if entry["retracted"] else "  not published yet") + ": run `synth-assets refresh " + dataset + "`")
        else:
            print(f"  published {published['version']}: {published['rows']:,} rows, hash {published['content_hash'][:16]}")
            print(f"  {published['path']}")
            integrity = entry["integrity"]
            if not integrity["ok"]:
                print(f"  DAMAGED: {integrity['problem']}; {integrity['advice']}")
            for metric, gate in entry["gates"].items():
                sign = ">=" if gate["bound"] == "min" else "<="
                print(f"  gate {metric:<18} {gate['value']:.4f} {sign} {gate['threshold']:g}  {'pass' if gate['passed'] else 'FAIL'}")
        mlflow = entry["mlflow"]
        print(
            f"  MLflow model {mlflow['registered_model']}: champion version {mlflow['champion_version'] or '(none)'}"
            + (f", challenger version {mlflow['challenger_version']} (failed its gates, not served)" if mlflow["challenger_version"] else "")
        )
        if entry["last_failure"]:
            failure = entry["last_failure"]
            print(f"  last failed run {failure['run_id']} at {failure['failed_at']}: {failure['summary']}")
        if entry["in_flight"]:
            print(f"  in flight: {entry['in_flight']}")
        for withdrawn in entry["retracted"]:
            print(f"  withdrawn {withdrawn['version']} ({withdrawn['retracted_at']}, {withdrawn['retracted_by']}): {withdrawn['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
