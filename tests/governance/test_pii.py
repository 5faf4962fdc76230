"""PII: declared handling, detection of undeclared identifiers, seeded fake values."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.governance.pii import PiiError, add_fakes, detect_identifiers, plan_pii


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "full_name": [f"Person {i}" for i in range(n)],
            "email": [f"user{i}@example.org" for i in range(n)],
            "phone": [f"+1 555-{i:04d}" for i in range(n)],
            "ssn": [f"{100 + i % 800:03d}-{i % 90 + 10:02d}-{i:04d}" for i in range(n)],
            "ticket": [f"TX{rng.integers(1e6):06d}Q{i}" for i in range(n)],
            "weight": rng.integers(10_000, 1_500_000, n),  # near-unique measurement: not an id
            "age": rng.integers(18, 90, n),
            "city": rng.choice(["Lyon", "Oslo", "Pune"], n),
        }
    )


def test_direct_identifiers_are_detected_with_reasons(people):
    flagged = detect_identifiers(people)
    assert set(flagged) == {"customer_id", "full_name", "email", "phone", "ssn", "ticket"}
    assert any("e-mail" in r for r in flagged["email"])
    assert any("phone" in r for r in flagged["phone"])
    assert any("national id" in r for r in flagged["ssn"])
    assert any("person's name" in r for r in flagged["full_name"])
    assert any("letters and digits" in r for r in flagged["ticket"])
    assert "user0@example.org" not in repr(flagged)  # reasons never quote values


def test_adult_has_no_direct_identifier(adult):
    assert detect_identifiers(adult) == {}


def test_plan_separates_declared_columns_and_flags_the_rest(people):
    plan = plan_pii(people, {"email": "fake:email", "full_name": "drop", "ssn": "drop", "city": "keep"}, primary_key="customer_id")
    assert plan.dropped == ["full_name", "ssn"]
    assert plan.faked == {"email": "email"}
    assert plan.kept == ["city"]
    assert set(plan.flagged) == {"phone", "ticket"}  # the primary key is excluded, not flagged
    assert plan.column_order == ["email", "phone", "ticket", "weight", "age", "city"]
    with pytest.raises(PiiError, match="does not have: nope"):
        plan_pii(people, {"nope": "drop"}, primary_key=None)


def test_fake_values_are_seeded_and_placed_in_source_order():
    frame = pd.DataFrame({"age": [30, 40, 50], "city": ["a", "b", "c"]})
    first = add_fakes(frame, {"email": "email"}, ["email", "age", "city"], seed=7)
    again = add_fakes(frame, {"email": "email"}, ["email", "age", "city"], seed=7)
    other = add_fakes(frame, {"email": "email"}, ["email", "age", "city"], seed=8)
    assert list(first.columns) == ["email", "age", "city"]
    assert first["email"].str.contains("@").all()
    assert first.equals(again) and not first["email"].equals(other["email"])


@pytest.fixture
def medical():
    """A medical table as a hospital exports it: names, a repeated subject key, a row number."""
    rng = np.random.default_rng(1)
    n = 600
    first = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena"]
    last = ["Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Ulloa", "Varga", "Weber", "Young"]
    return pd.DataFrame(
        {
            "Unnamed: 0": np.arange(n),
            "visit": np.arange(1, n + 1),
            "subject_id": rng.integers(10_000, 10_300, n),  # ~2 visits per subject: not near-unique
            "patient": [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(n)],
            "note": [f"seen for {rng.choice(['cough', 'fever', 'rash'])}, follow-up in {rng.integers(2, 30)} days, dose {rng.integers(10, 500)} mg" for _ in range(n)],
            "age": rng.integers(18, 90, n),
            "ward": rng.choice(["A", "B", "C"], n),
        }
    )


def test_keys_row_numbers_names_and_free_text_are_detected(medical, doctoraus_frame):
    flagged = detect_identifiers(medical)
    assert set(flagged) == {"Unnamed: 0", "visit", "subject_id", "patient", "note"}
    assert any("key" in r for r in flagged["subject_id"])
    assert any("personal names" in r for r in flagged["patient"])
    assert any("free text" in r for r in flagged["note"])
    assert detect_identifiers(doctoraus_frame) == {}


def test_the_default_catalog_blocks_undeclared_identifiers_before_fitting(medical, tmp_path, monkeypatch):
    from synth_assets.catalog import load_catalog
    from synth_assets.stages.snapshot import prepare_source
    from tests.conftest import dataset_entry, write_catalog, write_sqlite

    url = write_sqlite(tmp_path / "medical.sqlite", medical, table="adult")
    entry = dataset_entry(url, target={"column": "ward", "task": "classification"})
    spec = load_catalog(write_catalog(tmp_path / "c.yaml", {"medical": entry})).dataset("medical")
    assert spec.pii.detection == "block"
    with pytest.raises(PiiError) as error:
        prepare_source("medical", spec)
    message = str(error.value)
    for column in ("Unnamed: 0", "visit", "subject_id", "patient", "note"):
        assert column in message
    assert "pii: {columns: {" in message and "Alice" not in message


@pytest.fixture
def doctoraus_frame():
    from synth_assets.sources.bundled import load_bundled

    return load_bundled("doctoraus")
