"""The leak zoo over several seeds on a bundled table: which gate stops which leak, and how often a
gate fires on honest output and on the real-holdout control: its false-alarm rate.

    .venv/bin/python -m benchmarks.privacy_zoo [--table adult|doctoraus] [--honest default|sdv/gaussian_copula] [--seeds 3]

The table is snapshotted exactly as the pipeline does (generalisation on the train split); honest
output is the catalog's default generator (TabularARGN) unless `--honest` names another model,
fitted per seed on the train split and sampled at the catalog's `synthetic_rows`.
"""

import argparse
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks.common import write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=["adult", "doctoraus"], default="adult")
    parser.add_argument("--honest", default="default", help="registered model for honest output (default: the catalog's)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from benchmarks.generators import prepare, tables
    from synth_assets.engines.isolation import fit_model
    from synth_assets.stages.generate import candidate_rows
    from tests import leak_zoo

    spec, snapshot, train, holdout = prepare(args.table, tables()[args.table], Path(tempfile.mkdtemp(prefix="zoo-")))
    schema = snapshot.schema_contract
    honest_model = f"{spec.generator.engine}/{spec.generator.model}" if args.honest == "default" else args.honest
    params = spec.generator.params if args.honest == "default" else {}
    runs = []
    for seed in range(args.seeds):
        started = time.perf_counter()
        honest = fit_model(honest_model, train, schema, params=params, sample_rows=candidate_rows(spec, snapshot), seed=seed, sample_seed=seed).sample
        honest = schema.conform(honest, what=f"{honest_model} sample")
        print(f"seed {seed}: {honest_model} fitted and sampled in {time.perf_counter() - started:.0f} s", flush=True)
        for case, (synthetic, reference, leak) in leak_zoo.table_zoo(args.table, honest, train, holdout, schema, spec.quasi_identifiers, seed=seed).items():
            started = time.perf_counter()
            outcomes = leak_zoo.privacy_outcomes(synthetic, train, reference, spec, schema, seed=seed)
            runs.append(
                {
                    "seed": seed,
                    "case": case,
                    "leak": leak,
                    "seconds": round(time.perf_counter() - started, 2),
                    "gates": {
                        c: {"value": round(o.value, 4), "threshold": o.threshold, "passed": o.passed, "judged": o.judged, "within_chance": o.judged and o.note is not None}
                        for c, o in outcomes.items()
                    },
                }
            )
            print(seed, case, [c for c, o in outcomes.items() if not o.passed], flush=True)

    gates = sorted({g for run in runs for g in run["gates"]})
    controls = [r for r in runs if not r["leak"]]
    # A control the gate could not judge (too few rows) fails closed in the pipeline; it is counted
    # apart, not as a false alarm.
    false_alarms = {g: sum(r["gates"][g]["judged"] and not r["gates"][g]["passed"] for r in controls) for g in gates}
    not_judged = {g: sum(not r["gates"][g]["judged"] for r in controls) for g in gates}
    lines = [
        f"# Privacy leak zoo on {args.table} ({args.seeds} seeds; honest = {honest_model}, {len(honest):,} rows; "
        f"{len(train):,} train, {len(holdout):,} holdout rows)",
        "",
        "Cells: gate value (mean over seeds), how many seeds failed it, and on how many it was past its threshold",
        "but passed because its 95% interval reached the chance baseline (`within chance`).",
        "",
        "| case | " + " | ".join(g.removeprefix("privacy_") for g in gates) + " |",
        "|---|" + "---|" * len(gates),
    ]
    for case in dict.fromkeys(r["case"] for r in runs):
        of_case = [r for r in runs if r["case"] == case]
        cells = []
        for g in gates:
            mean = sum(r["gates"][g]["value"] for r in of_case) / len(of_case)
            fails = sum(not r["gates"][g]["passed"] for r in of_case)
            chance = sum(r["gates"][g].get("within_chance", False) for r in of_case)
            cells.append((f"{mean:.3f} ({fails}/{len(of_case)} fail)" if fails else f"{mean:.3f}") + (f" [{chance} within chance]" if chance else ""))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines += ["", f"False alarms on honest output and the holdout control ({len(controls)} runs):", ""]
    lines += [f"- {g}: {n}/{len(controls)}" + (f" ({not_judged[g]} not judged: too few rows, fails closed)" if not_judged[g] else "") for g, n in false_alarms.items()]
    caught = {r["case"] for r in runs if r["leak"] and all(any(not x["gates"][g]["passed"] for g in x["gates"]) for x in runs if x["case"] == r["case"])}
    lines += ["", f"Leaks stopped on every seed: {len(caught)} of {len({r['case'] for r in runs if r['leak']})}"]
    path = write_results(f"privacy-zoo-{args.table}", {"table": args.table, "honest": honest_model, "runs": runs, "false_alarms": false_alarms, "not_judged": not_judged, "control_runs": len(controls)}, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(path)


if __name__ == "__main__":
    main()
