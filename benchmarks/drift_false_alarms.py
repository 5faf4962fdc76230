"""False-alarm rate of drift on an unchanged source, at the default thresholds.

Per bundled table: the reference profile is the train split (80%) prepared as a snapshot prepares
it; each check draws a uniform sample of the source (all rows, as the sensor does; default 10,000
rows, or half the table when smaller) and runs `drift_report`. Two sources: the whole table
(train rows included, as after a publication) and the holdout alone (rows the reference never
saw: the strictest unchanged case). Reports the share of checks called drifted with its 95%
Clopper-Pearson interval, and the share of column tests with adjusted p < alpha.

    .venv/bin/python -m benchmarks.drift_false_alarms [--checks 1000]
"""

import argparse
import warnings

import numpy as np
from scipy.stats import beta

from benchmarks.common import write_results

TABLES = {"adult": ("income", {}), "doctoraus": ("insurance", {"sex": "categorical"})}


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    return (float(beta.ppf(0.025, k, n - k + 1)) if k else 0.0, float(beta.ppf(0.975, k + 1, n - k)) if k < n else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=1000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from synth_assets.governance.generalize import GeneralizationRules, apply_generalization, fit_generalization
    from synth_assets.metrics.drift import DriftSettings, drift_report
    from synth_assets.metrics.profile import reference_profile
    from synth_assets.schema import infer_schema
    from synth_assets.sources.bundled import load_bundled
    from synth_assets.stages.snapshot import split_train_holdout

    settings, results = DriftSettings(), {}
    for name, (target, overrides) in TABLES.items():
        raw = load_bundled(name)
        schema = infer_schema(raw, target=target, overrides=overrides)
        conformed = schema.conform(raw, what=name)
        rules = fit_generalization(conformed, schema, min_category_rows=10, top_code_rows=10)
        prepared = apply_generalization(conformed, rules)
        train, holdout = split_train_holdout(prepared, holdout_fraction=0.2, seed=0, stratify_on=target)
        profile = reference_profile(train, schema, rules)
        rules = GeneralizationRules.model_validate(profile["generalization"])
        for label, source in (("whole table", conformed), ("holdout only", schema.conform(holdout, what=name))):
            n = min(10_000, len(source) // 2)
            rng = np.random.default_rng(0)
            drifted, column_alarms, column_tests, worst_psi = 0, 0, 0, 0.0
            for _ in range(args.checks):
                sample = source.iloc[rng.choice(len(source), size=n, replace=False)]
                report = drift_report(profile, apply_generalization(sample, rules), settings)
                drifted += report["drifted"]
                column_alarms += sum(c["p_adjusted"] < settings.alpha for c in report["columns"].values())
                column_tests += len(report["columns"])
                worst_psi = max(worst_psi, report["worst_psi"])
            results[f"{name} / {label}"] = {
                "rows": len(source), "sample_rows": n, "checks": args.checks, "drifted": drifted,
                "rate_ci95": clopper_pearson(drifted, args.checks),
                "column_p_below_alpha": column_alarms / column_tests, "worst_psi": worst_psi,
            }
            print(name, label, results[f"{name} / {label}"], flush=True)

    lines = [
        f"# Drift false alarms on unchanged sources ({args.checks:,} checks each, default thresholds)",
        "",
        "| table / source | rows | sample | drifted checks | rate (95% CI) | column tests with adjusted p < 0.01 | worst PSI |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {k} | {r['rows']:,} | {r['sample_rows']:,} | {r['drifted']} / {r['checks']} | "
            f"{r['drifted'] / r['checks']:.1%} ({r['rate_ci95'][0]:.1%}-{r['rate_ci95'][1]:.1%}) | {r['column_p_below_alpha']:.2%} | {r['worst_psi']:.3f} |"
            for k, r in results.items()
        ],
    ]
    path = write_results("drift-false-alarms", {"results": results}, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
