"""PII: declared handling, detection of undeclared identifiers, seeded fake values."""

import numpy as np
import pandas as pd
import pytest

from synth_assets.governance.pii import (
    HIGH_CARDINALITY,
    MATCH_SHARE,
    NEAR_UNIQUE,
    SAMPLE_ROWS,
    PiiError,
    add_fakes,
    describe_flags,
    detect_identifiers,
    is_faker_provider,
    plan_pii,
)


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


NAME_REASON = "its name suggests a person's name"
ID_NAME_REASON = "its name suggests a national or account identifier"
DISTINCT = "its values are nearly all distinct"
MIXED_IDS = DISTINCT + ", free-text ids of letters and digits"
KEY = "its name and many distinct values suggest a key (record, subject or row id)"
SEQUENCE = "its values are a row-number sequence"
NAMES = "most values look like personal names"
FREE_TEXT = "high-cardinality free text"


def _looks(what):
    return f"most values look like {what}"


def _flags(**columns):
    return detect_identifiers(pd.DataFrame(columns))


def _words(n, length=6):
    """n distinct lowercase words (letters only) of `length` letters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(letters[(i // 26**k) % 26] for k in range(length)) for i in range(n)]


def test_reasons_are_given_in_full(people):
    flagged = detect_identifiers(people)
    assert flagged == {
        "customer_id": [DISTINCT],
        "full_name": [NAME_REASON, MIXED_IDS],  # "Person 17"
        "email": [_looks("e-mail addresses"), MIXED_IDS],
        "phone": [_looks("phone numbers"), DISTINCT],
        "ssn": [ID_NAME_REASON, _looks("phone numbers"), _looks("national id numbers"), DISTINCT],  # 123-45-6789
        "ticket": [MIXED_IDS],
    }
    assert describe_flags(flagged).startswith(
        f"customer_id: {DISTINCT}; email: {_looks('e-mail addresses')}, {MIXED_IDS}; full_name: {NAME_REASON}, {MIXED_IDS}; "
    )


def test_describe_flags_lists_columns_alphabetically():
    assert describe_flags({"b": ["one", "two"], "a": ["three"]}) == "a: three; b: one, two"
    assert describe_flags({}) == ""


def test_an_identifier_name_is_enough_even_without_values():
    flagged = _flags(passport=[None, None], tax_id=pd.Series([1.5, 2.5]), notes=[None, None])
    assert flagged == {"passport": [ID_NAME_REASON], "tax_id": [ID_NAME_REASON]}


def test_plan_reports_every_missing_column_and_fakes_strings_by_default(people):
    with pytest.raises(PiiError, match="names columns the source does not have: a_missing, b_missing$"):
        plan_pii(people, {"b_missing": "drop", "a_missing": "drop", "city": "keep"}, primary_key=None)
    plan = plan_pii(people, {"full_name": "fake", "email": "fake:email"}, primary_key="customer_id")
    assert plan.faked == {"full_name": "pystr", "email": "email"}


def test_float_measurements_are_never_read_as_phone_numbers_or_ids():
    # As text, 1234567.5 is a phone number by pattern: floats are not matched against patterns at all.
    values = [1_234_567.5 + i for i in range(60)]
    assert _flags(reading=values) == {}


def test_integer_amounts_below_nine_digits_are_not_phone_numbers():
    amounts = [1_000_000 + 100 * (i % 20) for i in range(60)]  # 7 digits, 20 distinct
    big = [99_999_999 - (i % 20) for i in range(60)]  # the largest amounts still below 10**8
    assert _flags(amount=amounts, total=big) == {}


def test_integers_of_nine_digits_and_more_are_ids():
    exact = [10**8] * 60  # one repeated value of nine digits: an id pattern, not a measurement
    assert _flags(code=exact) == {"code": [_looks("phone numbers"), _looks("national id numbers")]}


def test_a_pattern_flags_a_column_when_exactly_half_the_values_match():
    n = 60
    emails = [f"user{i}@example.org" for i in range(int(n * MATCH_SHARE))]
    rest = ["unknown"] * (n - len(emails))
    assert _flags(contact=emails + rest) == {"contact": [_looks("e-mail addresses")]}
    fewer = emails[1:] + ["unknown"] * (len(rest) + 1)
    assert _flags(contact=fewer) == {}


def test_near_unique_text_needs_fifty_values_and_95_percent_distinct():
    assert _flags(code=_words(50)) == {"code": [DISTINCT]}  # letters only: not mixed
    assert _flags(code=_words(49)) == {}
    n = 100
    at_share = _words(int(n * NEAR_UNIQUE)) + _words(n - int(n * NEAR_UNIQUE))  # 95 distinct of 100
    assert _flags(code=at_share) == {"code": [DISTINCT]}
    below = _words(int(n * NEAR_UNIQUE) - 1) + _words(n - int(n * NEAR_UNIQUE) + 1)
    assert _flags(code=below) == {}


def test_mixed_ids_need_half_their_values_with_digits_and_half_with_letters():
    words = _words(60)
    half_digits = [w + str(i) if i % 2 else w for i, w in enumerate(words)]  # 30 of 60 carry a digit
    assert _flags(code=half_digits) == {"code": [MIXED_IDS]}
    one_less = [w + str(i) if i % 2 and i > 1 else w for i, w in enumerate(words)]
    assert _flags(code=one_less) == {"code": [DISTINCT]}
    half_letters = [f"{w}{i:04d}" if i % 2 else f"{i:06d}" for i, w in enumerate(words)]  # lower-case letters
    assert _flags(code=half_letters) == {"code": [MIXED_IDS]}
    digits_only = [f"{i:03d}/{i % 7}" for i in range(60)]  # no letters (and no phone number either)
    assert _flags(code=digits_only) == {"code": [DISTINCT]}


def test_a_keyed_column_needs_fifty_values_and_a_fifth_of_them_distinct():
    n = 50
    distinct = int(n * HIGH_CARDINALITY)
    keys = [1_000 + i % distinct for i in range(n)]  # each of 10 subjects 5 times
    assert _flags(subject_id=keys) == {"subject_id": [KEY]}
    assert _flags(subject_id=keys[:-1]) == {}  # 49 rows
    fewer = [1_000 + i % (distinct - 1) for i in range(n)]
    assert _flags(subject_id=fewer) == {}
    assert _flags(subject=keys) == {}  # the same values without a key's name


def _with_outliers(run, outliers, repeats=0):
    """1..run, then `outliers` far-off values, then `repeats` copies of 1: integers, not near-unique measurements."""
    return list(range(1, run + 1)) + [10**6 * (k + 1) for k in range(outliers)] + [1] * repeats


def test_a_row_number_sequence_is_flagged_even_with_a_few_outliers():
    assert _flags(counter=_with_outliers(48, 2)) == {"counter": [SEQUENCE]}  # 50 values, 47 of 49 steps are 1
    assert _flags(counter=_with_outliers(47, 2)) == {}  # 49 values
    assert _flags(counter=_with_outliers(96, 5)) == {"counter": [SEQUENCE]}  # 95 of 100 steps are 1
    assert _flags(counter=_with_outliers(95, 6)) == {}  # 94 of 100
    assert _flags(counter=_with_outliers(93, 2, repeats=5)) == {"counter": [SEQUENCE]}  # 95 distinct of 100
    assert _flags(counter=_with_outliers(92, 2, repeats=6)) == {}  # 94 distinct of 100
    assert _flags(counter=[2 * i for i in range(60)] + [10**6]) == {}  # steps of two: not a row number


def test_near_unique_integers_are_ids_only_when_they_span_at_most_twice_their_count_or_are_long():
    n = 50
    assert _flags(number=list(range(10_000, 10_000 + n))) == {"number": [DISTINCT]}  # a sequence far from 0
    spread = [2 * i for i in range(n - 1)] + [2 * n - 1]  # span exactly 2n
    assert _flags(number=spread) == {"number": [DISTINCT]}
    wider = [2 * i for i in range(n - 1)] + [2 * n]  # span 2n + 1: a measurement
    assert _flags(number=wider) == {}
    long_ids = [10**8 + 1_000 * i for i in range(n)]  # spread wide, but nine digits from 10**8 up
    assert _flags(number=long_ids) == {"number": [_looks("phone numbers"), _looks("national id numbers"), DISTINCT]}
    short = [10**8 - 1_000 * (i + 1) for i in range(n)]  # the same spread just below nine digits
    assert _flags(number=short) == {}


def test_names_need_a_hundred_distinct_capitalised_values_in_half_the_rows():
    first = ["Ada", "Boris", "Chen", "Dora", "Emil", "Fatou", "Gus", "Hana", "Ivo", "Jun"]
    last = ["Abe", "Berg", "Cruz", "Diaz", "Eze", "Ford", "Gill", "Holm", "Ito", "Jain"]
    names = [f"{a} {b}" for a in first for b in last]  # 100 distinct
    assert _flags(patient=names * 2) == {"patient": [NAMES]}
    assert _flags(patient=names[:-1] * 2 + names[:2]) == {}  # 99 distinct
    half = names + ["unknown"] * len(names)
    assert _flags(patient=half) == {"patient": [NAMES]}
    assert _flags(patient=names[:-1] + ["unknown"] * (len(names) + 1)) == {}


def test_free_text_needs_long_values_and_a_fifth_of_them_distinct():
    twenty = [w + "-" * 14 for w in _words(100)]  # 100 distinct values, 20 characters each
    assert _flags(note=twenty * 2) == {"note": [FREE_TEXT]}
    assert _flags(note=[t[:-1] for t in twenty] * 2) == {}  # 19 characters
    assert _flags(note=twenty * 5) == {"note": [FREE_TEXT]}  # 100 distinct of 500
    assert _flags(note=twenty * 5 + twenty[:1]) == {}  # 100 of 501
    assert _flags(note=twenty * 10) == {}
    assert _flags(code=[w[:8] for w in twenty] * 2) == {}  # distinct enough, but short codes


def test_large_columns_are_judged_on_a_reproducible_sample():
    n = SAMPLE_ROWS + 1_000
    ids = [f"{w}{i}" for i, w in enumerate(_words(n))]
    assert _flags(ticket=ids) == {"ticket": [MIXED_IDS]}
    # Exactly half e-mails: whether a sample holds at least half is a coin toss per column, the same
    # toss every time.
    half = {f"c{k}": [f"u{i}@x.org" if (i + k) % 2 else "none" for i in range(2 * SAMPLE_ROWS)] for k in range(8)}
    frame = pd.DataFrame(half)
    assert detect_identifiers(frame) == detect_identifiers(frame) == detect_identifiers(frame.copy())


def test_faker_providers_are_recognised_by_name():
    assert is_faker_provider("email") and is_faker_provider("ssn")
    assert not is_faker_provider("no_such_provider")
    assert not is_faker_provider("seed_value")  # not callable


def test_numbers_are_never_read_as_names_or_free_text():
    # Twenty digits each: as text as long as free text, but a number column is not text.
    big = pd.Series([2**64 - 1 - 7_919 * i for i in range(120)], dtype="uint64")
    assert _flags(account=big) == {"account": [_looks("phone numbers"), DISTINCT]}
