"""Benchmark the validation suite on Adult: 26k train x 26k GaussianCopula synthetic rows.

Writes per-metric-group seconds, and compares our DCR with SDMetrics' DCROverfittingProtection
on the same data (same answer within 0.01, at least 100x faster). SDMetrics needs ~23 minutes on
the full data; `--sdmetrics-rows N` compares on a subsample instead.

    .venv/bin/python -m benchmarks.validation_suite [--sdmetrics-rows N | --skip-sdmetrics]
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from benchmarks.common import adult_splits, frame_summary, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdmetrics-rows", type=int, default=None, help="subsample every set to N rows for the SDMetrics comparison")
    parser.add_argument("--skip-sdmetrics", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from synth_assets.catalog import load_catalog
    from synth_assets.engines import build_generator
    from synth_assets.metrics import privacy
    from synth_assets.metrics.distance import MixedSpace, nearest_two
    from synth_assets.reports import gated_report
    from synth_assets.settings import BUNDLED_CATALOG
    from synth_assets.gates import applicable_gates
from synth_assets.stages.validate import validation_sections

    spec = load_catalog(BUNDLED_CATALOG).dataset("adult")
    schema, train, holdout = adult_splits()
    generator = build_generator("sdv", "gaussian_copula", {}, 0)
    generator.fit(train, schema)
    synthetic = generator.sample(len(train), seed=0)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    sections = validation_sections(synthetic, train, holdout, spec, schema, timings=timings)
    suite_seconds = time.perf_counter() - started
    _, outcomes = gated_report(sections, applicable_gates(spec, "validation"))

    # Our DCR on exactly SDMetrics' inputs: every synthetic row against full train and full holdout.
    started = time.perf_counter()
    space = MixedSpace.fit(pd.concat([train, holdout], ignore_index=True), schema)
    encoded = space.encode(synthetic)
    to_train, _ = nearest_two(encoded, space.encode(train))
    to_holdout, _ = nearest_two(encoded, space.encode(holdout))
    ours_seconds = time.perf_counter() - started
    ours_share = float(((to_train < to_holdout) + 0.5 * (to_train == to_holdout)).mean())
    ours_strict = float((to_train < to_holdout).mean())

    comparison = {"ours_seconds": round(ours_seconds, 2), "ours_closer_to_training": ours_share, "ours_strict_closer_to_training": ours_strict}
    if not args.skip_sdmetrics:
        comparison |= _sdmetrics_dcr(synthetic, train, holdout, schema, args.sdmetrics_rows)
        if "sdmetrics_closer_to_training" in comparison and comparison.get("sdmetrics_rows") is None:
            comparison["difference"] = round(abs(comparison["sdmetrics_closer_to_training"] - ours_share), 4)
            comparison["speedup"] = round(comparison["sdmetrics_seconds"] / ours_seconds, 1)

    payload = {
        "data": {"train": frame_summary(train), "holdout": frame_summary(holdout), "synthetic": frame_summary(synthetic)},
        "suite_seconds": round(suite_seconds, 2),
        "timings_s": timings,
        "values": {f"{s}.{m}": round(e.value, 4) for s, ms in sections.items() for m, e in ms.items()},
        "gates_failed": [o.check_name for o in outcomes if not o.passed],
        "dcr_vs_sdmetrics": comparison,
    }
    lines = [
        "# Validation suite on Adult",
        "",
        f"{frame_summary(train)} train, {frame_summary(holdout)} holdout, {frame_summary(synthetic)} synthetic (GaussianCopula).",
        "",
        f"Whole suite: **{suite_seconds:.1f} s** (target 15 s on 2 cores).",
        "",
        "| metric group | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in timings.items()],
        "",
        "## DCR against SDMetrics DCROverfittingProtection",
        "",
        "| | seconds | share closer to train |",
        "|---|---|---|",
        f"| synth-assets (exact NN, all rows) | {ours_seconds:.1f} | {ours_share:.4f} |",
    ]
    if "sdmetrics_seconds" in comparison:
        lines.append(f"| SDMetrics ({comparison.get('sdmetrics_rows') or 'all'} rows) | {comparison['sdmetrics_seconds']:.1f} | {comparison['sdmetrics_closer_to_training']:.4f} |")
    if "speedup" in comparison:
        lines += ["", f"Difference {comparison['difference']:.4f}; speed-up {comparison['speedup']:.0f}x."]
    path = write_results("validation-suite", payload, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten {path}")


def _sdmetrics_dcr(synthetic, train, holdout, schema, rows: int | None) -> dict:
    from sdmetrics.single_table import DCROverfittingProtection

    from synth_assets.metrics.fidelity import sdmetrics_metadata

    if rows is not None:
        rng = np.random.default_rng(0)
        synthetic, train, holdout = (f.iloc[rng.choice(len(f), min(rows, len(f)), replace=False)] for f in (synthetic, train, holdout))
    metadata = sdmetrics_metadata(schema)["tables"]["table"]
    started = time.perf_counter()
    result = DCROverfittingProtection.compute_breakdown(train, synthetic, holdout, metadata, None)
    return {
        "sdmetrics_seconds": round(time.perf_counter() - started, 1),
        "sdmetrics_closer_to_training": float(result["synthetic_data_percentages"]["closer_to_training"]),
        "sdmetrics_rows": rows,
    }


if __name__ == "__main__":
    main()
