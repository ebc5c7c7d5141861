"""Moving whole frames of rows in and out of the database, on SQLite and PostgreSQL alike.

The ORM saves one object at a time; a ledger import saves a million rows. These helpers take a Polars
frame and use each engine's bulk path: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. They run on
Django's connection, so they take part in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import polars as pl
from django.db import connection

CHUNK_ROWS = 100_000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and flags as 0/1, as Django stores them in SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).cast(pl.String))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
        elif dtype == pl.Datetime:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
    return frame.with_columns(casts) if casts else frame


def chunks(frame: pl.DataFrame, size: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def insert_frame(table: str, frame: pl.DataFrame, progress=None) -> int:
    """Insert every row of ``frame`` (its column names are the table's) and return the row count."""
    if frame.height == 0:
        return 0
    columns = frame.columns
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            raw = cursor.cursor
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv)") as copy:
                for part in chunks(frame):
                    copy.write(part.write_csv(include_header=False, quote_style="non_numeric"))
                    if progress:
                        progress(part.height)
        else:
            placeholders = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
            raw = cursor.cursor  # the sqlite3 cursor: skips Django's per-call %s -> ? rewriting
            for part in chunks(_sqlite_ready(frame)):
                raw.executemany(sql, part.iter_rows())
                if progress:
                    progress(part.height)
    return frame.height


def update_frame(table: str, frame: pl.DataFrame, key: str = "id") -> int:
    """Set the other columns of ``frame`` on the rows whose ``key`` matches."""
    if frame.height == 0:
        return 0
    columns = [c for c in frame.columns if c != key]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if is_postgres():
            staging = f"_recoup_update_{table}"
            selected = ", ".join(q(c) for c in frame.columns)
            cursor.execute(f"CREATE TEMP TABLE {staging} AS SELECT {selected} FROM {q(table)} WITH NO DATA")
            insert_frame(staging, frame)
            assignments = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
            cursor.execute(f"UPDATE {q(table)} t SET {assignments} FROM {staging} s WHERE t.{q(key)} = s.{q(key)}")
            cursor.execute(f"DROP TABLE {staging}")
        else:
            assignments = ", ".join(f"{q(c)} = ?" for c in columns)
            sql = f"UPDATE {q(table)} SET {assignments} WHERE {q(key)} = ?"
            ordered = _sqlite_ready(frame.select(columns + [key]))
            cursor.cursor.executemany(sql, ordered.iter_rows())
    return frame.height


def fetch_frame(sql: str, params: Sequence, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a query and return its rows as a frame with ``schema`` (one entry per selected column)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    wire = dict(schema)
    for index, (name, dtype) in enumerate(schema.items()):
        # Django's SQLite connection returns a declared date column as a date, but an expression over one
        # (MIN, COALESCE) as ISO text: read whichever arrives, then parse text.
        if dtype == pl.Date:
            sample = next((row[index] for row in rows if row[index] is not None), None)
            if isinstance(sample, str):
                wire[name] = pl.String
    frame = pl.DataFrame(rows, schema=wire, orient="row")
    casts = [pl.col(n).str.to_date() for n, t in wire.items() if t == pl.String and schema[n] == pl.Date]
    return frame.with_columns(casts) if casts else frame


class IdTable:
    """A temporary table of ids, for statements that touch a large set of rows:
    ``with IdTable(ids) as ids: cursor.execute(f"... WHERE id IN (SELECT id FROM {ids})")``."""

    name = "_recoup_ids"

    def __init__(self, ids: Sequence[int] | pl.Series) -> None:
        self.ids = pl.DataFrame({"id": pl.Series(ids, dtype=pl.Int64)}).unique()

    def __enter__(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMP TABLE {self.name} (id BIGINT PRIMARY KEY)")
        insert_frame(self.name, self.ids)
        return self.name

    def __exit__(self, *exc_info) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def checkpoint() -> None:
    """After a bulk write on SQLite, fold the write-ahead log back into the database file, so later reads
    do not wade through hundreds of megabytes of log. Does nothing on PostgreSQL or inside a transaction."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
