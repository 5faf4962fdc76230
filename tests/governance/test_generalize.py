"""Generalisation: rare categories recoded, extremes top- and bottom-coded, the target untouched."""

import pandas as pd

from synth_assets.governance.generalize import OTHER, apply_generalization, fit_generalization
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
    rules = fit_generalization(frame, schema, min_category_rows=10, top_code_rows=5)
    out, summary = apply_generalization(frame, rules), rules.summary
    assert rules.recoded == {"city": ["Hamlet"]} and rules.bounds == {"income": (5.0, 41.0)}
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
    rules = fit_generalization(real, schema, min_category_rows=0, top_code_rows=0)
    assert rules.summary == {} and apply_generalization(real, rules).equals(real)


def test_rules_learned_on_a_snapshot_coarsen_later_data_the_same_way():
    frame = pd.DataFrame({"city": ["Lyon"] * 20 + ["Hamlet"] * 2, "income": list(range(22)), "label": ["x"] * 22})
    schema = infer_schema(frame, target="label")
    rules = fit_generalization(frame, schema, min_category_rows=10, top_code_rows=3)
    later = pd.DataFrame({"city": ["Hamlet", "Lyon", "Brand-new"], "income": [-50, 10, 999], "label": ["x"] * 3})
    out = apply_generalization(later, rules)
    assert out["city"].tolist() == [OTHER, "Lyon", "Brand-new"]  # a genuinely new category stays visible
    assert out["income"].tolist() == [2, 10, 19]


def test_no_category_rarer_than_the_threshold_reaches_the_train_split(adult_sample, tmp_path, monkeypatch):
    """Thresholds are counted on train, not the whole source: a category with 10 source rows but
    8 train rows would otherwise reach the generator."""
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.snapshot import prepare_source, split_train_holdout
    from tests.conftest import dataset_entry, write_catalog, write_sqlite

    url = write_sqlite(tmp_path / "adult.sqlite", adult_sample)
    spec = load_catalog(write_catalog(tmp_path / "c.yaml", {"adult": dataset_entry(url)})).dataset("adult")
    _, schema, real, _ = prepare_source("adult", spec)
    train, _ = split_train_holdout(real, holdout_fraction=0.25, seed=0, stratify_on="income")
    for column in schema.categorical:
        if column == "income":
            continue
        counts = train[column].astype(str).value_counts()
        rare = counts[(counts < spec.disclosure.min_category_rows) & (counts.index != "(other)")]
        assert rare.empty, (column, rare.to_dict())
