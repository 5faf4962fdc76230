"""Benchmark the validation suite on Adult: 26k train x 26k GaussianCopula synthetic rows.

Writes per-metric-group seconds, and compares our DCR with SDMetrics' DCROverfittingProtection
on the same data (same answer within 0.01, at least 100x faster). Two definitions are computed
with our engine: SDMetrics' own (each comparison scaled by its reference's ranges, strict "<"),
which must match SDMetrics, and ours (one scale fitted on all real data, ties count one half).

SDMetrics needs 23-40 minutes on the full data: `--reuse-sdmetrics` takes its numbers from the
latest results file when the synthetic data's content hash is unchanged; `--sdmetrics-rows N`
compares on a subsample instead.

    .venv/bin/python -m benchmarks.validation_suite [--reuse-sdmetrics | --sdmetrics-rows N | --skip-sdmetrics]
"""

import argparse
import json
import time
import warnings
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, adult_splits, frame_summary, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdmetrics-rows", type=int, default=None, help="subsample every set to N rows for the SDMetrics comparison")
    parser.add_argument("--skip-sdmetrics", action="store_true")
    parser.add_argument("--reuse-sdmetrics", action="store_true", help="reuse the last full SDMetrics run if the synthetic data are identical")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from synth_assets.catalog import load_catalog
    from synth_assets.engines.isolation import fit_model
    from synth_assets.gates import applicable_gates
    from synth_assets.metrics.distance import MixedSpace, nearest_two
    from synth_assets.reports import gated_report
    from synth_assets.settings import BUNDLED_CATALOG
    from synth_assets.stages.validate import validation_sections
    from synth_assets.storage import frame_hash

    spec = load_catalog(BUNDLED_CATALOG).dataset("adult")
    schema, train, holdout = adult_splits()
    synthetic = fit_model("sdv/gaussian_copula", train, schema, sample_rows=len(train)).sample

    timings: dict[str, float] = {}
    started = time.perf_counter()
    sections = validation_sections(synthetic, train, holdout, spec, schema, timings=timings)
    suite_seconds = time.perf_counter() - started
    _, outcomes = gated_report(sections, applicable_gates(spec, "validation"))

    # Our engine on exactly SDMetrics' inputs: every synthetic row against full train and full holdout.
    def distances(train_space: MixedSpace, holdout_space: MixedSpace):
        started = time.perf_counter()
        to_train, _ = nearest_two(train_space.encode(synthetic), train_space.encode(train))
        to_holdout, _ = nearest_two(holdout_space.encode(synthetic), holdout_space.encode(holdout))
        return to_train, to_holdout, time.perf_counter() - started

    common = MixedSpace.fit(pd.concat([train, holdout], ignore_index=True), schema)
    to_train, to_holdout, ours_seconds = distances(common, common)
    ours_share = float(((to_train < to_holdout) + 0.5 * (to_train == to_holdout)).mean())
    to_train, to_holdout, compat_seconds = distances(MixedSpace.fit(train, schema), MixedSpace.fit(holdout, schema))
    compat_share = float((to_train < to_holdout).mean())

    comparison = {
        "synthetic_hash": frame_hash(synthetic),
        "ours_seconds": round(ours_seconds, 2),
        "ours_closer_to_training": ours_share,
        "sdmetrics_definition_seconds": round(compat_seconds, 2),
        "sdmetrics_definition_closer_to_training": compat_share,
    }
    if not args.skip_sdmetrics:
        reused = _previous_sdmetrics(comparison["synthetic_hash"]) if args.reuse_sdmetrics else None
        comparison |= reused or _sdmetrics_dcr(synthetic, train, holdout, schema, args.sdmetrics_rows)
        if comparison.get("sdmetrics_rows") is None:
            comparison["difference"] = round(abs(comparison["sdmetrics_closer_to_training"] - compat_share), 4)
            comparison["speedup"] = round(comparison["sdmetrics_seconds"] / compat_seconds, 1)

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
        f"Whole suite: **{suite_seconds:.1f} s** (target 20 s on 2 cores, with the targeted privacy attacks).",
        "",
        "| metric group | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in timings.items()],
        "",
        "## DCR against SDMetrics DCROverfittingProtection",
        "",
        "Every synthetic row against all train and all holdout rows, exact nearest neighbours.",
        "",
        "| | seconds | share closer to train |",
        "|---|---|---|",
        f"| synth-assets, SDMetrics' definition (per-reference ranges, strict <) | {compat_seconds:.1f} | {compat_share:.4f} |",
    ]
    if "sdmetrics_seconds" in comparison:
        lines.append(
            f"| SDMetrics DCROverfittingProtection ({comparison.get('sdmetrics_rows') or 'all'} rows) "
            f"| {comparison['sdmetrics_seconds']:.1f} | {comparison['sdmetrics_closer_to_training']:.4f} |"
        )
    lines.append(f"| synth-assets' own definition (one scale for both, ties 1/2) | {ours_seconds:.1f} | {ours_share:.4f} |")
    if "speedup" in comparison:
        lines += ["", f"Same definition: difference {comparison['difference']:.4f}, speed-up {comparison['speedup']:.0f}x."]
    if comparison.get("reused_from"):
        lines += ["", f"SDMetrics figures reused from {comparison['reused_from']} (same synthetic content hash)."]
    path = write_results("validation-suite", payload, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten {path}")


def _previous_sdmetrics(synthetic_hash: str) -> dict | None:
    """The SDMetrics figures of the newest full run on identical synthetic data, if any."""
    for path in sorted(RESULTS.glob("validation-suite-*.json"), reverse=True):
        previous = json.loads(path.read_text()).get("dcr_vs_sdmetrics", {})
        if previous.get("synthetic_hash") == synthetic_hash and previous.get("sdmetrics_rows") is None and "sdmetrics_seconds" in previous:
            keys = ("sdmetrics_seconds", "sdmetrics_closer_to_training", "sdmetrics_rows", "sdmetrics_measured_at")
            return {k: previous.get(k) for k in keys} | {"reused_from": path.name}
    return None


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
        "sdmetrics_measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    main()
