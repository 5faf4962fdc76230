"""Read a dataset's real rows through SQLAlchemy: SQLite for the demo, PostgreSQL in production."""

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from synth_assets.catalog import CatalogError, SourceSpec, expand_env
from synth_assets.provenance import without_credentials
from synth_assets.sources.bundled import load_bundled


class SourceError(RuntimeError):
    """The source cannot be read; the message says which dataset, where, and why."""


def public_source_url(source: SourceSpec, dataset: str) -> str:
    """The source URL with `${VAR}`s expanded where set, and without credentials."""
    try:
        return without_credentials(expand_env(source.url, what=f"datasets.{dataset}.source.url"))
    except CatalogError:
        return without_credentials(source.url)


def resolved_url(source: SourceSpec, dataset: str) -> URL:
    try:
        return make_url(expand_env(source.url, what=f"datasets.{dataset}.source.url"))
    except sa.exc.ArgumentError:
        raise SourceError(f"dataset {dataset!r}: source.url is not a SQLAlchemy URL") from None


def read_source(source: SourceSpec, *, dataset: str) -> pd.DataFrame:
    """All rows of the source table or query. Loads the bundled dataset on first use if declared."""
    url = resolved_url(source, dataset)
    engine = _engine(url)
    where = public_source_url(source, dataset)
    try:
        with engine.connect() as connection:
            if source.bootstrap and not sa.inspect(connection).has_table(source.table):
                _bootstrap(connection, source)
            statement = _select_all(source.table) if source.table else sa.text(source.query)
            return pd.read_sql_query(statement, connection)
    except sa.exc.SQLAlchemyError as error:
        # Driver messages can echo statements; keep the first line, which names the failure.
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        raise SourceError(f"dataset {dataset!r}: cannot read source {where}: {reason}") from None
    finally:
        engine.dispose()


def _select_all(table: str) -> sa.Select:
    schema, _, name = table.rpartition(".")
    return sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None))


def _engine(url: URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


def _bootstrap(connection: sa.Connection, source: SourceSpec) -> None:
    load_bundled(source.bootstrap).to_sql(source.table, connection, index=False, chunksize=10_000)
    connection.commit()
