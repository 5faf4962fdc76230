"""Generalisation: rare categories recoded, extremes top- and bottom-coded, the target untouched."""

import pandas as pd

from synth_assets.governance.generalize import OTHER, generalize
from synth_assets.schema import infer_schema


def test_rare_categories_and_extremes_are_coarsened():
    frame = pd.DataFrame(
        {
            "city": ["Lyon"] * 30 + ["Oslo"] * 12 + ["Hamlet"] * 3,
            "income": list(range(1, 44)) + [10_000, 20_000],
            "label": ["yes"] * 44 + ["rare-class"],
        }
    )
    schema = infer_schema(frame, target="label")
    out, summary = generalize(frame, schema, min_category_rows=10, top_code_rows=5)
    assert set(out["city"]) == {"Lyon", "Oslo", OTHER}
    assert summary["city"] == {"categories_recoded": 1, "rows_recoded": 3}
    # the five largest incomes become the fifth largest (41), the four smallest the fifth smallest (5)
    assert out["income"].max() == 41 and (out["income"] == 41).sum() == 5
    assert out["income"].min() == 5 and (out["income"] == 5).sum() == 5
    assert summary["income"] == {"rows_bottom_coded": 4, "rows_top_coded": 4}
    assert out["income"].dtype == frame["income"].dtype
    assert "rare-class" in set(out["label"])  # the target's classes are what models must learn


def test_zero_disables_generalisation(adult_sample):
    schema = infer_schema(adult_sample, target="income")
    real = schema.conform(adult_sample, what="sample")
    out, summary = generalize(real, schema, min_category_rows=0, top_code_rows=0)
    assert summary == {} and out.equals(real)
