"""Benchmark one drift-sensor tick against a 1,000,000-row source, in SQLite and in PostgreSQL.

Target: <= 5 s per tick on 2 cores (Dagster kills a tick at 60 s). Set-up: the demo's champion
is published from Adult in a temporary home; the source is then pointed at a million-row table
(Adult resampled with jitter, see benchmarks.common.scaled_adult) and the sensor is evaluated:
count and fingerprint, a 10,000-row sample drawn by the database, drift of every column.

Uniformity check: the table's last 10% of rows (in insertion order) carry `arrival_batch = 1`
(a column outside the champion's schema, so drift ignores it); `--uniformity-samples` samples of
10,000 rows are drawn and the newest rows' count must fall in the 99.9% binomial interval around
10% (the old LIMIT-after-draw samplers returned almost none of them).

    .venv/bin/python -m benchmarks.drift_tick [--rows N] [--postgres-url URL]
"""

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import scaled_adult, write_results

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
SCHEMA = "synth_assets_bench"


def load_table(engine, backend: str, frame) -> None:
    """SQLite: executemany in chunks. PostgreSQL: COPY from CSV (row-by-row inserts take minutes)."""
    import io

    import sqlalchemy as sa

    if backend == "sqlite":
        with engine.begin() as connection:
            frame.to_sql("adult", connection, index=False, chunksize=100_000)
        return
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
        frame.head(0).to_sql("adult", connection, schema=SCHEMA, index=False)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.copy_expert(f"COPY {SCHEMA}.adult FROM STDIN WITH (FORMAT csv)", buffer)
            cursor.execute(f"ANALYZE {SCHEMA}.adult")
        raw.commit()
    finally:
        raw.close()


def uniformity(url: str, table: str, samples: int, n_rows: int = 10_000) -> dict:
    """The newest 10% of rows in `samples` uniform samples: their count against the binomial interval."""
    from scipy.stats import binom

    from synth_assets.catalog import SourceSpec
    from synth_assets.sources import sample_source

    source = SourceSpec(url=url, table=table)
    drawn = [sample_source(source, dataset="adult", n_rows=n_rows, seed=seed) for seed in range(samples)]
    newest, total = sum(int(d["arrival_batch"].sum()) for d in drawn), sum(len(d) for d in drawn)
    low, high = binom.interval(0.999, total, 0.1)
    return {"method": drawn[0].attrs["sampling"], "newest_rows": newest, "sampled_rows": total, "interval_999": [int(low), int(high)], "uniform": bool(low <= newest <= high)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=POSTGRES, help="'' skips PostgreSQL")
    parser.add_argument("--ticks", type=int, default=3, help="ticks per backend (the median is reported)")
    parser.add_argument("--uniformity-samples", type=int, default=10, help="samples drawn for the uniformity check")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        os.environ["SYNTH_ASSETS_HOME"] = str(home)
        for name in ("MLFLOW_TRACKING_URI", "SYNTH_ASSETS_CATALOG", "DAGSTER_HOME"):
            os.environ.pop(name, None)
        import dagster as dg
        import sqlalchemy as sa
        import yaml

        from synth_assets.catalog import load_catalog
        from synth_assets.definitions import build_definitions
        from synth_assets.resources import DataRootResource
        from synth_assets.settings import BUNDLED_CATALOG

        started = time.perf_counter()
        bundled = yaml.safe_load(BUNDLED_CATALOG.read_text())
        published = build_definitions(load_catalog(BUNDLED_CATALOG)).resolve_job_def("regenerate_adult").execute_in_process(
            instance=dg.DagsterInstance.ephemeral()
        )
        assert published.success, "setting up the champion failed"
        setup_seconds = time.perf_counter() - started

        frame = scaled_adult(args.rows, seed=1)
        frame["arrival_batch"] = (np.arange(len(frame)) >= 0.9 * len(frame)).astype(int)  # the newest 10%
        sources = {"sqlite": (f"sqlite:///{folder}/million.sqlite", "adult")}
        if args.postgres_url:
            sources["postgresql"] = (args.postgres_url, f"{SCHEMA}.adult")
        results = {}
        for backend, (url, table) in sources.items():
            engine = sa.create_engine(url)
            started = time.perf_counter()
            load_table(engine, backend, frame)
            load_seconds = time.perf_counter() - started
            entry = bundled["datasets"]["adult"] | {"source": {"url": url, "table": table}}
            path = Path(folder) / f"{backend}.yaml"
            path.write_text(yaml.safe_dump({"datasets": {"adult": entry}}))
            sensor = build_definitions(load_catalog(path)).resolve_sensor_def("drift_adult")
            ticks = []
            for _ in range(args.ticks):
                context = dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources={"data_root": DataRootResource(url=str(home))})
                started = time.perf_counter()
                outcome = sensor(context)
                ticks.append(time.perf_counter() - started)
            results[backend] = {
                "rows": args.rows,
                "load_seconds": round(load_seconds, 1),
                "tick_seconds": [round(t, 2) for t in ticks],
                "median_tick_seconds": round(sorted(ticks)[len(ticks) // 2], 2),
                "outcome": outcome.skip_reason.skip_message if outcome.skip_reason else f"{len(outcome.run_requests)} run request(s)",
                "uniformity": uniformity(url, table, args.uniformity_samples),
            }
            if backend == "postgresql":
                with engine.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            engine.dispose()

    lines = [
        f"# Drift-sensor tick on {args.rows:,} rows",
        "",
        "One tick: count and fingerprint of the source, a 10,000-row sample drawn by the database, "
        "drift of every column against the champion's reference profile (target <= 5 s on 2 cores).",
        "",
        "| source | median tick (s) | ticks (s) | outcome | newest 10% of rows in samples (99.9% interval) |",
        "|---|---|---|---|---|",
        *[
            f"| {b} | {r['median_tick_seconds']:.2f} | {', '.join(map(str, r['tick_seconds']))} | {r['outcome']} | "
            f"{r['uniformity']['newest_rows']:,} of {r['uniformity']['sampled_rows']:,} ({r['uniformity']['interval_999'][0]:,}-"
            f"{r['uniformity']['interval_999'][1]:,}; {r['uniformity']['method']}): {'uniform' if r['uniformity']['uniform'] else 'NOT uniform'} |"
            for b, r in results.items()
        ],
        "",
        f"Set-up (not timed as a tick): champion published from Adult in {setup_seconds:.0f} s; tables loaded in "
        + ", ".join(f"{b} {r['load_seconds']:.0f} s" for b, r in results.items())
        + ".",
    ]
    path = write_results("drift-tick", {"results": results}, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
