"""The host side of the protocol: run a fit or a sample in the engine's own environment, bounded.

Each call makes a fresh folder, writes the request and its inputs (`engines/protocol.py`), and
starts the worker with the engine family's interpreter and only the `synth_assets` package on its
path. A call that runs past its time budget, or whose process tree uses more than its memory
ceiling, is killed and reported as a clear error; nothing is written, so the previous champion
stays. The child's output (epoch counters, losses, progress bars) is relayed as log lines at most
every few seconds, with the elapsed time and the budget, so long fits show where they are.
"""

import hashlib
import io
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil

from synth_assets.engines.base import GeneratorError
from synth_assets.engines.environments import interpreter_for
from synth_assets.engines.protocol import (
    GENERATOR_FILE,
    REPLY_FILE,
    REQUEST_FILE,
    SAMPLE_FILE,
    TRAIN_FILE,
    EngineReply,
    FitRequest,
    SampleRequest,
    SamplingPolicy,
)
from synth_assets.schema import SchemaContract

POLL_SECONDS = 0.25
RELAY_EVERY_SECONDS = 5.0
SAMPLE_TIME_BUDGET_S = 900.0  # consumers' samples (MLflow pyfunc) run under these bounds too
SAMPLE_MEMORY_LIMIT_GB = 8.0
PACKAGE = Path(__file__).resolve().parents[1]  # synth_assets/
# Nothing in an engine environment may reach a model hub at run time.
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


class GeneratorTimeout(GeneratorError):
    """The fit ran past its time budget."""


class GeneratorMemoryError(GeneratorError):
    """The fit used more memory than its ceiling."""


@dataclass(frozen=True)
class Cost:
    seconds: float  # wall clock, process start to exit (imports included)
    cpu_seconds: float  # user + system time of the engine process and everything it ran
    peak_memory_mb: float  # resident memory of the process tree, sampled every POLL_SECONDS


@dataclass(frozen=True)
class FitOutcome:
    generator_bytes: bytes
    cost: Cost
    reply: EngineReply  # the environment's Python and library versions, the privacy it accounted
    sample: pd.DataFrame | None = None  # `sample_rows` rows drawn with `sample_seed`, when requested


def fit_in_engine(
    request: FitRequest, train: pd.DataFrame, *, time_budget_s: float, memory_limit_gb: float, log: Callable[[str], None] = print
) -> FitOutcome:
    """Fit `request`'s model on `train` in its engine's environment, within the bounds."""
    train_bytes = _parquet(train)
    request = request.model_copy(update={"train_sha256": hashlib.sha256(train_bytes).hexdigest()})
    reply, outputs, cost = _run(
        request, {TRAIN_FILE: train_bytes}, doing="fitting", time_budget_s=time_budget_s, memory_limit_gb=memory_limit_gb, log=log
    )
    sample = pd.read_parquet(io.BytesIO(outputs[SAMPLE_FILE])) if SAMPLE_FILE in outputs else None
    return FitOutcome(outputs[GENERATOR_FILE], cost, reply, sample)


def fit_model(
    name: str,
    train: pd.DataFrame,
    schema: SchemaContract,
    *,
    params: dict | None = None,
    seed: int = 0,
    epsilon: float | None = None,
    sample_rows: int | None = None,
    sample_seed: int = 0,
    policy: SamplingPolicy | None = None,
    time_budget_s: float = SAMPLE_TIME_BUDGET_S,
    memory_limit_gb: float = SAMPLE_MEMORY_LIMIT_GB,
    log: Callable[[str], None] = lambda line: None,
) -> FitOutcome:
    """Fit a registered model by name outside any dataset (benchmarks, tests, bake-off scripts)."""
    engine, _, model = name.partition("/")
    request = FitRequest(
        engine=engine,
        model=model,
        params=params or {},
        seed=seed,
        epsilon=epsilon,
        schema_contract=schema,
        column_order=schema.names,
        policy=policy or SamplingPolicy(),
        sample_rows=sample_rows,
        sample_seed=sample_seed,
    )
    return fit_in_engine(request, train, time_budget_s=time_budget_s, memory_limit_gb=memory_limit_gb, log=log)


