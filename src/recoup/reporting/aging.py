"""The aging report, computed in the database.

``recoup.core.aging`` defines aging; this module computes the same numbers with one SQL aggregate over
``recoup.ledger.open_items``, so a million invoices age in well under a second. For today, with the
organisation's own buckets, per-customer rows come ready-made from the customer balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from django.db import connection, transaction

from recoup.core.aging import OVER_90_DAYS, AgingBasis, BucketScheme
from recoup.ledger.models import ContactPoint, Customer, CustomerBalance
from recoup.ledger.open_items import open_items_cte, sql_date
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
    customer_pk: int = 0
    """The customer's row id: the tie-break that keeps paged orders stable (not shown to people)."""

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
    rows_total: int = 0
    """How many rows the whole report has (``rows`` may be one page of them)."""

    @property
    def total_open(self) -> int:
        return sum(self.totals)

    @property
    def current(self) -> int:
        return self.total_open - self.past_due


_d = sql_date


def _open_items(
    organisation: Organisation,
    scheme: BucketScheme,
    basis: AgingBasis,
    as_of: date,
    currency: str | None,
    extra_columns: str = "",
) -> tuple[str, dict]:
    return open_items_cte(organisation.id, scheme, basis, as_of, currency, extra_columns)


REPORT_WORK_MEM = "64MB"


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run a report query. On PostgreSQL the sorts and hash joins of one report get more memory than
    the server's default 4 MB, so a hundred thousand customers group in memory rather than on disk."""
    if connection.vendor != "postgresql":
        # No transaction on SQLite: Recoup's SQLite transactions take the write lock at BEGIN, and a
        # report must not queue behind (or block) an import.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
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


# Row orders, with the same tie-breaks as BALANCE_ORDERS below so a report reads the same whichever way
# it was made: amounts largest first, then the newest customer row first; dates oldest first, then the
# oldest row first.
ROW_ORDERS = {
    "name": lambda r: (r.name, r.customer_id, r.due_date or date.min, r.invoice_number),
    "-past_due": lambda r: (-r.past_due, -r.customer_pk),
    "-total": lambda r: (-r.total, -r.customer_pk),
    "oldest": lambda r: (r.oldest_due_date or r.due_date or date.max, r.customer_pk),
}


def aging_report(
    organisation: Organisation,
    as_of: date,
    scheme: BucketScheme | None = None,
    basis: AgingBasis = AgingBasis.DUE,
    by: AgingBy = AgingBy.CUSTOMER,
    currency: str | None = None,
    order: str = "name",
    offset: int = 0,
    limit: int | None = None,
) -> list[AgingReport]:
    """The report, one per currency (the organisation's own currency first), rows by customer (with
    contact details) or by invoice, in ``order`` (name, -past_due, -total, oldest), ``limit`` rows from
    ``offset`` (totals always cover every row).

    Today's report by customer, with the organisation's own buckets by due date, is read from the
    customer balances (kept current on every write and rolled forward daily); any other is computed."""
    scheme = scheme or BucketScheme(tuple(organisation.aging_edges))
    if order not in ROW_ORDERS:
        raise ValueError(f"order must be one of {', '.join(ROW_ORDERS)}")
    if by is AgingBy.CUSTOMER and basis is AgingBasis.DUE and _balances_serve(organisation, as_of, scheme):
        return _report_from_balances(organisation, as_of, scheme, currency, order, offset, limit)
    reports = _report_computed(organisation, as_of, scheme, basis, by, currency)
    for report in reports:
        report.rows.sort(key=ROW_ORDERS[order])
        report.rows_total = len(report.rows)
        report.rows = report.rows[offset : None if limit is None else offset + limit]
    return reports


def _report_computed(
    organisation: Organisation,
    as_of: date,
    scheme: BucketScheme,
    basis: AgingBasis,
    by: AgingBy,
    currency: str | None,
) -> list[AgingReport]:
    labels = scheme.labels(basis)
    customer = Customer._meta.db_table
    contact_columns, contact_joins = _primary_contacts_join()
    over_90 = "CAST(SUM(CASE WHEN due_date < %(over_90)s THEN balance ELSE 0 END) AS BIGINT)"
    if by is AgingBy.CUSTOMER:
        cte, params = _open_items(organisation, scheme, basis, as_of, currency)
        sql = f"""{cte}
            SELECT g.currency, c.id, c.external_id, c.name, {contact_columns}, g.n, g.oldest, g.past_due, g.over_90,
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
            SELECT o.currency, c.id, c.external_id, c.name, {contact_columns}, o.number, o.issue_date, o.due_date,
                   o.amount_cents, CAST(o.balance AS BIGINT), o.bucket, o.disputed
            FROM open_items o JOIN {customer} c ON c.id = o.customer_id {contact_joins}
            WHERE o.balance > 0"""
    params["primary"] = True
    params["over_90"] = _d(as_of - timedelta(days=OVER_90_DAYS))
    records = _fetch(sql, params)
    reports: dict[str, AgingReport] = {}
    to_date = _date_reader()
    for record in records:
        code = record[0]
        report = reports.get(code)
        if report is None:
            report = reports[code] = AgingReport(
                organisation.slug, as_of, code, basis, by, labels, [0] * len(labels), 0, 0, 0
            )
        customer_pk = record[1]
        external_id, name, email, phone, address = (v or "" for v in record[2:7])
        if by is AgingBy.CUSTOMER:
            count, oldest, past_due, customer_over_90, disputed, *buckets = record[7:]
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
            number, issued, due, amount, balance, bucket, disputed = record[7:]
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
        row.customer_pk = customer_pk
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


