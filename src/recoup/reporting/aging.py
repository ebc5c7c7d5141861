"""The aging report, computed in the database.

``recoup.core.aging`` defines aging; this module computes the same numbers with one SQL aggregate, so a
million invoices age in about a second. Settled invoices are skipped through ``Invoice.settled_on``, and
an open invoice's balance is ``amount_cents - applied_cents`` unless it received money after the as-of
date; only then are its allocations up to that date summed. Buckets are found by comparing dates with
precomputed edges (``BucketScheme.earliest_dates``), so the SQL has no date arithmetic and runs unchanged on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from django.db import connection, transaction

from recoup.core.aging import OVER_90_DAYS, AgingBasis, BucketScheme
from recoup.ledger.models import Allocation, ContactPoint, Customer, Invoice
from recoup.organisations.models import Organisation


class AgingBy(StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"


@dataclass(slots=True)
class AgingRow:
    """One line of the report: a customer (``by=customer``) or an invoice (``by=invoice``)."""

    customer_id: str
    name: str
    email: str
    phone: str
    address: str
    buckets: list[int]
    past_due: int
    open_invoices: int = 1
    oldest_due_date: date | None = None
    invoice_number: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    days_past_due: int | None = None
    amount: int = 0
    applied: int = 0
    disputed: bool = False

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(slots=True)
class AgingReport:
    """The aging of one currency's ledger as of a date. Amounts are minor units."""

    organisation: str
    as_of: date
    currency: str
    basis: AgingBasis
    by: AgingBy
    labels: list[str]
    totals: list[int]
    past_due: int
    over_90: int
    open_items: int
    rows: list[AgingRow] = field(default_factory=list)

    @property
    def total_open(self) -> int:
        return sum(self.totals)

    @property
    def current(self) -> int:
        return self.total_open - self.past_due


def _d(day: date):
    return connection.ops.adapt_datefield_value(day)


def _open_items(
    organisation: Organisation,
    scheme: BucketScheme,
    basis: AgingBasis,
    as_of: date,
    currency: str | None,
    extra_columns: str = "",
) -> tuple[str, dict]:
    """A ``WITH open_items AS (...)`` clause: invoices open on ``as_of``, with ``balance`` and ``bucket``.

    The balance as of D is ``amount - applied`` unless money was applied after D. The two engines get
    the same answer two ways, each the fastest for it (measured in bench/aging_bench.py):

    * SQLite sums an invoice's allocations up to D through the (invoice, date) index, only for invoices
      paid after D. It is told to scan the table (``NOT INDEXED``) rather than walk the issue-date index
      row by row, since most rows pass that filter and its planner cannot know it; and the CTE is
      materialised so the balance is computed once per invoice, not once per bucket column.
    * PostgreSQL adds back the allocations dated after D to the invoices open on D, with hash joins.
    """
    invoice, allocation = Invoice._meta.db_table, Allocation._meta.db_table
    reference = "i.due_date" if basis is AgingBasis.DUE else "i.issue_date"
    starts = scheme.earliest_dates(as_of, basis)
    params: dict = {f"start{k}": _d(day) for k, day in enumerate(starts)}
    params |= {"as_of": _d(as_of), "organisation": organisation.id, "currency": currency}
    cases = " ".join(f"WHEN {reference} >= %(start{k})s THEN {k}" for k in range(len(starts)))
    only_currency = "AND i.currency = %(currency)s" if currency else ""
    open_on_date = f"""i.organisation_id = %(organisation)s AND i.issue_date <= %(as_of)s
              AND (i.settled_on IS NULL OR i.settled_on > %(as_of)s) {only_currency}"""
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
        scan, materialized = "NOT INDEXED", "MATERIALIZED"
    sql = f"""
        WITH open_items AS {materialized} (
            SELECT i.currency, i.customer_id, i.due_date, i.disputed {extra_columns},
                   CASE {cases} ELSE {len(starts)} END AS bucket,
                   {balance} AS balance
            FROM {invoice} i {scan} {late_join}
            WHERE {open_on_date}
        )"""
    return sql, params


REPORT_WORK_MEM = "64MB"


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run a report query. On PostgreSQL the sorts and hash joins of one report get more memory than
    the server's default 4 MB, so a hundred thousand customers group in memory rather than on disk."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _bucket_sums(count: int) -> str:
    # SUM of a bigint is numeric on PostgreSQL; cast back so amounts arrive as ints, not Decimals.
    return ", ".join(
        f"CAST(SUM(CASE WHEN bucket = {k} THEN balance ELSE 0 END) AS BIGINT) AS b{k}" for k in range(count)
    )


PAST_DUE = "CAST(SUM(CASE WHEN due_date < %(as_of)s THEN balance ELSE 0 END) AS BIGINT)"


def aging_totals(
    organisation: Organisation,
    as_of: date,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE,
    currency: str | None = None,
) -> list[AgingReport]:
    """Bucket totals per currency, without rows: what the dashboard, KPIs and snapshots need."""
    scheme = scheme or BucketScheme(tuple(organisation.aging_edges))
    labels = scheme.labels(basis)
    cte, params = _open_items(organisation, scheme, basis, as_of, currency)
    params["over_90"] = _d(as_of - timedelta(days=OVER_90_DAYS))
    sql = f"""{cte}
        SELECT currency, COUNT(*), {_bucket_sums(len(labels))}, {PAST_DUE},
               CAST(SUM(CASE WHEN due_date < %(over_90)s THEN balance ELSE 0 END) AS BIGINT)
        FROM open_items WHERE balance > 0
        GROUP BY currency ORDER BY currency"""
    results = _fetch(sql, params)
    reports = []
    for currency_code, count, *numbers in results:
        buckets, past_due, over_90 = numbers[: len(labels)], numbers[-2], numbers[-1]
        reports.append(
            AgingReport(
                organisation.slug,
                as_of,
                currency_code,
                basis,
                AgingBy.CUSTOMER,
                labels,
                buckets,
                past_due,
                over_90,
                count,
            )
        )
    return _org_currency_first(reports, organisation)