def sample_in_engine(
    engine: str,
    model: str,
    generator_bytes: bytes,
    generator_sha256: str,
    n_rows: int,
    seed: int,
    *,
    time_budget_s: float = SAMPLE_TIME_BUDGET_S,
    memory_limit_gb: float = SAMPLE_MEMORY_LIMIT_GB,
    log: Callable[[str], None] = lambda line: None,
) -> pd.DataFrame:
    """`n_rows` rows from a fitted generator, sampled in its engine's environment."""
    if hashlib.sha256(generator_bytes).hexdigest() != generator_sha256:
        raise GeneratorError(f"the {engine}/{model} generator does not match its recorded sha256: refusing to sample it")
    request = SampleRequest(engine=engine, model=model, generator_sha256=generator_sha256, n_rows=n_rows, seed=seed)
    _, outputs, _ = _run(
        request, {GENERATOR_FILE: generator_bytes}, doing="sampling", time_budget_s=time_budget_s, memory_limit_gb=memory_limit_gb, log=log
    )
    return pd.read_parquet(io.BytesIO(outputs[SAMPLE_FILE]))


def _run(
    request: FitRequest | SampleRequest,
    inputs: dict[str, bytes],
    *,
    doing: str,
    time_budget_s: float,
    memory_limit_gb: float,
    log: Callable[[str], None],
) -> tuple[EngineReply, dict[str, bytes], Cost]:
    name = f"{request.engine}/{request.model}"
    python = interpreter_for(request.engine)
    with tempfile.TemporaryDirectory(prefix="synth-assets-engine-") as folder:
        folder = Path(folder)
        for file, data in inputs.items():
            (folder / file).write_bytes(data)
        (folder / REQUEST_FILE).write_text(request.model_dump_json())
        started = time.monotonic()
        process = subprocess.Popen(
            [str(python), "-m", "synth_assets.engines.worker", str(folder)],
            cwd=folder,  # libraries that write scratch files next to them write them here
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_child_environment(folder),
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        peak, last_relay, latest, usage = 0.0, started, "", None
        try:
            while usage is None:
                time.sleep(POLL_SECONDS)
                if (usage := _reaped(process)) is not None:
                    break
                elapsed = time.monotonic() - started
                used = _tree_memory(process.pid)
                peak = max(peak, used)
                if elapsed > time_budget_s:
                    raise GeneratorTimeout(
                        f"{doing} {name} took longer than its time budget of {time_budget_s:g} s and was stopped; "
                        "the previous champion stays. Raise generator.time_budget_s or choose a cheaper model "
                        "(`synth-assets generators` lists the measured cost of each)."
                    )
                if used > memory_limit_gb * 2**30:
                    raise GeneratorMemoryError(
                        f"{doing} {name} used {used / 2**30:.1f} GiB, over its ceiling of {memory_limit_gb:g} GiB, "
                        "and was stopped; the previous champion stays. Raise generator.memory_limit_gb or choose a "
                        "lighter model."
                    )
                while not lines.empty():
                    latest = lines.get_nowait() or latest
                if time.monotonic() - last_relay >= RELAY_EVERY_SECONDS:
                    log(f"{name}: {elapsed:.0f} s of {time_budget_s:g} s, {used / 2**20:,.0f} MiB" + (f" | {latest}" if latest else ""))
                    last_relay = time.monotonic()
        finally:
            if usage is None:
                _kill_tree(process)
        seconds = time.monotonic() - started
        cpu_seconds = usage.ru_utime + usage.ru_stime
        reply_file = folder / REPLY_FILE
        if not reply_file.exists():
            raise GeneratorError(f"{doing} {name} failed: the engine process ended without a reply (exit code {process.returncode})")
        reply = EngineReply.model_validate_json(reply_file.read_text())
        if not reply.ok:
            raise GeneratorError(f"{doing} {name} failed: {reply.error_type}: {reply.message}")
        outputs = {}
        for file, digest in ((GENERATOR_FILE, reply.generator_sha256), (SAMPLE_FILE, reply.sample_sha256)):
            if digest is not None:
                outputs[file] = (folder / file).read_bytes()
                if hashlib.sha256(outputs[file]).hexdigest() != digest:
                    raise GeneratorError(f"{doing} {name}: {file} does not match the sha256 the engine reported")
        return reply, outputs, Cost(seconds, cpu_seconds, peak / 2**20)


def _reaped(process: subprocess.Popen):
    """The child's resource usage once it has ended (its own and its reaped descendants'), else None."""
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid == 0:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage


def _child_environment(folder: Path) -> dict[str, str]:
    """The engine's interpreter sees only the `synth_assets` package, not the host's site-packages."""
    runtime = folder / "runtime"
    runtime.mkdir()
    (runtime / "synth_assets").symlink_to(PACKAGE, target_is_directory=True)
    inherited = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return inherited | OFFLINE | {"PYTHONPATH": str(runtime), "PYTHONNOUSERSITE": "1", "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


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
