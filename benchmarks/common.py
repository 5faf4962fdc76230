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


def scaled_adult(rows: int, seed: int = 0) -> pd.DataFrame:
    """Adult resampled to `rows` rows with jitter, so the copies are not exact duplicates.

    Rows are drawn with replacement; numeric columns get small noise that keeps their character:
    age +-1 year, hours_per_week +-2, fnlwgt x(1 +- 5%), non-zero capital gains and losses
    x(1 +- 2%), all clipped to the real range and rounded. Categories are kept as drawn.
    """
    import numpy as np

    from synth_assets.sources.bundled import load_bundled

    adult = load_bundled("adult")
    rng = np.random.default_rng(seed)
    frame = adult.iloc[rng.integers(0, len(adult), rows)].reset_index(drop=True)

    def jitter(column: str, noise) -> None:
        values = frame[column].to_numpy(dtype=float) + noise
        frame[column] = np.clip(values, adult[column].min(), adult[column].max()).round().astype(adult[column].dtype)

    jitter("age", rng.integers(-1, 2, rows))
    jitter("hours_per_week", rng.integers(-2, 3, rows))
    jitter("fnlwgt", frame["fnlwgt"].to_numpy() * rng.normal(0, 0.05, rows))
    for column in ("capital_gain", "capital_loss"):
        jitter(column, frame[column].to_numpy() * rng.normal(0, 0.02, rows))
    return frame