def _primary_contacts_join() -> tuple[str, str]:
    """Columns and joins for each customer's primary email, phone and address (at most one of each,
    by the ``one_primary_contact_per_kind`` constraint)."""
    contact = ContactPoint._meta.db_table
    joins = " ".join(
        f"LEFT JOIN {contact} {alias} ON {alias}.customer_id = c.id AND {alias}.kind = '{kind}' "
        f"AND {alias}.is_primary = %(primary)s"
        for alias, kind in (("ce", "email"), ("cph", "phone"), ("cad", "address"))
    )
    return "ce.value, cph.value, cad.value", joins


def aging_report(
    organisation: Organisation,
    as_of: date,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE,
    by: AgingBy = AgingBy.CUSTOMER,
    currency: str | None = None,
) -> list[AgingReport]:
    """The full report, one per currency (the organisation's own currency first), rows by customer
    (with contact details) or by invoice, sorted by customer name."""
    scheme = scheme or BucketScheme(tuple(organisation.aging_edges))
    labels = scheme.labels(basis)
    customer = Customer._meta.db_table
    contact_columns, contact_joins = _primary_contacts_join()
    over_90 = "CAST(SUM(CASE WHEN due_date < %(over_90)s THEN balance ELSE 0 END) AS BIGINT)"
    if by is AgingBy.CUSTOMER:
        cte, params = _open_items(organisation, scheme, basis, as_of, currency)
        sql = f"""{cte}
            SELECT g.currency, c.external_id, c.name, {contact_columns}, g.n, g.oldest, g.past_due, g.over_90,
                   g.disputed, {", ".join(f"g.b{k}" for k in range(len(labels)))}
            FROM (
                SELECT currency, customer_id, COUNT(*) AS n, MIN(due_date) AS oldest, {PAST_DUE} AS past_due,
                       {over_90} AS over_90, MAX(CASE WHEN disputed THEN 1 ELSE 0 END) AS disputed,
                       {_bucket_sums(len(labels))}
                FROM open_items WHERE balance > 0
                GROUP BY currency, customer_id
            ) g JOIN {customer} c ON c.id = g.customer_id {contact_joins}"""
    else:
        cte, params = _open_items(
            organisation, scheme, basis, as_of, currency, extra_columns=", i.number, i.issue_date, i.amount_cents"
        )
        sql = f"""{cte}
            SELECT o.currency, c.external_id, c.name, {contact_columns}, o.number, o.issue_date, o.due_date,
                   o.amount_cents, CAST(o.balance AS BIGINT), o.bucket, o.disputed
            FROM open_items o JOIN {customer} c ON c.id = o.customer_id {contact_joins}
            WHERE o.balance > 0"""
    params["primary"] = True
    params["over_90"] = _d(as_of - timedelta(days=OVER_90_DAYS))
    records = _fetch(sql, params)
    # Sorting here is cheaper than an ORDER BY over the joined rows, and the same on both engines.
    records.sort(
        key=lambda r: (
            ((r[2] or "").lower(), r[1]) if by is AgingBy.CUSTOMER else ((r[2] or "").lower(), r[1], r[8], r[6])
        )
    )
    reports: dict[str, AgingReport] = {}
    to_date = _date_reader()
    for record in records:
        code = record[0]
        report = reports.get(code)
        if report is None:
            report = reports[code] = AgingReport(
                organisation.slug, as_of, code, basis, by, labels, [0] * len(labels), 0, 0, 0
            )
        external_id, name, email, phone, address = (v or "" for v in record[1:6])
        if by is AgingBy.CUSTOMER:
            count, oldest, past_due, customer_over_90, disputed, *buckets = record[6:]
            row = AgingRow(
                external_id,
                name,
                email,
                phone,
                address,
                buckets,
                past_due,
                count,
                to_date(oldest),
                disputed=bool(disputed),
            )
            report.over_90 += customer_over_90
        else:
            number, issued, due, amount, balance, bucket, disputed = record[6:]
            due = to_date(due)
            buckets = [0] * len(labels)
            buckets[bucket] = balance
            overdue = (as_of - due).days
            row = AgingRow(
                external_id,
                name,
                email,
                phone,
                address,
                buckets,
                balance if overdue > 0 else 0,
                1,
                due,
                number,
                to_date(issued),
                due,
                overdue,
                amount,
                amount - balance,
                bool(disputed),
            )
            report.over_90 += balance if overdue > OVER_90_DAYS else 0
        report.rows.append(row)
        report.past_due += row.past_due
        report.open_items += row.open_invoices
        for k, amount_in_bucket in enumerate(row.buckets):
            report.totals[k] += amount_in_bucket
    if not reports:
        empty = currency or organisation.currency
        return [AgingReport(organisation.slug, as_of, empty, basis, by, labels, [0] * len(labels), 0, 0, 0)]
    return _org_currency_first(list(reports.values()), organisation)


def _date_reader():
    if connection.vendor == "sqlite":
        return lambda value: date.fromisoformat(value) if isinstance(value, str) else value
    return lambda value: value


def _org_currency_first(reports: list[AgingReport], organisation: Organisation) -> list[AgingReport]:
    return sorted(reports, key=lambda r: (r.currency != organisation.currency, r.currency))
