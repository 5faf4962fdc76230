"""`make bench`: the full governed refresh against the bare engine script, at three data sizes.

For each size, in one process tree and one run:
1. the bare baseline (`benchmarks/baseline_engine.py`, in the default engine's own environment:
   the bundled catalog's generator fitted through its library's API on the same split, and as
   many rows sampled), timed as a whole process;
2. `synth-assets refresh adult` (snapshot -> published: every gate, transfer, datasheet, MLflow),
   timed as a whole process, with each Dagster step's time from the run's step stats.
Both process trees are sampled every 0.1 s for resident memory: the peak of the whole process and
the peak within each step's time window.

Sizes: Adult as is (32,561 rows) and Adult resampled with jitter to 100,000 and 1,000,000 rows
(`benchmarks.common.scaled_adult`: rows drawn with replacement; age +-1, hours +-2, fnlwgt
x(1 +- 5%), non-zero capital gains and losses x(1 +- 2%), clipped to the real range). The catalog
is the bundled one pointed at that table, so the gates, transfer settings and sample size
(10,000 synthetic rows) are the demo's.

    .venv/bin/python -m benchmarks.pipeline [--sizes 32561 100000 1000000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from benchmarks.common import machine, scaled_adult, write_results

TARGETS = {"adult_refresh_s": 30, "refresh_vs_baseline": 4.0, "million_rows_s": 600, "million_rows_peak_gib": 8.0}


class MemorySampler:
    """Resident memory of a process tree, sampled in a thread: (monotonic time, bytes)."""

    def __init__(self, pid: int):
        self.samples: list[tuple[float, int]] = []
        self._pid, self._stop = pid, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                parent = psutil.Process(self._pid)
                used = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
            except psutil.Error:
                used = 0
            self.samples.append((time.time(), used))
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mib(self, start: float = 0.0, end: float = float("inf")) -> float:
        inside = [used for at, used in self.samples if start <= at <= end]
        # A step shorter than the sampling interval: the last sample before it started.
        before = [used for at, used in self.samples if at < start][-1:]
        return max(inside or before or [0]) / 2**20


def timed_process(command: list[str], env: dict) -> tuple[float, float, MemorySampler, str]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = MemorySampler(process.pid)
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return seconds, sampler.peak_mib(), sampler, output


def baseline_command(entry: dict, source: Path) -> list[str]:
    """The bare script for the catalog's generator, run by its engine environment's Python."""
    from synth_assets.catalog import GeneratorSpec
    from synth_assets.engines import generator_params, model_info
    from synth_assets.engines.environments import environment

    generator = GeneratorSpec.model_validate(entry.get("generator", {}))
    info = model_info(generator.engine, generator.model)
    params = generator_params(info, generator.params, None, None)
    script = Path(__file__).with_name("baseline_engine.py")
    return [str(environment(info.family.environment).interpreter()), str(script), info.name, str(source), "adult", "income",
            "--synthetic-rows", str(entry["synthetic_rows"]), "--params", json.dumps(params)]


def step_stats(dagster_home: Path) -> list[dict]:
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        return [
            {"step": s.step_key.removeprefix("adult__"), "start": s.start_time, "end": s.end_time}
            for s in sorted(instance.get_run_step_stats(run.run_id), key=lambda s: s.start_time)
        ]


def measure(rows: int, folder: Path) -> dict:
    import sqlalchemy as sa

    from synth_assets.settings import BUNDLED_CATALOG
    from synth_assets.sources.bundled import load_bundled

    frame = load_bundled("adult") if rows == 32_561 else scaled_adult(rows)
    source = folder / "source.sqlite"
    engine = sa.create_engine(f"sqlite:///{source}")
    with engine.begin() as connection:
        frame.to_sql("adult", connection, index=False, chunksize=100_000)
    engine.dispose()
    entry = yaml.safe_load(BUNDLED_CATALOG.read_text())["datasets"]["adult"]
    entry["source"] = {"url": f"sqlite:///{source}", "table": "adult"}
    catalog = folder / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"datasets": {"adult": entry}}))
    env = {
        **os.environ,
        "SYNTH_ASSETS_HOME": str(folder / "home"),
        "SYNTH_ASSETS_CATALOG": str(catalog),
        "DAGSTER_HOME": str(folder / "dagster"),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    bin_dir = Path(sys.executable).parent

    print(f"== {rows:,} rows: baseline", flush=True)
    base_s, base_peak, _, output = timed_process(baseline_command(entry, source), env)
    baseline = json.loads(output.strip().splitlines()[-1])
    print(f"   {base_s:.1f} s, peak {base_peak:,.0f} MiB, phases {baseline['phases']}", flush=True)

    print(f"== {rows:,} rows: synth-assets refresh", flush=True)
    refresh_s, refresh_peak, sampler, _ = timed_process([str(bin_dir / "synth-assets"), "refresh", "adult"], env)
    stages = [
        s | {"seconds": round(s["end"] - s["start"], 2), "peak_mib": round(sampler.peak_mib(s["start"], s["end"]))}
        for s in step_stats(folder / "dagster")
    ]
    print(f"   {refresh_s:.1f} s, peak {refresh_peak:,.0f} MiB", flush=True)
    for stage in stages:
        print(f"   {stage['step']:<22} {stage['seconds']:7.2f} s {stage['peak_mib']:7,} MiB", flush=True)
    return {
        "rows": rows,
        "baseline": {"seconds": round(base_s, 2), "peak_mib": round(base_peak), **baseline},
        "refresh": {
            "seconds": round(refresh_s, 2),
            "peak_mib": round(refresh_peak),
            "stages": [{k: v for k, v in s.items() if k not in ("start", "end")} for s in stages],
        },
        "refresh_vs_baseline": round(refresh_s / base_s, 2),
    }


def markdown(results: list[dict]) -> str:
    info = machine()
    lines = [
        "# Full refresh vs the bare engine script",
        "",
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; Python {info['python']}; git {info['git']}.",
        "Both timed as whole processes (imports included); peak = resident memory of the process tree.",
        "",
        "| rows | bare script (s) | peak (MiB) | synth-assets refresh (s) | peak (MiB) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['baseline']['seconds']:.1f} | {r['baseline']['peak_mib']:,} | "
            f"{r['refresh']['seconds']:.1f} | {r['refresh']['peak_mib']:,} | {r['refresh_vs_baseline']:.1f}x |"
        )
    steps = [s["step"] for s in results[0]["refresh"]["stages"]]
    lines += [
        "",
        "Per stage (seconds / peak MiB):",
        "",
        "| stage | " + " | ".join(f"{r['rows']:,}" for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]
    for step in steps:
        cells = []
        for r in results:
            found = next((s for s in r["refresh"]["stages"] if s["step"] == step), None)
            cells.append(f"{found['seconds']:.1f} / {found['peak_mib']:,}" if found else "")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    adult = next((r for r in results if r["rows"] == 32_561), None)
    million = next((r for r in results if r["rows"] == 1_000_000), None)
    lines += ["", "Targets (2 cores):", ""]
    if adult:
        lines.append(
            f"- Adult refresh <= {TARGETS['adult_refresh_s']} s: {adult['refresh']['seconds']:.1f} s ({'met' if adult['refresh']['seconds'] <= TARGETS['adult_refresh_s'] else 'MISSED'})"
        )
        lines.append(
            f"- <= {TARGETS['refresh_vs_baseline']:g}x the bare script: {adult['refresh_vs_baseline']:.1f}x ({'met' if adult['refresh_vs_baseline'] <= TARGETS['refresh_vs_baseline'] else 'MISSED'})"
        )
    if million:
        gib = million["refresh"]["peak_mib"] / 1024
        lines.append(
            f"- 1,000,000 rows <= {TARGETS['million_rows_s'] // 60} min: {million['refresh']['seconds'] / 60:.1f} min ({'met' if million['refresh']['seconds'] <= TARGETS['million_rows_s'] else 'MISSED'})"
        )
        lines.append(
            f"- 1,000,000 rows <= {TARGETS['million_rows_peak_gib']:g} GiB peak: {gib:.1f} GiB ({'met' if gib <= TARGETS['million_rows_peak_gib'] else 'MISSED'})"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[32_561, 100_000, 1_000_000])
    parser.add_argument("--label", default="", help="part of the results file name (e.g. before/after a change)")
    args = parser.parse_args()
    results = []
    for rows in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"synth-bench-{rows}-") as folder:
            results.append(measure(rows, Path(folder)))
    text = markdown(results)
    name = f"pipeline-{args.label}" if args.label else "pipeline"
    path = write_results(name, {"results": results, "targets": TARGETS}, text)
    print(text)
    print(f"written {path}")


if __name__ == "__main__":
    main()
