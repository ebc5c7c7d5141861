"""Import benchmark: `recoup import invoices` end to end against the raw bulk path of each engine.

The baseline writes the very rows the import writes (customers, contact points, invoices), already
parsed and typed in memory, with the engine's fastest bulk statement in one transaction:
``sqlite3.executemany`` on SQLite, ``COPY`` on PostgreSQL. The import reads the file, validates every
value, normalises contacts, checks the ledger and writes. Each side runs in a fresh process on a fresh
database, so peak memory is the import's own.
"""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import polars as pl

from bench.common import peak_rss_mb, setup


def ours(database_url: str, csv_path: str) -> dict:
    organisation = setup(database_url)
    from recoup.imports.services import import_invoices

    started = time.perf_counter()
    report = import_invoices(organisation=organisation, path=Path(csv_path))
    seconds = time.perf_counter() - started
    assert report.applied, report.errors[:5]
    return {
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
        "created": report.created,
        "customers": report.customers_created,
        "contacts": report.contacts_created,
    }


def _typed_rows(csv_path: str, organisation_id: int):
    """The rows the import writes, typed, without validation or normalisation (untimed preparation)."""
    now = "2026-12-01 00:00:00.000000"
    raw = pl.read_csv(csv_path, infer_schema=False)
    customers = raw.group_by("customer_id", maintain_order=True).agg(pl.all().last()).with_row_index("id", offset=1)
    customer_rows = customers.select(
        pl.col("id").cast(pl.Int64),
        pl.lit(organisation_id).alias("organisation_id"),
        "customer_id",
        "customer_name",
        pl.lit("business").alias("kind"),
        pl.lit("").alias("segment"),
        pl.lit(None, dtype=pl.Int64).alias("terms_days"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    contact_rows = pl.concat(
        [
            customers.select(
                pl.col("id").cast(pl.Int64).alias("customer_id"),
                pl.lit(kind).alias("kind"),
                pl.col(kind).alias("value"),
                pl.col(kind).alias("raw"),
                pl.lit(1).alias("is_primary"),
                pl.lit("active").alias("status"),
                pl.lit("import").alias("source"),
                pl.lit("").alias("line1"),
                pl.lit("").alias("line2"),
                pl.lit("").alias("city"),
                pl.lit("").alias("region"),
                pl.lit("").alias("postal_code"),
                pl.lit("").alias("country"),
                pl.lit(now).alias("created_at"),
            )
            for kind in ("email", "phone", "address")
        ]
    )
    ids = customers.select("customer_id", pl.col("id").cast(pl.Int64).alias("customer_pk"))
    invoice_rows = raw.join(ids, on="customer_id", how="left", maintain_order="left").select(
        pl.lit(organisation_id).alias("organisation_id"),
        "customer_pk",
        "invoice_number",
        "issue_date",
        "due_date",
        pl.lit(None, dtype=pl.Int64).alias("terms_days"),
        pl.col("amount").str.replace_all(",", "").str.replace(".", "", literal=True).cast(pl.Int64),
        "currency",
        pl.lit(0).alias("disputed"),
        pl.lit(None, dtype=pl.String).alias("settled_on"),
    )
    return customer_rows, contact_rows, invoice_rows


CUSTOMER_SQL = (
    "INSERT INTO ledger_customer (id, organisation_id, external_id, name, kind, segment, terms_days, "
    "created_at, updated_at) VALUES ({})"
)
CONTACT_SQL = (
    "INSERT INTO ledger_contactpoint (customer_id, kind, value, raw, is_primary, status, source, line1, "
    "line2, city, region, postal_code, country, created_at) VALUES ({})"
)
INVOICE_SQL = (
    "INSERT INTO ledger_invoice (organisation_id, customer_id, number, issue_date, due_date, terms_days, "
    "amount_cents, currency, disputed, settled_on) VALUES ({})"
)


def baseline_sqlite(database_url: str, csv_path: str) -> dict:
    organisation = setup(database_url)
    customers, contacts, invoices = _typed_rows(csv_path, organisation.id)
    tables = [
        (CUSTOMER_SQL, customers.rows()),
        (CONTACT_SQL, contacts.rows()),
        (INVOICE_SQL, invoices.rows()),
    ]
    path = database_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    started = time.perf_counter()
    conn.execute("BEGIN")
    for sql, rows in tables:
        conn.executemany(sql.format(", ".join("?" * len(rows[0]))), rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "rows": sum(len(rows) for _, rows in tables)}


def baseline_postgres(database_url: str, csv_path: str) -> dict:
    import psycopg

    organisation = setup(database_url)
    customers, contacts, invoices = _typed_rows(csv_path, organisation.id)
    contacts = contacts.with_columns(pl.col("is_primary").cast(pl.Boolean))
    invoices = invoices.with_columns(pl.col("disputed").cast(pl.Boolean))
    payloads = []
    for frame, sql in ((customers, CUSTOMER_SQL), (contacts, CONTACT_SQL), (invoices, INVOICE_SQL)):
        table, columns = sql.split("INSERT INTO ")[1].split(" VALUES")[0].split(" ", 1)
        buffer = io.StringIO()
        frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
        payloads.append((f"COPY {table} {columns} FROM STDIN WITH (FORMAT csv)", buffer.getvalue()))
    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for statement, data in payloads:
                with cursor.copy(statement) as copy:
                    copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": customers.height + contacts.height + invoices.height}
