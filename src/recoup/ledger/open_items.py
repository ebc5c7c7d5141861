"""The invoices open on a date, with their balance and aging bucket, as one SQL common table expression.

``recoup.core.aging`` defines aging; this is the same definition in SQL, shared by the aging report and
by the customer balances, so both always agree. The balance as of D is ``amount - applied`` unless
money was applied after D. The two engines get the same answer two ways, each the fastest for it
(measured in bench/aging_bench.py):

* SQLite sums an invoice's allocations up to D through the (invoice, date) index, only for invoices
  paid after D. For a whole ledger it is told to scan the table (``NOT INDEXED``) rather than walk the
  issue-date index row by row, since most rows pass that filter and its planner cannot know it; and
  the CTE is materialised so the balance is computed once per invoice, not once per bucket column.
* PostgreSQL adds back the allocations dated after D to the invoices open on D, with hash joins.

Buckets are found by comparing dates with precomputed edges (``BucketScheme.earliest_dates``), so the
SQL has no date arithmetic and runs unchanged on both engines.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from recoup.core.aging import AgingBasis, BucketScheme
from recoup.ledger.models import Allocation, Invoice


def sql_date(day: date):
    return connection.ops.adapt_datefield_value(day)


def open_items_cte(
    organisation_id: int,
    scheme: BucketScheme,
    basis: AgingBasis,
    as_of: date,
    currency: str | None = None,
    extra_columns: str = "",
    scope: str = "",
) -> tuple[str, dict]:
    """``WITH open_items AS (...)`` with columns organisation_id, currency, customer_id, due_date,
    disputed, bucket, balance (and ``extra_columns``). ``scope`` narrows it with more SQL conditions on
    the invoice ``i`` (then the table is read through its indexes)."""
    invoice, allocation = Invoice._meta.db_table, Allocation._meta.db_table
    reference = "i.due_date" if basis is AgingBasis.DUE else "i.issue_date"
    starts = scheme.earliest_dates(as_of, basis)
    params: dict = {f"start{k}": sql_date(day) for k, day in enumerate(starts)}
    params |= {"as_of": sql_date(as_of), "organisation": organisation_id, "currency": currency}
    cases = " ".join(f"WHEN {reference} >= %(start{k})s THEN {k}" for k in range(len(starts)))
    only_currency = "AND i.currency = %(currency)s" if currency else ""
    open_on_date = f"""i.organisation_id = %(organisation)s AND i.issue_date <= %(as_of)s
              AND (i.settled_on IS NULL OR i.settled_on > %(as_of)s) {only_currency} {scope}"""
    if connection.vendor == "postgresql":
        late_join = f"""LEFT JOIN (
                SELECT a.invoice_id, CAST(SUM(a.amount_cents) AS BIGINT) AS amount
                FROM {allocation} a JOIN {invoice} i ON i.id = a.invoice_id
                WHERE a.organisation_id = %(organisation)s AND a.applied_on > %(as_of)s AND {open_on_date}
                GROUP BY a.invoice_id) late ON late.invoice_id = i.id"""
        balance = "i.amount_cents - i.applied_cents + COALESCE(late.amount, 0)"
        scan = materialized = ""
    else:
        late_join = ""
        balance = f"""i.amount_cents - CASE
                   WHEN i.last_applied_on IS NULL OR i.last_applied_on <= %(as_of)s THEN i.applied_cents
                   ELSE COALESCE((SELECT SUM(a.amount_cents) FROM {allocation} a
                                  WHERE a.invoice_id = i.id AND a.applied_on <= %(as_of)s), 0)
               END"""
        scan, materialized = ("" if scope else "NOT INDEXED"), "MATERIALIZED"
    sql = f"""
        WITH open_items AS {materialized} (
            SELECT i.organisation_id, i.currency, i.customer_id, i.due_date, i.disputed {extra_columns},
                   CASE {cases} ELSE {len(starts)} END AS bucket,
                   {balance} AS balance
            FROM {invoice} i {scan} {late_join}
            WHERE {open_on_date}
        )"""
    return sql, params