def _balances_serve(organisation: Organisation, as_of: date, scheme: BucketScheme) -> bool:
    """Whether the customer balances hold this report: computed as of this very day with these buckets.
    (No balance rows at all means nothing to read them from; the computed report is then cheap anyway.)"""
    from recoup.ledger.services import balance_scheme

    if scheme.edges != balance_scheme(organisation).edges:
        return False
    balances = CustomerBalance.objects.filter(organisation=organisation).values_list("as_of", flat=True)
    # Two index look-ups (one MIN and one MAX together would scan every row on SQLite).
    return balances.order_by("as_of").first() == as_of and balances.order_by("-as_of").first() == as_of


# Each but "name" follows an index of CustomerBalance to the end, so a page costs its own rows only.
BALANCE_ORDERS = {
    "name": "c.name, c.external_id",
    "-past_due": "b.past_due_cents DESC, b.customer_id DESC",
    "-total": "b.open_cents DESC, b.customer_id DESC",
    "oldest": "b.oldest_due_date, b.customer_id",
}


def _page_clause(offset: int, limit: int | None) -> str:
    if limit is not None:
        return f"LIMIT {int(limit)} OFFSET {int(offset)}"
    if offset:
        # SQLite needs a LIMIT before an OFFSET; -1 means none.
        return f"LIMIT -1 OFFSET {int(offset)}" if connection.vendor == "sqlite" else f"OFFSET {int(offset)}"
    return ""


def _report_from_balances(
    organisation: Organisation,
    as_of: date,
    scheme: BucketScheme,
    currency: str | None,
    order: str,
    offset: int,
    limit: int | None,
) -> list[AgingReport]:
    labels = scheme.labels()
    balance, customer = CustomerBalance._meta.db_table, Customer._meta.db_table
    buckets = ", ".join(f"b.b{k}" for k in range(len(labels)))
    only_currency = "AND b.currency = %(currency)s" if currency else ""
    params = {"organisation": organisation.id, "currency": currency, "primary": True}
    totals = _fetch(
        f"""SELECT b.currency, COUNT(*), SUM(b.open_invoices), SUM(b.past_due_cents), SUM(b.over_90_cents),
                   {", ".join(f"SUM(b.b{k})" for k in range(len(labels)))}
            FROM {balance} b WHERE b.organisation_id = %(organisation)s {only_currency} GROUP BY b.currency""",
        params,
    )
    if not totals:
        code = currency or organisation.currency
        empty = [0] * len(labels)
        return [AgingReport(organisation.slug, as_of, code, AgingBasis.DUE, AgingBy.CUSTOMER, labels, empty, 0, 0, 0)]
    contact_columns, contact_joins = _primary_contacts_join()
    to_date = _date_reader()
    reports = []
    for code, rows_total, items, past_due, over_90, *sums in totals:
        report = AgingReport(
            organisation.slug,
            as_of,
            code,
            AgingBasis.DUE,
            AgingBy.CUSTOMER,
            labels,
            [int(v) for v in sums],
            int(past_due),
            int(over_90),
            int(items),
            rows_total=rows_total,
        )
        records = _fetch(
            f"""SELECT c.id, c.external_id, c.name, {contact_columns}, b.open_invoices, b.oldest_due_date,
                       b.past_due_cents, b.disputed_invoices, {buckets}
                FROM {balance} b JOIN {customer} c ON c.id = b.customer_id {contact_joins}
                WHERE b.organisation_id = %(organisation)s AND b.currency = %(code)s
                ORDER BY {BALANCE_ORDERS[order]} {_page_clause(offset, limit)}""",
            params | {"code": code},
        )
        for pk, external_id, name, email, phone, address, count, oldest, row_past_due, disputed, *amounts in records:
            report.rows.append(
                AgingRow(
                    external_id,
                    name or "",
                    email or "",
                    phone or "",
                    address or "",
                    list(amounts),
                    row_past_due,
                    count,
                    to_date(oldest),
                    disputed=bool(disputed),
                    customer_pk=pk,
                )
            )
        reports.append(report)
    return _org_currency_first(reports, organisation)
