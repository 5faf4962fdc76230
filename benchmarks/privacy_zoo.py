"""The leak zoo on all of Adult over several seeds: which gate stops which leak, and how often a
gate fires on honest output (GaussianCopula) and on the real-holdout control: its false-alarm rate.

    .venv/bin/python -m benchmarks.privacy_zoo [--seeds 3] [--honest-dir DIR]

`--honest-dir` reuses GaussianCopula samples saved as DIR/gc_<seed>.parquet (10,000 rows, fitted
on the train split with that seed) instead of fitting them again.
"""

import argparse
import time
import warnings
from pathlib import Path

import pandas as pd

from benchmarks.common import adult_splits, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--honest-dir", type=Path, default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from synth_assets.catalog import load_catalog
    from synth_assets.engines.isolation import fit_model
    from synth_assets.settings import BUNDLED_CATALOG
    from tests import leak_zoo

    spec = load_catalog(BUNDLED_CATALOG).dataset("adult")
    schema, train, holdout = adult_splits()
    runs = []
    for seed in range(args.seeds):
        cached = args.honest_dir / f"gc_{seed}.parquet" if args.honest_dir else None
        if cached and cached.exists():
            honest = pd.read_parquet(cached)
        else:
            honest = fit_model("sdv/gaussian_copula", train, schema, sample_rows=10_000, seed=seed, sample_seed=seed).sample
        honest = schema.conform(honest, what="GaussianCopula sample")
        for case, (synthetic, reference, leak) in leak_zoo.adult_zoo(honest, train, holdout, schema, spec.quasi_identifiers, seed=seed).items():
            started = time.perf_counter()
            outcomes = leak_zoo.privacy_outcomes(synthetic, train, reference, spec, schema, seed=seed)
            runs.append(
                {
                    "seed": seed,
                    "case": case,
                    "leak": leak,
                    "seconds": round(time.perf_counter() - started, 2),
                    "gates": {c: {"value": round(o.value, 4), "threshold": o.threshold, "passed": o.passed, "judged": o.judged} for c, o in outcomes.items()},
                }
            )
            print(seed, case, [c for c, o in outcomes.items() if not o.passed], flush=True)

    gates = sorted({g for run in runs for g in run["gates"]})
    controls = [r for r in runs if not r["leak"]]
    false_alarms = {g: sum(not r["gates"][g]["passed"] for r in controls) for g in gates}
    lines = [
        f"# Privacy leak zoo on Adult ({args.seeds} seeds; honest = GaussianCopula, 10,000 rows)",
        "",
        "Cells: gate value (mean over seeds) and how many seeds failed it.",
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
            cells.append(f"{mean:.3f} ({fails}/{len(of_case)} fail)" if fails else f"{mean:.3f}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines += ["", f"False alarms on honest output and the holdout control ({len(controls)} runs):", ""]
    lines += [f"- {g}: {n}/{len(controls)}" for g, n in false_alarms.items()]
    caught = {r["case"] for r in runs if r["leak"] and all(any(not x["gates"][g]["passed"] for g in x["gates"]) for x in runs if x["case"] == r["case"])}
    lines += ["", f"Leaks stopped on every seed: {len(caught)} of {len({r['case'] for r in runs if r['leak']})}"]
    path = write_results("privacy-zoo", {"runs": runs, "false_alarms": false_alarms, "control_runs": len(controls)}, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(path)


if __name__ == "__main__":
    main()
