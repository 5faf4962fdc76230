"""Fidelity: how closely the synthetic data reproduces the real distributions."""

import warnings

import numpy as np
import pandas as pd

from synth_assets.metrics.estimate import Estimate
from synth_assets.metrics.sampling import bounded_sample
from synth_assets.schema import SchemaContract

MAX_QUALITY_ROWS = 50_000  # SDMetrics' report takes ~1 s on 26k x 15; beyond this we sample


_TABLE = "table"


def sdmetrics_metadata(schema: SchemaContract) -> dict:
    return {"tables": {_TABLE: {"columns": {c.name: {"sdtype": c.kind} for c in schema.columns}}}}


def quality_report(
    real: pd.DataFrame, synthetic: pd.DataFrame, schema: SchemaContract, *, seed: int = 0
) -> dict[str, Estimate]:
    """SDMetrics QualityReport: column shapes, column-pair trends, and their mean (the overall score)."""
    from sdmetrics.reports import QualityReport

    rng = np.random.default_rng(seed)
    real = bounded_sample(real, MAX_QUALITY_ROWS, rng)
    synthetic = bounded_sample(synthetic, MAX_QUALITY_ROWS, rng)
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(
            {_TABLE: real[schema.names]}, {_TABLE: synthetic[schema.names]}, sdmetrics_metadata(schema), verbose=False
        )
    properties = dict(zip(report.get_properties()["Property"], report.get_properties()["Score"]))
    n = min(len(real), len(synthetic))
    return {
        "quality_score": Estimate(float(report.get_score()), n_samples=n),
        "column_shapes": Estimate(float(properties["Column Shapes"]), n_samples=n),
        "column_pair_trends": Estimate(float(properties["Column Pair Trends"]), n_samples=n),
    }
