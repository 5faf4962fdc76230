"""The bare-library baseline: what a hand-written script does with one engine, timed phase by phase.

Runs in the engine's own environment (no synth-assets code at all): reads the SQLite source,
takes a stratified 80/20 split with the same arguments as the pipeline (`train_test_split`,
seed 0), fits the model with its library's public API and the same parameters synth-assets uses,
and samples as many rows as the pipeline does. Prints one JSON line of phase timings. Run as a
whole process by benchmarks/pipeline.py and benchmarks/generators.py:

    environments/mostlyai/.venv/bin/python benchmarks/baseline_engine.py mostlyai/tabular_argn SQLITE TABLE TARGET \
        --synthetic-rows 10000 --params '{"model": "MOSTLY_AI/Medium", "max_epochs": 4}'
"""

import argparse
import json
import sqlite3
import tempfile
import time
import warnings


def fit_and_sample(name: str, train, params: dict, rows: int, seed: int):
    if name == "mostlyai/tabular_argn":
        from mostlyai.engine import TabularARGN

        with tempfile.TemporaryDirectory() as workspace:
            model = TabularARGN(**params, workspace_dir=workspace, random_state=seed, device="cpu")
            model.fit(train)
            yield "fit"
            model.sample(n_samples=rows)
            yield "sample"
    elif name == "sdv/gaussian_copula":
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        synthesizer = GaussianCopulaSynthesizer(Metadata.detect_from_dataframes({"t": train}), **params)
        synthesizer.fit({"t": train})
        yield "fit"
        synthesizer.sample(rows)
        yield "sample"
    else:
        raise SystemExit(f"no bare script for {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("source")
    parser.add_argument("table")
    parser.add_argument("target")
    parser.add_argument("--synthetic-rows", type=int, required=True)
    parser.add_argument("--params", default="{}")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    phases = {}
    started = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal started
        phases[name] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()

    import pandas as pd
    from sklearn.model_selection import train_test_split

    mark("imports")
    with sqlite3.connect(args.source) as connection:
        real = pd.read_sql_query(f'SELECT * FROM "{args.table}"', connection)
    train, _ = train_test_split(real, test_size=0.2, random_state=0, shuffle=True, stratify=real[args.target].astype(str))
    mark("read_and_split")
    for phase in fit_and_sample(args.model, train.reset_index(drop=True), json.loads(args.params), args.synthetic_rows, args.seed):
        mark(phase)
    print(json.dumps({"phases": phases, "train_rows": len(train)}))


if __name__ == "__main__":
    main()
