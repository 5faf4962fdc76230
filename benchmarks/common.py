"""What every benchmark shares: the machine description, Adult's split, results files."""

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).parent / "results"


def machine() -> dict:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": _git_sha(),
    }


def adult_splits():
    """The bundled Adult data split exactly as the pipeline splits it (holdout 0.2, seed 0)."""
    from synth_assets.schema import infer_schema
    from synth_assets.sources.bundled import load_bundled
    from synth_assets.stages.snapshot import split_train_holdout

    source = load_bundled("adult")
    schema = infer_schema(source, target="income")
    real = schema.conform(source, what="Adult")
    train, holdout = split_train_holdout(real, holdout_fraction=0.2, seed=0, stratify_on="income")
    return schema, train, holdout


def write_results(name: str, payload: dict, markdown: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps({"machine": machine(), "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}, indent=2, default=str))
    path.with_suffix(".md").write_text(markdown)
    return path


def _git_sha() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def frame_summary(frame: pd.DataFrame) -> str:
    return f"{len(frame):,} x {frame.shape[1]}"
