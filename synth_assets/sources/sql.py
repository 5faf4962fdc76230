"""Read a dataset's real rows through SQLAlchemy: SQLite for the demo, PostgreSQL in production."""

import hashlib
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
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


@contextmanager
def connected(source: SourceSpec, dataset: str, doing: str):
    """A connection to the source (bootstrapping the bundled data on first use, when declared);
    database errors become one `SourceError` line naming the dataset and the public URL."""
    url = resolved_url(source, dataset)
    _require_sqlite_file(url, source, dataset)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            if source.bootstrap and not sa.inspect(connection).has_table(source.table):
                _bootstrap(connection, source)
            yield connection
    except sa.exc.SQLAlchemyError as error:
        # Driver messages can echo statements; keep the first line, which names the failure.
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        raise SourceError(f"dataset {dataset!r}: cannot {doing} source {public_source_url(source, dataset)}: {reason}") from None
    finally:
        engine.dispose()


def read_source(source: SourceSpec, *, dataset: str) -> pd.DataFrame:
    """All rows of the source table or query. Loads the bundled dataset on first use if declared."""
    with connected(source, dataset, "read") as connection:
        statement = _select_all(source.table) if source.table else sa.text(source.query)
        return pd.read_sql_query(statement, connection)


def _select_all(table: str) -> sa.Select:
    schema, _, name = table.rpartition(".")
    return sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None))


def _require_sqlite_file(url: URL, source: SourceSpec, dataset: str) -> None:
    """SQLite creates a missing database file on connect; a source must exist, so say so instead.

    Only a demo source that bootstraps its table from bundled data may start from no file.
    """
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or source.bootstrap:
        return
    if url.query.get("uri") or url.query.get("mode") == "memory" or Path(url.database).exists():
        return
    raise SourceError(
        f"dataset {dataset!r}: the SQLite source file {Path(url.database).resolve()} does not exist "
        f"(source.url {public_source_url(source, dataset)}); fix the path or create the database"
    )


