"""Fit a generator in a child process with enforced time and memory bounds, relaying progress.

A fit that runs past `time_budget_s`, or whose process tree uses more than `memory_limit_gb`,
is killed and reported as a clear error; nothing is written, so the previous champion stays. The
child's output (epoch counters, losses, progress bars) is relayed as log lines at most every few
seconds, with the elapsed time and the budget, so long fits show where they are.
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
from pydantic import BaseModel, ConfigDict

from synth_assets.engines.base import GeneratorError, SamplingPolicy
from synth_assets.schema import SchemaContract

POLL_SECONDS = 0.25
RELAY_EVERY_SECONDS = 5.0


class GeneratorTimeout(GeneratorError):
    """The fit ran past its time budget."""


class GeneratorMemoryError(GeneratorError):
    """The fit used more memory than its ceiling."""


class FitRequest(BaseModel):
    """Everything the child needs: the model, and where the train split is (never the rows)."""

    model_config = ConfigDict(frozen=True)

    engine: str
    model: str
    params: dict
    seed: int
    epsilon: float | None = None
    delta: float | None = None
    root: str  # the data root's URL
    train_path: str
    train_hash: str
    schema_contract: SchemaContract
    faked: dict[str, str] = {}
    column_order: list[str]
    policy: SamplingPolicy = SamplingPolicy()
    # Rows to sample right after fitting, in the child: the parent then never loads the
    # engine's libraries (seconds of imports) just to draw the candidate.
    sample_rows: int | None = None
    sample_seed: int = 0


@dataclass(frozen=True)
class FitOutcome:
    generator_bytes: bytes
    seconds: float
    peak_memory_mb: float
    sample: pd.DataFrame | None = None  # `sample_rows` rows drawn with `sample_seed`, when requested


def fit_in_child(
    request: FitRequest, *, time_budget_s: float, memory_limit_gb: float, log: Callable[[str], None] = print
) -> FitOutcome:
    """Run `synth_assets.engines.worker` on `request` within the bounds."""
    name = f"{request.engine}/{request.model}"
    with tempfile.TemporaryDirectory(prefix="synth-assets-fit-") as folder:
        folder = Path(folder)
        (folder / "request.json").write_text(request.model_dump_json())
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "synth_assets.engines.worker", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        peak, last_relay, latest = 0.0, started, ""
        try:
            while process.poll() is None:
                time.sleep(POLL_SECONDS)
                elapsed = time.monotonic() - started
                used = _tree_memory(process.pid)
                peak = max(peak, used)
                if elapsed > time_budget_s:
                    raise GeneratorTimeout(
                        f"fitting {name} took longer than its time budget of {time_budget_s:g} s and was stopped; "
                        "the previous champion stays. Raise generator.time_budget_s or choose a cheaper model "
                        "(`synth-assets generators` lists the measured cost of each)."
                    )
                if used > memory_limit_gb * 2**30:
                    raise GeneratorMemoryError(
                        f"fitting {name} used {used / 2**30:.1f} GiB, over its ceiling of {memory_limit_gb:g} GiB, "
                        "and was stopped; the previous champion stays. Raise generator.memory_limit_gb or choose a "
                        "lighter model."
                    )
                while not lines.empty():
                    latest = lines.get_nowait() or latest
                if time.monotonic() - last_relay >= RELAY_EVERY_SECONDS:
                    log(f"{name}: {elapsed:.0f} s of {time_budget_s:g} s, {used / 2**20:,.0f} MiB" + (f" | {latest}" if latest else ""))
                    last_relay = time.monotonic()
        finally:
            if process.poll() is None:
                _kill_tree(process)
        seconds = time.monotonic() - started
        if process.returncode != 0:
            error_file = folder / "error.json"
            problem = json.loads(error_file.read_text()) if error_file.exists() else {"type": "crash", "message": f"exit code {process.returncode}"}
            raise GeneratorError(f"fitting {name} failed: {problem['type']}: {problem['message']}")
        sample = pd.read_parquet(folder / "sample.parquet") if request.sample_rows else None
        return FitOutcome((folder / "generator.pkl").read_bytes(), seconds, peak / 2**20, sample)


def _read_lines(stream, lines: queue.Queue) -> None:
    """Split the child's output on newlines and on the carriage returns progress bars redraw with."""
    buffer = b""
    for chunk in iter(lambda: stream.read1(4096), b""):
        buffer += chunk
        *complete, buffer = buffer.replace(b"\r", b"\n").split(b"\n")
        for line in complete:
            text = line.decode(errors="replace").strip()
            if text:
                lines.put(text[:200])


def _tree_memory(pid: int) -> float:
    try:
        parent = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
    except psutil.Error:
        return 0.0


def _kill_tree(process: subprocess.Popen) -> None:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    for child in [*children]:
        child.kill()
    process.kill()
    process.wait()
