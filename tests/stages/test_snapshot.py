"""The schema contract check (`stages/snapshot.py::check_contract_unchanged`): what a refresh refuses."""

import pytest

from synth_assets.schema import SchemaError, infer_schema
from synth_assets.stages.snapshot import check_contract_unchanged


@pytest.fixture
def contract(adult_sample):
    return infer_schema(adult_sample, target="income")


def test_the_same_columns_and_kinds_pass(contract, adult_sample):
    check_contract_unchanged(contract, infer_schema(adult_sample.sample(frac=0.5, random_state=1), target="income"), "adult")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.rename(columns={"education": "schooling"}), "new columns ['schooling']; missing columns ['education']"),
        (lambda f: f.drop(columns=["occupation"]), "missing columns ['occupation']"),
        (lambda f: f.assign(extra=1.0), "new columns ['extra']"),
        (lambda f: f.assign(age=f["age"].astype(str) + " years"), "kind changed for age (numerical -> categorical)"),
    ],
)
def test_a_changed_contract_is_refused_naming_the_change(contract, adult_sample, change, expected):
    with pytest.raises(SchemaError) as raised:
        check_contract_unchanged(contract, infer_schema(change(adult_sample), target="income"), "adult")
    assert expected in str(raised.value) and "new dataset name" in str(raised.value)


def test_a_column_newly_declared_personal_may_leave_but_nothing_else(contract, adult_sample):
    without = infer_schema(adult_sample.drop(columns=["native_country"]), target="income")
    check_contract_unchanged(contract, without, "adult", declared_personal={"native_country"})
    renamed = infer_schema(adult_sample.drop(columns=["native_country"]).rename(columns={"education": "schooling"}), target="income")
    with pytest.raises(SchemaError, match="new columns \\['schooling'\\]; missing columns \\['education'\\]"):
        check_contract_unchanged(contract, renamed, "adult", declared_personal={"native_country"})
