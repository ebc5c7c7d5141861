"""Aging benchmark: Recoup's aging (totals, and per customer with contact details) against a hand-written
SQL aggregate over the same tables on the same database, and DuckDB over CSV exports of those tables.

The hand-written SQL is what one would write without knowing Recoup's internals: join each invoice to
the sum of its allocations up to the as-of date, keep what is still open, bucket by days past due, and
for the per-customer version join the customer and its primary contacts.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import WORK, setup


def load_demo(database_url: str, customers: int, invoices: int, as_of: str) -> dict:
    organisation = setup(database_url)
    from recoup.demo.generator import DemoSpec, demo_load

    started = time.perf_counter()
    result = demo_load(organisation, DemoSpec(customers, invoices, 2026, date.fromisoformat(as_of)))
    seconds = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return {"seconds": seconds, "invoices": result.invoices, "payments": result.payments}


def _best(function, repeat: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def _hand_sql(vendor: str, as_of: date) -> tuple[str, str, list]:
    """Totals and per-customer aging, the straightforward way."""
    if vendor == "sqlite":
        age = "julianday(:d) - julianday(i.due_date)"
        param = {"d": as_of.isoformat()}
    else:
        age = "(%(d)s::date - i.due_date)"
        param = {"d": as_of}
    bucket = (
        f"CASE WHEN {age} <= 0 THEN 0 WHEN {age} <= 30 THEN 1 WHEN {age} <= 60 THEN 2 "
        f"WHEN {age} <= 90 THEN 3 WHEN {age} <= 120 THEN 4 ELSE 5 END"
    )
    d = ":d" if vendor == "sqlite" else "%(d)s"
    open_items = f"""
        SELECT i.customer_id, i.due_date, {bucket} AS bucket, i.amount_cents - COALESCE(p.paid, 0) AS balance
        FROM ledger_invoice i
        LEFT JOIN (SELECT invoice_id, SUM(amount_cents) AS paid FROM ledger_allocation
                   WHERE applied_on <= {d} GROUP BY invoice_id) p ON p.invoice_id = i.id
        WHERE i.issue_date <= {d}"""
    sums = ", ".join(f"SUM(CASE WHEN bucket = {b} THEN balance ELSE 0 END)" for b in range(6))
    totals = f"SELECT COUNT(*), {sums} FROM ({open_items}) o WHERE balance > 0"
    true = "1" if vendor == "sqlite" else "TRUE"
    per_customer = f"""
        SELECT c.external_id, c.name, e.value, ph.value, ad.value, g.*
        FROM (SELECT customer_id, COUNT(*) AS n, MIN(due_date) AS oldest, {sums}
              FROM ({open_items}) o WHERE balance > 0 GROUP BY customer_id) g
        JOIN ledger_customer c ON c.id = g.customer_id
        LEFT JOIN ledger_contactpoint e ON e.customer_id = c.id AND e.kind = 'email' AND e.is_primary = {true}
        LEFT JOIN ledger_contactpoint ph ON ph.customer_id = c.id AND ph.kind = 'phone' AND ph.is_primary = {true}
        LEFT JOIN ledger_contactpoint ad ON ad.customer_id = c.id AND ad.kind = 'address' AND ad.is_primary = {true}
        ORDER BY c.name, c.external_id"""
    return totals, per_customer, param


def measure(database_url: str, as_of: str) -> dict:
    organisation = setup(database_url, migrate=False)
    from django.db import connection

    from recoup.reporting.aging import AgingBy, aging_report, aging_totals

    day = date.fromisoformat(as_of)
    results: dict = {}
    results["ours_totals"], reports = _best(lambda: aging_totals(organisation, day))
    results["ours_customers"], full = _best(lambda: aging_report(organisation, day, by=AgingBy.CUSTOMER))
    results["open_total"] = reports[0].total_open
    results["customer_rows"] = len(full[0].rows)
    results["open_items"] = reports[0].open_items
    totals_sql, customers_sql, params = _hand_sql(connection.vendor, day)
    raw = connection.connection  # the driver's own connection: no Django in the baseline's way

    def run(sql):
        cursor = raw.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    results["sql_totals"], rows = _best(lambda: run(totals_sql))
    assert sum(rows[0][1:]) == results["open_total"], (rows, results["open_total"])
    results["sql_customers"], rows = _best(lambda: run(customers_sql))
    assert len(rows) == results["customer_rows"]
    # The past (a year ago) is where settled invoices must be un-settled by date: measure it too.
    year_ago = day - timedelta(days=365)
    results["ours_totals_year_ago"], _ = _best(lambda: aging_totals(organisation, year_ago))
    totals_sql_past, _, params_past = _hand_sql(connection.vendor, year_ago)
    params_backup = dict(params)
    params.clear()
    params.update(params_past)
    results["sql_totals_year_ago"], _ = _best(lambda: run(totals_sql_past))
    params.clear()
    params.update(params_backup)
    return results


def export_csv(database_url: str) -> dict:
    """Write the ledger tables as CSV for DuckDB (untimed preparation)."""
    setup(database_url, migrate=False)
    import polars as pl

    from recoup.ledger.bulk import fetch_frame

    WORK.mkdir(exist_ok=True)
    files = {}
    for name, sql, schema in (
        (
            "invoices",
            "SELECT id, customer_id, issue_date, due_date, amount_cents FROM ledger_invoice",
            {
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "issue_date": pl.Date,
                "due_date": pl.Date,
                "amount_cents": pl.Int64,
            },
        ),
        (
            "allocations",
            "SELECT invoice_id, applied_on, amount_cents FROM ledger_allocation",
            {"invoice_id": pl.Int64, "applied_on": pl.Date, "amount_cents": pl.Int64},
        ),
        (
            "customers",
            "SELECT id, external_id, name FROM ledger_customer",
            {"id": pl.Int64, "external_id": pl.String, "name": pl.String},
        ),
    ):
        path = WORK / f"export_{name}.csv"
        fetch_frame(sql, [], schema).write_csv(path)
        files[name] = str(path)
    return files


def duckdb_aging(files: dict, as_of: str) -> dict:
    import duckdb

    con = duckdb.connect()
    sql_open = f"""
        SELECT i.customer_id, i.due_date,
               CASE WHEN DATE '{as_of}' - i.due_date <= 0 THEN 0 WHEN DATE '{as_of}' - i.due_date <= 30 THEN 1
                    WHEN DATE '{as_of}' - i.due_date <= 60 THEN 2 WHEN DATE '{as_of}' - i.due_date <= 90 THEN 3
                    WHEN DATE '{as_of}' - i.due_date <= 120 THEN 4 ELSE 5 END AS bucket,
               i.amount_cents - COALESCE(p.paid, 0) AS balance
        FROM read_csv('{files["invoices"]}') i
        LEFT JOIN (SELECT invoice_id, SUM(amount_cents) AS paid FROM read_csv('{files["allocations"]}')
                   WHERE applied_on <= DATE '{as_of}' GROUP BY invoice_id) p ON p.invoice_id = i.id
        WHERE i.issue_date <= DATE '{as_of}'"""
    sums = ", ".join(f"SUM(CASE WHEN bucket = {b} THEN balance ELSE 0 END)" for b in range(6))
    results = {}
    results["duckdb_totals"], _ = _best(
        lambda: con.execute(f"SELECT COUNT(*), {sums} FROM ({sql_open}) WHERE balance > 0").fetchall()
    )
    results["duckdb_customers"], _ = _best(
        lambda: con.execute(
            f"""SELECT c.external_id, c.name, g.* FROM (SELECT customer_id, COUNT(*), MIN(due_date), {sums}
            FROM ({sql_open}) WHERE balance > 0 GROUP BY customer_id) g
            JOIN read_csv('{files["customers"]}') c ON c.id = g.customer_id ORDER BY c.name"""
        ).fetchall()
    )
    return results


__all__ = ["Path", "duckdb_aging", "export_csv", "load_demo", "measure"]
