"""The bare-library baseline: what a hand-written SDV script does, timed phase by phase.

Reads the same SQLite source and takes the same train/holdout split as the pipeline, then fits
SDV's GaussianCopula, samples as many rows as the pipeline does, and runs SDMetrics' QualityReport;
with --dcr also SDMetrics' DCROverfittingProtection (all rows; 2,338 s on Adult here, so opt-in).
Prints one JSON line of phase timings. Run as a whole process by benchmarks/pipeline.py.

    .venv/bin/python -m benchmarks.baseline_sdv SQLITE_PATH --synthetic-rows 10000 [--dcr]
"""

import argparse
import json
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--synthetic-rows", type=int, required=True)
    parser.add_argument("--dcr", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    phases = {}
    started = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal started
        phases[name] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()

    import pandas as pd
    import sqlalchemy as sa
    from sdmetrics.reports.single_table import QualityReport
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    from synth_assets.stages.snapshot import split_train_holdout

    mark("imports")
    engine = sa.create_engine(f"sqlite:///{args.source}")
    real = pd.read_sql_table("adult", engine)
    train, holdout = split_train_holdout(real, holdout_fraction=0.2, seed=0, stratify_on="income")
    mark("read_and_split")
    metadata = Metadata.detect_from_dataframes({"adult": train})
    synthesizer = GaussianCopulaSynthesizer(metadata)
    synthesizer.fit({"adult": train})
    mark("fit")
    synthetic = synthesizer.sample(args.synthetic_rows)["adult"]
    mark("sample")
    report = QualityReport()
    report.generate(train, synthetic, metadata.to_dict()["tables"]["adult"], verbose=False)
    mark("quality_report")
    result = {"phases": phases, "quality_score": report.get_score()}
    if args.dcr:
        from sdmetrics.single_table import DCROverfittingProtection

        result["dcr_overfitting_protection"] = DCROverfittingProtection.compute_breakdown(
            train, synthetic, holdout, metadata.to_dict()["tables"]["adult"]
        )
        mark("dcr_overfitting_protection")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
