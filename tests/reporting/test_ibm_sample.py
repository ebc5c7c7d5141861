"""The IBM Accounts Receivable sample, imported and aged at several dates, checked against an independent
computation written here in plain SQL over the raw CSV (stdlib csv and sqlite3, none of Recoup's code)."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from recoup.imports.services import import_invoices
from recoup.reporting.aging import aging_report
from recoup.reporting.kpis import kpis_get

pytestmark = pytest.mark.django_db

IBM = "ibm-ar/WA_Fn-UseC_-Accounts-Receivable.csv"
AS_OF_DATES = [
    dt.date(2012, 3, 31),
    dt.date(2012, 12, 31),
    dt.date(2013, 6, 30),
    dt.date(2013, 11, 15),
    dt.date(2014, 1, 31),
]


def _independent(path, as_of: dt.date) -> dict:
    """Open invoices as of a date: issued on or before it and settled after it; buckets by days past due."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE ar (customer TEXT, number TEXT, issued TEXT, due TEXT, cents INTEGER, settled TEXT)")

    def iso(us: str) -> str:
        month, day, year = (int(p) for p in us.split("/"))
        return dt.date(year, month, day).isoformat()

    with open(path, newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            cents = int(Decimal(r["InvoiceAmount"]) * 100)
            db.execute(
                "INSERT INTO ar VALUES (?, ?, ?, ?, ?, ?)",
                (
                    r["customerID"],
                    r["invoiceNumber"],
                    iso(r["InvoiceDate"]),
                    iso(r["DueDate"]),
                    cents,
                    iso(r["SettledDate"]),
                ),
            )
    d = as_of.isoformat()
    rows = db.execute(
        """
        SELECT CASE WHEN julianday(?) - julianday(due) <= 0 THEN 'Current'
                    WHEN julianday(?) - julianday(due) <= 30 THEN '1-30'
                    WHEN julianday(?) - julianday(due) <= 60 THEN '31-60'
                    WHEN julianday(?) - julianday(due) <= 90 THEN '61-90'
                    WHEN julianday(?) - julianday(due) <= 120 THEN '91-120' ELSE '120+' END AS bucket,
               SUM(cents), COUNT(*)
        FROM ar WHERE issued <= ? AND settled > ? GROUP BY bucket""",
        (d, d, d, d, d, d, d),
    ).fetchall()
    per_customer = dict(
        db.execute(
            "SELECT customer, SUM(cents) FROM ar WHERE issued <= ? AND settled > ? GROUP BY customer", (d, d)
        ).fetchall()
    )
    sales_90 = db.execute(
        "SELECT COALESCE(SUM(cents), 0) FROM ar WHERE issued > date(?, '-90 days') AND issued <= ?", (d, d)
    ).fetchone()[0]
    return {
        "buckets": {b: s for b, s, _ in rows},
        "count": sum(c for _, _, c in rows),
        "customers": per_customer,
        "sales_90": sales_90,
    }


def test_ibm_sample_aged_at_several_dates(org, shared_data):
    path = shared_data / IBM
    report = import_invoices(organisation=org, path=path, profile="ibm-ar")
    assert report.applied and report.created == 2466 and report.payments_created == 2466
    assert report.customers_created == 100
    for as_of in AS_OF_DATES:
        expected = _independent(path, as_of)
        [aging] = aging_report(org, as_of)
        got = {label: total for label, total in zip(aging.labels, aging.totals, strict=True) if total}
        assert got == expected["buckets"], as_of
        assert aging.open_items == expected["count"]
        assert {r.customer_id: r.total for r in aging.rows} == expected["customers"]
        [kpis] = kpis_get(org, as_of, 90)
        assert kpis.credit_sales == expected["sales_90"]
    # Every invoice in the sample is settled by 2014-01-31.
    assert expected["count"] == 0


def test_reimporting_the_ibm_sample_changes_nothing(org, shared_data):
    path = shared_data / IBM
    import_invoices(organisation=org, path=path, profile="ibm-ar")
    again = import_invoices(organisation=org, path=path, profile="ibm-ar")
    assert (again.created, again.updated, again.unchanged, again.payments_created) == (0, 0, 2466, 0)
