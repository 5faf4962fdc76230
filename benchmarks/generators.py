"""Measure every registered generator on Adult: fit time, peak memory, quality, DCR share.

Each model is fitted with synth-assets' default parameters on the pipeline's Adult snapshot
(26,048 train rows after generalisation), in a child process under the same enforced bounds a
pipeline run has (default 900 s and 12 GiB here). It then samples 10,000 rows, scored with the
SDMetrics quality score, the logistic detection AUC and the DCR share. A second, tiny fit twice
on 2,000 rows with the same seed checks that the content hash repeats (reproducibility).

The results file goes to benchmarks/results/; `synth_assets/engines/measurements.json` is
updated too (it decides which models the catalog offers and their cost class), and so is the
table in docs/generators.md.

    .venv/bin/python -m benchmarks.generators [--models sdv/ctgan synthcity/ddpm ...] [--time-budget 900]
"""

import argparse
import json
import os
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import write_results

DOCS_START, DOCS_END = "<!-- measurements:start -->", "<!-- measurements:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="engine/model names (default: every registered model)")
    parser.add_argument("--time-budget", type=float, default=900.0)
    parser.add_argument("--memory-gb", type=float, default=12.0)
    parser.add_argument("--sample-rows", type=int, default=10_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from synth_assets.catalog import load_catalog
    from synth_assets.engines import MODELS
    from synth_assets.engines.base import SyntheticGenerator
    from synth_assets.engines.isolation import FitRequest, GeneratorMemoryError, GeneratorTimeout, fit_in_child
    from synth_assets.engines.registry import MEASUREMENTS, smoke_params
    from synth_assets.metrics import fidelity, privacy
    from synth_assets.settings import BUNDLED_CATALOG
    from synth_assets.stages.candidate import load_splits
    from synth_assets.stages.snapshot import take_snapshot
    from synth_assets.storage import DataRoot, frame_hash

    names = args.models or list(MODELS)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SYNTH_ASSETS_HOME"] = folder
        root = DataRoot(folder)
        spec = load_catalog(BUNDLED_CATALOG, allow_unmeasured=True).dataset("adult")
        snapshot = take_snapshot("adult", spec, root)
        train, holdout = load_splits(snapshot, root)
        schema = snapshot.schema_contract
        small = train.sample(2000, random_state=0)
        small_hash = root.write_frame(root.path("restricted", "small.parquet"), small)

        def request(info, params, path, digest) -> FitRequest:
            return FitRequest(
                engine=info.engine,
                model=info.model,
                params=params,
                seed=0,
                epsilon=1.0 if info.differentially_private else None,
                root=folder,
                train_path=path,
                train_hash=digest,
                schema_contract=schema,
                column_order=schema.names,
            )

        def measure(info) -> dict:
            entry = {"bounds": {"time_budget_s": args.time_budget, "memory_limit_gb": args.memory_gb}, "params": info.defaults}
            try:
                outcome = fit_in_child(
                    request(info, {}, snapshot.train_path, snapshot.train_hash),
                    time_budget_s=args.time_budget,
                    memory_limit_gb=args.memory_gb,
                    log=lambda line: print("   ", line, flush=True),
                )
                generator = SyntheticGenerator.from_bytes(outcome.generator_bytes)
                started = time.perf_counter()
                synthetic = generator.sample(args.sample_rows, seed=0)
                sample_seconds = time.perf_counter() - started
            except GeneratorTimeout:
                return entry | {"status": f"timeout (> {args.time_budget:g} s)"}
            except GeneratorMemoryError:
                return entry | {"status": f"memory (> {args.memory_gb:g} GiB)"}
            except Exception as error:  # noqa: BLE001 - a failing model is a measurement, not a crash
                return entry | {"status": "error", "error": str(error)[:300]}
            hashes = set()
            for _ in range(2):
                again = fit_in_child(
                    request(info, smoke_params(info), "restricted/small.parquet", small_hash),
                    time_budget_s=args.time_budget,
                    memory_limit_gb=args.memory_gb,
                    log=lambda line: None,
                )
                hashes.add(frame_hash(SyntheticGenerator.from_bytes(again.generator_bytes).sample(500, seed=0)))
            return entry | {
                "status": "ok",
                "fit_seconds": round(outcome.seconds, 1),
                "peak_memory_mb": round(outcome.peak_memory_mb),
                "sample_seconds": round(sample_seconds, 1),
                "quality_score": round(fidelity.quality_report(train, synthetic, schema)["quality_score"].value, 4),
                "detection_auc": round(fidelity.detection_auc(train, synthetic, schema).value, 4),
                "dcr_share": round(privacy.distance_privacy(synthetic, train, holdout, schema)["dcr_share"].value, 4),
                "exact_copy_rate": round(privacy.exact_copy_rate(synthetic, train, holdout, schema)["exact_copy_rate"].value, 4),
                "reproducible": len(hashes) == 1,
            }

        results = {}
        for name in names:
            print(f"== {name}", flush=True)
            results[name] = measure(MODELS[name]) | {"measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
            print("   ", results[name], flush=True)
            # Written after each model: a long run that is stopped keeps what it measured.
            measured = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
            MEASUREMENTS.write_text(json.dumps(dict(sorted((measured | {name: results[name]}).items())), indent=2) + "\n")

    measured = json.loads(MEASUREMENTS.read_text())
    lines = [
        "# Generators on Adult",
        "",
        "26,048 train rows (the pipeline's snapshot), synth-assets' default parameters, fitted in a child process "
        f"under enforced bounds ({args.time_budget:g} s, {args.memory_gb:g} GiB); 10,000 rows sampled and scored.",
        "",
        "| generator | status | fit (s) | peak memory (MiB) | quality | detection AUC | DCR share | exact copies | reproducible |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in sorted(measured.items()):
        if entry["status"] == "ok":
            lines.append(
                f"| {name} | ok | {entry['fit_seconds']:.0f} | {entry['peak_memory_mb']:,} | {entry['quality_score']:.3f} | "
                f"{entry['detection_auc']:.3f} | {entry['dcr_share']:.3f} | {entry['exact_copy_rate']:.3f} | {'yes' if entry['reproducible'] else 'no'} |"
            )
        else:
            lines.append(f"| {name} | {entry['status']} | | | | | | | |")
    path = write_results("generators", {"results": results}, "\n".join(lines) + "\n")
    table = "\n".join(line for line in lines if line.startswith("|"))
    docs = Path(__file__).resolve().parents[1] / "docs" / "generators.md"
    before, rest = docs.read_text().split(DOCS_START)
    docs.write_text(f"{before}{DOCS_START}\n{table}\n{DOCS_END}{rest.split(DOCS_END)[1]}")
    print("\n".join(lines))
    print(f"\nwritten {path}, {MEASUREMENTS} and the table in {docs}")


if __name__ == "__main__":
    main()
