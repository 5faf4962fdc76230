"""Fit one generator in its own process: `python -m synth_assets.engines.worker FOLDER`.

FOLDER holds `request.json` (an isolation.FitRequest). The parent (engines/isolation.py) bounds
the process's time and memory and relays its output as progress; the fitted generator comes back
as `generator.pkl` (with `sample.parquet` when the request asks for a sample), an error as
`error.json` with one line.
"""

import json
import sys
from pathlib import Path

from synth_assets.engines import MODELS, construct
from synth_assets.engines.isolation import FitRequest
from synth_assets.storage import DataRoot


def main(folder: str) -> int:
    folder = Path(folder)
    try:
        request = FitRequest.model_validate_json((folder / "request.json").read_text())
        root = DataRoot(request.root)
        train = root.read_frame(root.resolve(request.train_path), expected_hash=request.train_hash)
        # Offered or not is the catalog's business (checked when it loads); benchmarks fit the rest.
        generator = construct(MODELS[f"{request.engine}/{request.model}"], request.params, request.seed, epsilon=request.epsilon, delta=request.delta)
        print(f"fitting {request.engine}/{request.model} on {len(train):,} rows", flush=True)
        generator.fit(train, request.schema_contract, faked=request.faked, column_order=request.column_order, policy=request.policy)
        (folder / "generator.pkl").write_bytes(generator.to_bytes())
        if request.sample_rows:
            generator.sample(request.sample_rows, seed=request.sample_seed).to_parquet(folder / "sample.parquet", index=False)
        return 0
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent as one line
        # No traceback on the relayed output: library messages can quote data, and the relayed
        # output ends up in run logs.
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        (folder / "error.json").write_text(json.dumps({"type": type(error).__name__, "message": message[:500]}))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
