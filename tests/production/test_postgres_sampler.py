"""The drift sensor's PostgreSQL sampler (TABLESAMPLE BERNOULLI) on a real server: uniform, the
newest rows at their share, and drawn the way a large table is (not a full sort)."""

import pytest
import sqlalchemy as sa

from synth_assets.catalog import SourceSpec
from synth_assets.sources import sample_source
from tests.sources.test_uniform_sample import N, assert_fresh_rows_at_their_share, make_table

pytestmark = pytest.mark.postgres


def test_postgres_bernoulli_sample_includes_the_newest_rows_at_their_share(pg_database):
    url = pg_database.render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    make_table(engine, "events")
    engine.dispose()
    source = SourceSpec(url=url, table="events")
    first = sample_source(source, dataset="events", n_rows=N, seed=0)
    assert first.attrs["sampling"] == "bernoulli" and first.attrs["population"] == 33_000
    assert_fresh_rows_at_their_share(lambda seed: sample_source(source, dataset="events", n_rows=N, seed=seed))


def test_postgres_recency_window_samples_only_the_rows_past_it(pg_database):
    url = pg_database.render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    make_table(engine, "events")
    engine.dispose()
    source = SourceSpec(url=url, table="events")
    recent = sample_source(source, dataset="events", n_rows=500, seed=1, since=("position", 30_000))
    assert recent.attrs["population"] == 3_000 and len(recent) == 500
    assert recent["fresh"].all() and recent["position"].is_unique