def _engine(url: URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


def _bootstrap(connection: sa.Connection, source: SourceSpec) -> None:
    load_bundled(source.bootstrap).to_sql(source.table, connection, index=False, chunksize=10_000)
    connection.commit()


def sample_source(
    source: SourceSpec, *, dataset: str, n_rows: int, seed: int | None = None, since: tuple[str, Any] | None = None
) -> pd.DataFrame:
    """A uniform random sample of at most `n_rows` rows: every row, the newest included, is
    equally likely to be in it. Drawn by the database where it can, so it stays cheap at millions
    of rows; the method is recorded in `frame.attrs["sampling"]`, the rows it was drawn from in
    `frame.attrs["population"]` (None where not counted). `since=(column, value)` samples only the
    rows whose `column` is above `value` (the rows added since a snapshot).

    - table with at most `FULL_SCAN_FACTOR * n_rows` rows, or a query (SQLite, PostgreSQL):
      ORDER BY random() LIMIT n over all rows (a scan of a small relation).
    - larger SQLite table: random rowids drawn by a recursive CTE and fetched by the primary index;
      every row whose id was drawn is kept, then a random `n_rows` of them (never a plain LIMIT,
      which would keep the lowest rowids and so drop the newest rows).
    - larger PostgreSQL table: TABLESAMPLE BERNOULLI (every row kept independently with the same
      probability, set from an exact count), then a random `n_rows` of those.
    - any other database: the rows are streamed and the `n_rows` with the smallest random keys are
      kept (bottom-k sampling: uniform, memory bounded by `n_rows`, time linear in the rows).
    """
    rng = np.random.default_rng(seed)
    with connected(source, dataset, "sample") as connection:
        backend = connection.dialect.name
        relation = _relation(source, since)
        if backend not in ("sqlite", "postgresql"):
            return _with_method(bottom_k_sample(connection, relation, n_rows, rng), "bottom-k stream", None)
        total = int(connection.execute(sa.select(sa.func.count()).select_from(relation)).scalar() or 0)
        if not source.table or total <= FULL_SCAN_FACTOR * n_rows:
            statement = sa.select(sa.text("*")).select_from(relation).order_by(sa.func.random()).limit(n_rows)
            return _with_method(pd.read_sql_query(statement, connection), "order by random", total)
        condition, parameters = "", {}
        if since is not None:
            condition, parameters = f" AND {connection.dialect.identifier_preparer.quote(since[0])} > :since", {"since": since[1]}
        if backend == "sqlite" and (highest := _highest_rowid(connection, source.table)) is not None:
            frame = _sqlite_rowid_sample(connection, source.table, n_rows, total, highest, condition, parameters)
            method = "sqlite rowids"
        else:
            frame, method = _postgres_bernoulli_sample(connection, source.table, n_rows, total, rng, condition, parameters), "bernoulli"
        return _with_method(_keep_at_most(frame, n_rows, rng), method, total)


def source_watermark(source: SourceSpec, *, dataset: str, column: str) -> Any:
    """The largest value of `column` in the source (a JSON-safe scalar), or None when it is empty.

    A snapshot records it before reading, so rows appended during the read count as new later:
    they are compared again, never missed.
    """
    with connected(source, dataset, "read") as connection:
        value = connection.execute(sa.select(sa.func.max(sa.column(column))).select_from(_relation(source))).scalar()
    # datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]': the text SQLite stores and PostgreSQL parses
    return value if value is None or isinstance(value, int | float | str) else str(value)


# At or below this many times the sample size, sorting the whole relation is cheap (a few 10k rows).
FULL_SCAN_FACTOR = 5
# Extra expected rows drawn beyond n, in standard deviations of the yield, so that a draw falls
# short of n rows about once in 30,000 ticks (a short draw is still uniform, only smaller).
YIELD_MARGIN_SD = 4


def _with_method(frame: pd.DataFrame, method: str, population: int | None) -> pd.DataFrame:
    frame.attrs |= {"sampling": method, "population": population}
    return frame


def _keep_at_most(frame: pd.DataFrame, n_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """A uniform subset of `n_rows` rows (without replacement) of a uniform draw stays uniform."""
    if len(frame) <= n_rows:
        return frame.reset_index(drop=True)
    chosen = np.sort(rng.choice(len(frame), size=n_rows, replace=False))
    return frame.iloc[chosen].reset_index(drop=True)


def _target_yield(n_rows: int, total: int) -> float:
    """Rows to aim for so that at least `n_rows` come back with high probability (capped by the table)."""
    return min(float(total), n_rows + YIELD_MARGIN_SD * math.sqrt(n_rows) + 10)


def source_fingerprint(source: SourceSpec, *, dataset: str, updated_at_column: str | None = None) -> dict:
    """Row count (and the newest update marker, when the catalog names one): the source's state.

    The drift sensor uses it as run key, so the same state of the source never launches two
    regenerations. Without an update marker, in-place updates that keep the row count are caught
    by the drift statistics but share the previous state's key.
    """
    columns = [sa.func.count().label("rows")]
    if updated_at_column:
        columns.append(sa.func.max(sa.column(updated_at_column)).label("marker"))
    with connected(source, dataset, "read") as connection:
        row = connection.execute(sa.select(*columns).select_from(_relation(source))).one()
    marker = str(row.marker) if updated_at_column else ""
    return {
        "rows": int(row.rows),
        "marker": marker,
        "fingerprint": hashlib.sha256(f"{row.rows}|{marker}".encode()).hexdigest(),
    }


def _relation(source: SourceSpec, since: tuple[str, Any] | None = None) -> sa.Subquery:
    """The source's table or query as a subquery to select from (only rows past `since`, if given)."""
    select = _select_all(source.table) if source.table else sa.select(sa.text("*")).select_from(sa.text(source.query).columns().subquery())
    if since is not None:
        select = select.where(sa.column(since[0]) > sa.bindparam("since", since[1]))
    return select.subquery()


def _highest_rowid(connection: sa.Connection, table: str) -> int | None:
    """max(rowid) (read from the end of the table's b-tree), or None for a WITHOUT ROWID table."""
    try:
        return int(connection.execute(sa.text(f"SELECT max(rowid) FROM {_quoted(connection, table)}")).scalar() or 0)
    except sa.exc.SQLAlchemyError:
        return None


def _sqlite_rowid_sample(
    connection: sa.Connection, table: str, n_rows: int, total: int, highest: int, condition: str, parameters: dict
) -> pd.DataFrame:
    """Every row whose rowid is among `draws` uniform draws from 1..max(rowid).

    Each live row is hit with the same probability 1 - (1 - 1/highest)^draws whatever its
    position, so the kept rows are a uniform sample; gaps left by deleted rows only cost draws.
    The number of draws makes the expected yield `_target_yield`: total * (1 - exp(-draws/highest)),
    where `total` counts the rows meeting `condition`.
    """
    share = _target_yield(n_rows, total) / total
    draws = math.ceil(-highest * math.log1p(-min(share, 0.999)))
    # `& 0x7fff...` keeps random() non-negative without abs(), which overflows on the smallest integer.
    statement = sa.text(
        f"WITH RECURSIVE ids(i, id) AS (SELECT 1, (random() & 9223372036854775807) % :highest + 1 "
        f"UNION ALL SELECT i + 1, (random() & 9223372036854775807) % :highest + 1 FROM ids WHERE i < :draws) "
        f"SELECT * FROM {_quoted(connection, table)} WHERE rowid IN (SELECT id FROM ids){condition}"
    )
    return pd.read_sql_query(statement, connection, params={"highest": max(highest, 1), "draws": draws} | parameters)


def _postgres_bernoulli_sample(
    connection: sa.Connection, table: str, n_rows: int, total: int, rng: np.random.Generator, condition: str, parameters: dict
) -> pd.DataFrame:
    """TABLESAMPLE BERNOULLI: each row kept independently with probability `percent`/100.

    The rate comes from an exact count, not the planner's estimate, which lags behind appends
    until the next ANALYZE. REPEATABLE ties the draw to the generator's seed.
    """
    percent = min(100.0, 100.0 * _target_yield(n_rows, total) / max(total, 1))
    statement = sa.text(
        f"SELECT * FROM {_quoted(connection, table)} TABLESAMPLE BERNOULLI (:percent) REPEATABLE (:seed) WHERE true{condition}"
    )
    return pd.read_sql_query(statement, connection, params={"percent": percent, "seed": int(rng.integers(2**31))} | parameters)


def bottom_k_sample(connection: sa.Connection, relation: sa.Subquery, n_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """Stream every row, give each a uniform random key, keep the `n_rows` smallest keys.

    Works on any database SQLAlchemy reads (no random() or TABLESAMPLE needed); memory holds at
    most `n_rows` plus one chunk.
    """
    kept, keys = None, np.empty(0)
    for chunk in pd.read_sql_query(sa.select(sa.text("*")).select_from(relation), connection, chunksize=BOTTOM_K_CHUNK):
        chunk_keys = rng.random(len(chunk))
        kept = chunk if kept is None else pd.concat([kept, chunk], ignore_index=True)
        keys = np.concatenate([keys, chunk_keys])
        if len(kept) > n_rows:
            smallest = np.sort(np.argpartition(keys, n_rows)[:n_rows])
            kept, keys = kept.iloc[smallest].reset_index(drop=True), keys[smallest]
    if kept is None:  # no rows: an empty frame with the relation's columns
        return pd.read_sql_query(sa.select(sa.text("*")).select_from(relation).limit(0), connection)
    return kept.reset_index(drop=True)


BOTTOM_K_CHUNK = 50_000


def _quoted(connection: sa.Connection, table: str) -> str:
    preparer = connection.dialect.identifier_preparer
    return ".".join(preparer.quote(part) for part in table.split("."))
