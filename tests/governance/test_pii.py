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
