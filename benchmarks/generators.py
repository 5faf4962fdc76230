"""Measure every registered generator on two real tables: cost, fidelity, transfer and every gate.

For each table (Adult, 32,561 people; DoctorAUS, a 5,190-person health survey: see
`synth_assets/bundled/*_ATTRIBUTION.md`), the pipeline's own snapshot is taken with the table's
bundled catalog. Each model is then fitted with synth-assets' default parameters in its engine's
environment, under the enforced bounds a pipeline run has (default 900 s, 12 GiB), drawing the
catalog's number of synthetic rows; DP models get epsilon 1. Measured per fit: wall seconds, CPU
seconds of the process tree, peak resident memory. The rows are scored by the same code and the
same gates as the pipeline (`validation_sections` and `transfer_sections` under the catalog's
acceptance criteria): quality, logistic and boosted detection AUC, transfer, every privacy gate.
A second fit on 2,000 Adult rows, twice with the same seed, checks that the content hash repeats.

Side by side, in the same run: the bundled default generator through its own library API alone
(`benchmarks/baseline_engine.py`: fit + sample, no pipeline) against the same fit through the
engine protocol, so the protocol's overhead is a ratio.

Fits are cached (`--cache DIR`, keyed by model, parameters, table snapshot and environment lock):
re-running with changed gates re-scores without refitting.

Outputs: benchmarks/results/generators-<date>.{json,md}, `synth_assets/engines/measurements.json`
(it decides which models the catalog offers), the table and the recommended default in
docs/generators.md, and docs/generators-quality-vs-cpu.png.

    .venv/bin/python -m benchmarks.generators [--models sdv/ctgan mostlyai/tabular_argn ...] [--tables adult doctoraus]
"""

import argparse
import hashlib
import json
import os
import subprocess
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from benchmarks.common import machine, write_results

DOCS_START, DOCS_END = "<!-- measurements:start -->", "<!-- measurements:end -->"
ROOT = Path(__file__).resolve().parents[1]
# The default must fit Adult within 3 minutes on 2 cores. Judged on CPU seconds (<= 2 x 180): wall
# time on a shared machine measures the neighbours too; on an idle one the two agree (the engines
# keep both cores busy), which the side-by-side run on the default shows.
DEFAULT_FIT_LIMIT_CPU_S = 2 * 180.0
DP_EPSILON = 1.0
HEADLINE = {
    "quality_score": "fidelity.quality_score",
    "detection_auc": "fidelity.detection_auc",
    "detection_auc_boosted": "fidelity.detection_auc_boosted",
    "transfer_ratio": "transfer.transfer_ratio",
    "dcr_share": "privacy.dcr_share",
    "exact_copy_rate": "privacy.exact_copy_rate",
}


def tables() -> dict[str, Path]:
    from synth_assets.settings import BUNDLED_CATALOG, BUNDLED_DIR

    return {"adult": BUNDLED_CATALOG, "doctoraus": BUNDLED_DIR / "doctoraus.yaml"}


def prepare(table: str, catalog: Path, home: Path):
    """The table's bundled catalog and the pipeline's snapshot of it, in a scratch home."""
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.candidate import load_splits
    from synth_assets.stages.snapshot import take_snapshot
    from synth_assets.storage import DataRoot

    os.environ["SYNTH_ASSETS_HOME"] = str(home)
    root = DataRoot(str(home))
    spec = load_catalog(catalog, allow_unmeasured=True).dataset(table)
    snapshot = take_snapshot(table, spec, root)
    train, holdout = load_splits(snapshot, root)
    return spec, snapshot, train, holdout


