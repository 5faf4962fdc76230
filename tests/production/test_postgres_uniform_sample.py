"""On a real PostgreSQL table, the bounded sample includes the newest rows at their share.

Same design as tests/sources/test_uniform_sample.py (30,000 old rows, 3,000 appended, 30 samples of
1,000, 99.9% binomial interval); the table is large against the sample, so TABLESAMPLE BERNOULLI
is the method used.
"""

import pytest

from synth_assets.catalog import SourceSpec
from synth_assets.sources import sample_source
from tests.production.conftest import PG_ADMIN_URL
from tests.sources.test_uniform_sample import N, assert_fresh_rows_at_their_share, make_table

pytestmark = pytest.mark.postgres


def test_postgres_bernoulli_sample_includes_the_newest_rows_at_their_share(pg_schema):
    engine, schema = pg_schema
    make_table(engine, f'"{schema}".events')
    source = SourceSpec(url=PG_ADMIN_URL, table=f"{schema}.events")
    assert sample_source(source, dataset="events", n_rows=N).attrs["sampling"] == "bernoulli"
    assert_fresh_rows_at_their_share(lambda seed: sample_source(source, dataset="events", n_rows=N, seed=seed))
    repeat = [sample_source(source, dataset="events", n_rows=N, seed=4)["position"].tolist() for _ in range(2)]
    assert repeat[0] == repeat[1]  # REPEATABLE and the subsampling both follow the seed


def test_postgres_query_sources_sample_by_sorting_on_random(pg_schema):
    engine, schema = pg_schema
    make_table(engine, f'"{schema}".events')
    source = SourceSpec(url=PG_ADMIN_URL, query=f'SELECT * FROM "{schema}".events')
    assert sample_source(source, dataset="events", n_rows=N).attrs["sampling"] == "order by random"
    assert_fresh_rows_at_their_share(lambda seed: sample_source(source, dataset="events", n_rows=N, seed=seed))


def test_postgres_recency_window_samples_only_the_rows_past_it(pg_schema):
    engine, schema = pg_schema
    make_table(engine, f'"{schema}".events')
    source = SourceSpec(url=PG_ADMIN_URL, table=f"{schema}.events")
    sample = sample_source(source, dataset="events", n_rows=N, since=("position", 10_000))
    assert sample.attrs["sampling"] == "bernoulli" and len(sample) == N and (sample["position"] > 10_000).all()
    assert sample.attrs["population"] == 23_000
