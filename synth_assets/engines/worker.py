"""The engine side of the protocol: `python -m synth_assets.engines.worker FOLDER`.

Runs inside an engine family's own environment (see `engines/protocol.py`). FOLDER holds
`request.json` and its input files; the worker writes its output files and, last, `reply.json`.
The host bounds the process's time and memory and relays its output as progress.
"""

import hashlib
import io
import os
import platform
import sys
import threading
import time
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter

from synth_assets.engines.adapters import construct
from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.engines.protocol import (
    GENERATOR_FILE,
    REPLY_FILE,
    REQUEST_FILE,
    SAMPLE_FILE,
    TRAIN_FILE,
    EngineReply,
    FitRequest,
    Request,
    SampleRequest,
)
from synth_assets.engines.registry import MODELS


def main(folder: str) -> int:
    folder = Path(folder)
    _exit_with_parent()
    try:
        request = TypeAdapter(Request).validate_json((folder / REQUEST_FILE).read_text())
        reply = fit(request, folder) if isinstance(request, FitRequest) else sample(request, folder)
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the host as one line
        # No traceback: library messages can quote data, and the relayed output ends up in run logs.
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        reply = EngineReply(ok=False, error_type=type(error).__name__, message=message[:500], python=platform.python_version())
    (folder / REPLY_FILE).write_text(reply.model_dump_json())
    return 0 if reply.ok else 1


def fit(request: FitRequest, folder: Path) -> EngineReply:
    train = pd.read_parquet(io.BytesIO(_verified(folder / TRAIN_FILE, request.train_sha256)))
    # Offered or not is the catalog's business (checked when it loads); benchmarks fit the rest.
    generator = construct(MODELS[f"{request.engine}/{request.model}"], request.params, request.seed, epsilon=request.epsilon, delta=request.delta)
    print(f"fitting {request.engine}/{request.model} on {len(train):,} rows", flush=True)
    generator.fit(train, request.schema_contract, faked=request.faked, column_order=request.column_order, policy=request.policy)
    generator_sha256 = _write(folder / GENERATOR_FILE, generator.to_bytes())
    sample_sha256 = None
    if request.sample_rows:
        sample_sha256 = _write_frame(folder / SAMPLE_FILE, generator.sample(request.sample_rows, seed=request.sample_seed))
    return EngineReply(
        ok=True,
        generator_sha256=generator_sha256,
        sample_sha256=sample_sha256,
        python=platform.python_version(),
        library_versions=generator.describe()["library_versions"],
        privacy_spent=generator.privacy_spent(),
    )


def sample(request: SampleRequest, folder: Path) -> EngineReply:
    generator = SyntheticGenerator.from_bytes(_verified(folder / GENERATOR_FILE, request.generator_sha256))
    if (generator.engine, generator.model) != (request.engine, request.model):
        raise GeneratorError(f"the file holds a {generator.engine}/{generator.model} generator, not {request.engine}/{request.model}")
    rows = generator.sample(request.n_rows, seed=request.seed)
    return EngineReply(
        ok=True,
        sample_sha256=_write_frame(folder / SAMPLE_FILE, rows),
        python=platform.python_version(),
        library_versions=generator.describe()["library_versions"],
    )


def _exit_with_parent(poll_s: float = 2.0) -> None:
    """End this process when the host that started it dies (killed run, stopped benchmark).

    The host kills the worker's tree on its bounds, but a host killed with SIGKILL cannot: an
    orphaned fit would otherwise run to the end, holding the cores and memory the next run needs.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(3)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _verified(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise GeneratorError(f"{path.name} does not match the sha256 the host sent: refusing to use it")
    return data


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _write_frame(path: Path, frame: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return _write(path, buffer.getvalue())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
