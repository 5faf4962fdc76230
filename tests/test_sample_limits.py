"""The registered generator's per-call row limit: the certified row count unless the catalog says otherwise."""

import pytest

from synth_assets.publish.limits import SampleLimitError, check_sample_rows, sample_row_limit


def test_the_limit_defaults_to_the_certified_rows():
    assert sample_row_limit(None, 10_000) == 10_000
    assert sample_row_limit(2_000, 10_000) == 2_000


def test_more_rows_than_certified_is_refused_with_what_to_do():
    check_sample_rows(10_000, 10_000, "adult")
    with pytest.raises(SampleLimitError) as error:
        check_sample_rows(50_000, 10_000, "adult")
    assert "50,000 rows requested" in str(error.value) and "max_sample_rows" in str(error.value)
