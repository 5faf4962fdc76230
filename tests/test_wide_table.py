"""A 200-column table goes through the whole regenerate job and is published.

It once failed at the datasheet step with a false "written by another version" error: a metric
SDMetrics left NaN was written to the report manifest as `null` and refused when read back
(tests/metrics/test_gated_report.py holds that case on its own).
"""

import numpy as np
import pandas as pd
import pytest

from synth_assets import cli
from synth_assets.stages.publish import read_champion
from synth_assets.storage import DataRoot
from tests.conftest import dataset_entry, write_catalog, write_sqlite

pytestmark = pytest.mark.slow

WIDTH = 200


def widened(frame: pd.DataFrame, width: int, seed: int = 0) -> pd.DataFrame:
    """`frame` plus noisy numeric copies and coarse categorical variants of its columns, to `width` columns."""
    rng = np.random.default_rng(seed)
    extra = {}
    for i in range(width - frame.shape[1]):
        if i % 2 == 0:
            base = frame[["age", "hours_per_week", "education_num"][i % 3]]
            extra[f"measure_{i:03d}"] = (base + rng.normal(0, 2, len(frame))).round(1)
        else:
            extra[f"code_{i:03d}"] = frame["education"].str[:3] + "-" + rng.choice(["a", "b", "c"], len(frame))
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)


def test_a_200_column_table_is_published(home, tmp_path, monkeypatch, adult_sample, capsys):
    wide = widened(adult_sample, WIDTH)
    assert wide.shape[1] == WIDTH
    source = write_sqlite(tmp_path / "wide.sqlite", wide)
    # GaussianCopula on 1,800 rows of 200 correlated columns is not fit for use (quality 0.70,
    # logistic detection 1.0): fitness is reported, not gated, here; privacy gates as shipped.
    relaxed = {"transfer_ratio_min": None, "quality_score_min": None, "detection_auc_max": None}
    catalog = write_catalog(tmp_path / "catalog.yaml", {"adult": dataset_entry(source, acceptance=relaxed)})
    monkeypatch.setenv("SYNTH_ASSETS_CATALOG", str(catalog))
    assert cli.main(["refresh", "adult"]) == 0, capsys.readouterr().err
    champion = read_champion(DataRoot(str(home)), "adult")
    assert len(champion.schema_contract.columns) == WIDTH
    published = pd.read_parquet(DataRoot(str(home)).resolve(champion.published_path))
    assert published.shape == (1200, WIDTH)
    assert (DataRoot(str(home)).resolve(champion.published_path).with_name("datasheet.md")).exists()