def fit(info, spec, snapshot, train, args, cache: Path) -> dict:
    """Fit (or reuse a cached fit of) one model; returns its cost and synthetic rows."""
    from synth_assets.engines import generator_params
    from synth_assets.engines.environments import environment
    from synth_assets.engines.isolation import GeneratorMemoryError, GeneratorTimeout, fit_in_engine
    from synth_assets.engines.protocol import FitRequest
    from synth_assets.stages.generate import candidate_rows

    epsilon = DP_EPSILON if info.differentially_private and not info.dp_optional else None
    lock = environment(info.family.environment).lock_sha256 if info.family.environment else "host"
    adapter = [(ROOT / "synth_assets" / "engines" / f"{module}.py").read_bytes() for module in ("base", info.engine)]
    key = hashlib.sha256(json.dumps([info.name, info.defaults, epsilon, snapshot.snapshot_hash, lock, args.time_budget]).encode() + b"".join(adapter)).hexdigest()[:16]
    folder = cache / f"{info.name.replace('/', '-')}-{snapshot.dataset}-{key}"
    if (folder / "cost.json").exists():
        cost = json.loads((folder / "cost.json").read_text())
        return cost | ({"synthetic": pd.read_parquet(folder / "synthetic.parquet")} if cost["status"] == "ok" else {})
    entry = {"params": generator_params(info, {}, epsilon, None), "bounds": {"time_budget_s": args.time_budget, "memory_limit_gb": args.memory_gb}}
    request = FitRequest(
        engine=info.engine,
        model=info.model,
        params={},
        seed=0,
        epsilon=epsilon,
        schema_contract=snapshot.schema_contract,
        column_order=snapshot.schema_contract.names,
        sample_rows=candidate_rows(spec, snapshot),
    )
    try:
        outcome = fit_in_engine(request, train, time_budget_s=args.time_budget, memory_limit_gb=args.memory_gb, log=lambda line: print("   ", line, flush=True))
    except GeneratorTimeout:
        entry |= {"status": f"timeout (> {args.time_budget:g} s)"}
    except GeneratorMemoryError:
        entry |= {"status": f"memory (> {args.memory_gb:g} GiB)"}
    except Exception as error:  # noqa: BLE001 - a failing model is a measurement, not a crash
        entry |= {"status": "error", "error": str(error)[:300]}
    else:
        entry |= {
            "status": "ok",
            "fit_seconds": round(outcome.cost.seconds, 1),
            "fit_cpu_seconds": round(outcome.cost.cpu_seconds, 1),
            "peak_memory_mb": round(outcome.cost.peak_memory_mb),
            "library_versions": outcome.reply.library_versions,
        }
        folder.mkdir(parents=True, exist_ok=True)
        outcome.sample.to_parquet(folder / "synthetic.parquet", index=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cost.json").write_text(json.dumps(entry))
    return entry | ({"synthetic": outcome.sample} if entry["status"] == "ok" else {})


def score(spec, snapshot, synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame) -> dict:
    """Every validation and transfer metric and gate, as the pipeline computes them."""
    from synth_assets.stages.evaluate import judge

    started = time.perf_counter()
    sections, outcomes = judge(synthetic, train, holdout, spec, snapshot.schema_contract)
    values = {name: sections[path.split(".")[0]][path.split(".")[1]]["value"] for name, path in HEADLINE.items() if path.split(".")[1] in sections.get(path.split(".")[0], {})}
    gates = {g.check_name: {"value": round(g.value, 4), "threshold": g.threshold, "bound": g.bound, "passed": g.passed} for g in outcomes}
    return {
        **{k: round(v, 4) for k, v in values.items()},
        "gates": gates,
        "gates_passed": all(g["passed"] for g in gates.values()),
        "failed_gates": sorted(name for name, g in gates.items() if not g["passed"]),
        "scoring_seconds": round(time.perf_counter() - started, 1),
    }


def reproducible(info, snapshot, train) -> bool:
    """Two fits on the same 2,000 rows with the same seed give the same content hash."""
    from synth_assets.engines.isolation import fit_model
    from synth_assets.engines.registry import smoke_params
    from synth_assets.storage import frame_hash

    small = train.sample(2000, random_state=0)
    epsilon = DP_EPSILON if info.differentially_private and not info.dp_optional else None
    hashes = {
        frame_hash(fit_model(info.name, small, snapshot.schema_contract, params=smoke_params(info), epsilon=epsilon, sample_rows=500).sample)
        for _ in range(2)
    }
    return len(hashes) == 1


def side_by_side(spec, snapshot, train, home: Path) -> dict:
    """The default generator through its library alone vs through the engine protocol, same rows."""
    from synth_assets.engines import generator_params, model_info
    from synth_assets.engines.environments import environment
    from synth_assets.engines.isolation import fit_model
    from synth_assets.stages.generate import candidate_rows

    config = spec.generator
    info = model_info(config.engine, config.model)
    params = generator_params(info, config.params, None, None)
    source = home / "sources" / f"{snapshot.dataset}.sqlite"
    rows = candidate_rows(spec, snapshot)
    started = time.perf_counter()
    completed = subprocess.run(
        [str(environment(info.family.environment).interpreter()), str(ROOT / "benchmarks" / "baseline_engine.py"), info.name, str(source),
         spec.source.table, spec.target.column, "--synthetic-rows", str(rows), "--params", json.dumps(params)],
        capture_output=True, text=True, check=True,
    )
    bare_seconds = time.perf_counter() - started
    bare = json.loads(completed.stdout.strip().splitlines()[-1])
    outcome = fit_model(info.name, train, snapshot.schema_contract, params=config.params, sample_rows=rows)
    return {
        "model": info.name,
        "params": params,
        "rows": rows,
        "bare_seconds": round(bare_seconds, 1),
        "bare_phases": bare["phases"],
        "protocol_seconds": round(outcome.cost.seconds, 1),
        "protocol_cpu_seconds": round(outcome.cost.cpu_seconds, 1),
        "protocol_vs_bare": round(outcome.cost.seconds / bare_seconds, 2),
    }


def choose_default(measured: dict) -> str | None:
    """The offered model with the best fidelity (mean quality over the tables) that passes every gate
    on every table and fits Adult within DEFAULT_FIT_LIMIT_CPU_S."""
    eligible = {
        name: entry for name, entry in measured.items()
        if entry.get("status") == "ok" and not entry.get("control") and entry.get("fit_cpu_seconds", float("inf")) <= DEFAULT_FIT_LIMIT_CPU_S
        and all(t.get("status") == "ok" and t.get("gates_passed") for t in [entry, *entry.get("other_tables", {}).values()])
    }
    def fidelity(entry):
        qualities = [t["quality_score"] for t in [entry, *entry["other_tables"].values()]]
        return sum(qualities) / len(qualities)
    return max(eligible, key=lambda name: fidelity(eligible[name]), default=None)


def plot(measured: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5.5))
    for table, marker in (("adult", "o"), ("doctoraus", "s")):
        for name, entry in measured.items():
            point = entry if table == "adult" else entry.get("other_tables", {}).get(table, {})
            # Rows from earlier rounds have wall seconds only: not comparable, left out of the plot.
            if point.get("status") != "ok" or entry.get("control") or "fit_cpu_seconds" not in point:
                continue
            colour = "tab:green" if point.get("gates_passed") else "tab:red"
            axes.scatter(point["fit_cpu_seconds"], point["quality_score"], marker=marker, color=colour, alpha=0.8)
            if table == "adult":
                axes.annotate(name, (point["fit_cpu_seconds"], point["quality_score"]), fontsize=7, xytext=(4, 2), textcoords="offset points")
    axes.set_xscale("log")
    axes.set_xlabel("fit CPU seconds (log scale; 2 cores)")
    axes.set_ylabel("SDMetrics quality score")
    axes.set_title("Quality vs CPU cost: circles Adult, squares DoctorAUS; green passes every gate")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def markdown(measured: dict, default: str | None, sides: dict | None) -> list[str]:
    info = machine()
    # The measurements' own dates and commits, not this run's: `--report-only` measures nothing.
    points = [p for entry in measured.values() for p in [entry, *entry.get("other_tables", {}).values()]]
    dates = sorted(p["measured_at"][:10] for p in points if "measured_at" in p)
    commits = sorted({p["git"] for p in points if "git" in p})
    when = f"{dates[0]} to {dates[-1]}" if dates and dates[0] != dates[-1] else (dates[0] if dates else "at an unrecorded date")
    lines = [
        f"Measured {when} on {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; git {', '.join(commits) or '(not recorded for these measurements)'}.",
        "",
        "| generator | table | status | fit (s) | fit CPU (s) | peak MiB | quality | detection (logistic) | detection (boosted) | transfer | DCR share | every gate | failed gates | reproducible |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in sorted(measured.items()):
        for table, point in [("adult", entry), *entry.get("other_tables", {}).items()]:
            if point.get("status") != "ok":
                lines.append(f"| {name} | {table} | {point.get('status')} {point.get('error', '')[:80]} | | | | | | | | | | | |")
                continue
            cells = [_number(point.get(k), ".3f") for k in ("quality_score", "detection_auc", "detection_auc_boosted", "transfer_ratio", "dcr_share")]
            repro = ("yes" if entry.get("reproducible") else "no") if table == "adult" else ""
            lines.append(
                f"| {name} | {table} | ok | {point['fit_seconds']:.0f} | {_number(point.get('fit_cpu_seconds'), '.0f')} | {point['peak_memory_mb']:,} | "
                + " | ".join(cells)
                + f" | {_verdict(point)} | {', '.join(point.get('failed_gates', []))} | {repro} |"
            )
    lines += ["", f"Recommended default (best mean quality among models that pass every gate on both tables and fit Adult within {DEFAULT_FIT_LIMIT_CPU_S:.0f} CPU seconds, 3 minutes on 2 cores): **{default or 'none'}**."]
    if sides:
        lines += [
            "",
            f"Side by side on Adult ({sides['rows']:,} rows sampled): {sides['model']} through its own library alone "
            f"{sides['bare_seconds']:.1f} s (phases {sides['bare_phases']}); through the engine protocol "
            f"{sides['protocol_seconds']:.1f} s ({sides['protocol_cpu_seconds']:.0f} CPU s): {sides['protocol_vs_bare']:.2f}x.",
        ]
    return lines


def save_measurements(measured: dict) -> None:
    """Written after every model: a long run that is stopped keeps what it measured."""
    from synth_assets.engines.registry import MEASUREMENTS

    MEASUREMENTS.write_text(json.dumps(dict(sorted(measured.items())), indent=2) + "\n")


def _verdict(point: dict) -> str:
    return "" if "gates_passed" not in point else "yes" if point["gates_passed"] else "no"


def _number(value: float | None, spec: str) -> str:
    """A table cell; entries measured by an earlier version of this benchmark lack some columns."""
    return "" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="engine/model names (default: every registered model but the controls that need no measuring)")
    parser.add_argument("--tables", nargs="*", default=["adult", "doctoraus"])
    parser.add_argument("--time-budget", type=float, default=900.0)
    parser.add_argument("--memory-gb", type=float, default=12.0)
    parser.add_argument("--cache", type=Path, default=ROOT / ".benchmark-cache" / "generators")
    parser.add_argument("--no-reproducibility", action="store_true", help="skip the two small fits per model")
    parser.add_argument("--report-only", action="store_true", help="measure nothing: rewrite the table, plot and results from measurements.json")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from synth_assets.engines import MODELS
    from synth_assets.engines.registry import MEASUREMENTS, offered

    names = args.models or [n for n, i in MODELS.items() if not (i.control and offered(n) and i.family.environment is None)]
    measured = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
    sides = None
    with tempfile.TemporaryDirectory() as scratch:
        for table in [] if args.report_only else args.tables:
            home = Path(scratch) / table
            spec, snapshot, train, holdout = prepare(table, tables()[table], home)
            print(f"## {table}: {snapshot.n_train:,} train / {snapshot.n_holdout:,} holdout rows", flush=True)
            for name in names:
                info = MODELS[name]
                print(f"== {table} {name}", flush=True)
                entry = fit(info, spec, snapshot, train, args, args.cache)
                synthetic = entry.pop("synthetic", None)
                if synthetic is not None:
                    entry |= score(spec, snapshot, synthetic, train, holdout)
                entry["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
                entry["git"] = machine()["git"]
                if table == "adult":
                    previous = measured.get(name, {})
                    if entry["status"] == "ok" and not args.no_reproducibility:
                        entry["reproducible"] = reproducible(info, snapshot, train)
                    elif "reproducible" in previous:
                        entry["reproducible"] = previous["reproducible"]
                    measured[name] = entry | {"control": info.control, "other_tables": previous.get("other_tables", {})}
                else:
                    measured.setdefault(name, {"status": "not measured on adult", "control": info.control}).setdefault("other_tables", {})[table] = entry
                print("   ", {k: v for k, v in entry.items() if k != "gates"}, flush=True)
                save_measurements(measured)
            default_model = f"{spec.generator.engine}/{spec.generator.model}"
            if table == "adult" and default_model in names:
                sides = side_by_side(spec, snapshot, train, home)
                print("   side by side:", sides, flush=True)
                # Kept with the default's measurement: a later run of other models still shows it.
                measured[default_model]["side_by_side"] = sides
                save_measurements(measured)

    default = choose_default(measured)
    sides = sides or next((entry["side_by_side"] for entry in measured.values() if "side_by_side" in entry), None)
    lines = markdown(measured, default, sides)
    figure = ROOT / "docs" / "generators-quality-vs-cpu.png"
    plot(measured, figure)
    # A results file records a measuring run; `--report-only` measured nothing, so it writes none.
    path = None if args.report_only else write_results("generators", {"measurements": measured, "default": default, "side_by_side": sides}, "# Generators on Adult and DoctorAUS\n\n" + "\n".join(lines) + "\n")
    docs = ROOT / "docs" / "generators.md"
    before, rest = docs.read_text().split(DOCS_START)
    docs.write_text(f"{before}{DOCS_START}\n" + "\n".join(lines) + f"\n{DOCS_END}{rest.split(DOCS_END)[1]}")
    print("\n".join(lines))
    print(f"\nwritten {path or '(no results file: nothing measured)'}, {MEASUREMENTS}, {figure} and the table in {docs}")


if __name__ == "__main__":
    main()
