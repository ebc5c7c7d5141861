"""Writes to the ledger: payments, credit notes, allocations, and the settlement dates they imply.

Every service here is atomic. Allocation always goes through :func:`recoup.core.allocation.plan_allocation`
so that no invoice is ever over-applied, whichever path the money came in by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from recoup.audit.services import audit_record
from recoup.core.aging import OVER_90_DAYS, AgingBasis, BucketScheme
from recoup.core.allocation import OpenInvoice, OverallocationError, plan_allocation
from recoup.core.currency import normalise_code
from recoup.core.money import decimal_string
from recoup.ledger.bulk import IdTable
from recoup.ledger.models import (
    BALANCE_BUCKETS,
    Allocation,
    ContactPoint,
    CreditNote,
    Customer,
    CustomerBalance,
    Invoice,
    Payment,
)
from recoup.ledger.open_items import open_items_cte, sql_date
from recoup.organisations.models import Organisation


class LedgerError(ValueError):
    pass


class LedgerConflict(LedgerError):
    """The thing exists already (a customer id, an invoice number, a contact point)."""


REFRESH_SQL = """
UPDATE {invoice} SET
    applied_cents = COALESCE((SELECT SUM(a.amount_cents) FROM {allocation} a WHERE a.invoice_id = {invoice}.id), 0),
    last_applied_on = (SELECT MAX(a.applied_on) FROM {allocation} a WHERE a.invoice_id = {invoice}.id),
    settled_on = CASE
        WHEN amount_cents = 0 THEN issue_date
        ELSE (
            SELECT MIN(running.applied_on) FROM (
                SELECT a.applied_on,
                       SUM(a.amount_cents) OVER (ORDER BY a.applied_on) AS applied_to_date
                FROM {allocation} a WHERE a.invoice_id = {invoice}.id
            ) running
            WHERE running.applied_to_date >= {invoice}.amount_cents
        )
    END
WHERE id IN (SELECT id FROM {ids})
"""


def invoices_refresh_applied(invoice_ids: Iterable[int]) -> None:
    """Recompute the allocation-derived fields of these invoices (``applied_cents``, ``last_applied_on``,
    ``settled_on``) from their allocations. Call it after any change to an invoice's amount or
    allocations; the database refuses an applied total above the amount."""
    ids = list(invoice_ids)
    if not ids:
        return
    invoice = Invoice._meta.db_table
    watching = invoice_paid_watched()
    with IdTable(ids) as table, connection.cursor() as cursor:
        if watching:
            cursor.execute(f"SELECT id FROM {invoice} WHERE settled_on IS NULL AND id IN (SELECT id FROM {table})")
            open_before = [row[0] for row in cursor.fetchall()]
        cursor.execute(REFRESH_SQL.format(invoice=invoice, allocation=Allocation._meta.db_table, ids=table))
        cursor.execute(f"SELECT DISTINCT customer_id FROM {invoice} WHERE id IN (SELECT id FROM {table})")
        customers = [row[0] for row in cursor.fetchall()]
    customer_balances_refresh(customer_ids=customers)
    if watching and open_before:
        _emit_paid(open_before)


def invoice_paid_watched() -> bool:
    """Whether any webhook listens for invoice.paid: only then is it worth noticing which invoices settle."""
    from recoup.webhooks.models import EventType, WebhookEndpoint

    return any(
        EventType.INVOICE_PAID in events
        for events in WebhookEndpoint.objects.filter(active=True).values_list("events", flat=True)
    )


def _emit_paid(candidate_ids: list[int]) -> None:
    from recoup.webhooks.services import webhook_emit

    for chunk_start in range(0, len(candidate_ids), 500):
        chunk = candidate_ids[chunk_start : chunk_start + 500]
        for paid in Invoice.objects.filter(id__in=chunk, settled_on__isnull=False).select_related("customer"):
            webhook_emit(
                paid.organisation_id,
                "invoice.paid",
                {
                    "invoice_number": paid.number,
                    "customer_id": paid.customer.external_id,
                    "amount": decimal_string(paid.amount_cents, paid.currency),
                    "currency": paid.currency,
                    "settled_on": paid.settled_on.isoformat(),
                },
            )


def _balances_insert_sql(columns: int) -> str:
    buckets = ", ".join(f"b{k}" for k in range(BALANCE_BUCKETS))
    sums = ", ".join(
        f"CAST(SUM(CASE WHEN bucket = {k} THEN balance ELSE 0 END) AS BIGINT)" if k < columns else "0"
        for k in range(BALANCE_BUCKETS)
    )
    return f"""
        INSERT INTO {CustomerBalance._meta.db_table} (organisation_id, customer_id, currency, open_cents,
            open_invoices, oldest_due_date, disputed_invoices, past_due_cents, over_90_cents, as_of, {buckets})
        SELECT organisation_id, customer_id, currency, CAST(SUM(balance) AS BIGINT), COUNT(*), MIN(due_date),
               SUM(CASE WHEN disputed THEN 1 ELSE 0 END),
               CAST(SUM(CASE WHEN due_date < %(as_of)s THEN balance ELSE 0 END) AS BIGINT),
               CAST(SUM(CASE WHEN due_date < %(over_90)s THEN balance ELSE 0 END) AS BIGINT),
               %(as_of)s, {sums}
        FROM open_items WHERE balance > 0
        GROUP BY organisation_id, customer_id, currency"""


def balance_scheme(organisation: Organisation) -> BucketScheme:
    """The buckets customer balances keep: the organisation's own, when they fit in ``BALANCE_BUCKETS``."""
    scheme = BucketScheme(tuple(organisation.aging_edges))
    return scheme if len(scheme.labels()) <= BALANCE_BUCKETS else BucketScheme()


def planner_statistics_refresh() -> None:
    """After a bulk load, tell the database what the ledger now looks like, once it commits: the query
    planner picks its indexes from these statistics, and they lag far behind a million new rows."""

    def analyse() -> None:
        tables = [m._meta.db_table for m in (Customer, CustomerBalance, Invoice, Payment, Allocation, ContactPoint)]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")

    transaction.on_commit(analyse)


def customer_balances_refresh(
    *, customer_ids: Iterable[int] | None = None, organisation_id: int | None = None, as_of: date | None = None
) -> None:
    """Recompute ``CustomerBalance`` rows, as of today where each organisation is (or ``as_of``), for these
    customers or for every customer of an organisation. Call it after invoices are added or changed or
    money is applied (``invoices_refresh_applied`` does), and once a day for everyone."""
    balance = CustomerBalance._meta.db_table
    with connection.cursor() as cursor:
        if organisation_id is not None:
            organisation = Organisation.objects.get(pk=organisation_id)
            cursor.execute(f"DELETE FROM {balance} WHERE organisation_id = %s", [organisation_id])
            _balances_insert(cursor, organisation, as_of, scope="")
            return
        ids = list(customer_ids or [])
        if not ids:
            return
        with IdTable(ids) as table:
            cursor.execute(f"DELETE FROM {balance} WHERE customer_id IN (SELECT id FROM {table})")
            cursor.execute(
                f"SELECT DISTINCT organisation_id FROM {Customer._meta.db_table} WHERE id IN (SELECT id FROM {table})"
            )
            for (org_id,) in cursor.fetchall():
                organisation = Organisation.objects.get(pk=org_id)
                _balances_insert(cursor, organisation, as_of, scope=f"AND i.customer_id IN (SELECT id FROM {table})")


def _balances_insert(cursor, organisation: Organisation, as_of: date | None, scope: str) -> None:
    from recoup.clock import today

    day = as_of or today(organisation.timezone)
    scheme = balance_scheme(organisation)
    cte, params = open_items_cte(organisation.id, scheme, AgingBasis.DUE, day, scope=scope)
    params["over_90"] = sql_date(day - timedelta(days=OVER_90_DAYS))
    cursor.execute(cte + _balances_insert_sql(len(scheme.labels())), params)
    customer, balance = Customer._meta.db_table, CustomerBalance._meta.db_table
    own = f"SELECT {{column}} FROM {balance} b WHERE b.customer_id = {customer}.id AND b.currency = %s"
    cursor.execute(
        f"""UPDATE {customer} SET open_cents = COALESCE(({own.format(column="b.open_cents")}), 0),
                                  oldest_due_date = ({own.format(column="b.oldest_due_date")})
            WHERE organisation_id = %s {scope.replace("i.customer_id", "id")}""",
        [organisation.currency, organisation.currency, organisation.id],
    )


def _open_invoices(customer: Customer, currency: str) -> list[OpenInvoice]:
    """The customer's invoices in ``currency`` with a balance, oldest due first, locked for update."""
    invoices = (
        Invoice.objects.select_for_update()
        .filter(customer=customer, currency=currency, settled_on__isnull=True)
        .order_by("due_date", "issue_date", "number", "id")
    )
    return [
        OpenInvoice(inv.id, inv.amount_cents - inv.applied_cents)
        for inv in invoices
        if inv.amount_cents > inv.applied_cents
    ]


def _allocate(
    *,
    organisation: Organisation,
    customer: Customer,
    currency: str,
    amount_cents: int,
    applied_on: date,
    invoice: Invoice | None,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
) -> list[Allocation]:
    if invoice is not None and invoice.customer_id != customer.id:
        raise LedgerError(f"invoice {invoice.number} belongs to another customer")
    if invoice is not None and invoice.currency != currency:
        raise LedgerError(f"invoice {invoice.number} is in {invoice.currency}, not {currency}")
    open_invoices = _open_invoices(customer, currency)
    plan = plan_allocation(amount_cents, open_invoices, preferred=invoice.id if invoice else None)
    issue_dates = dict(Invoice.objects.filter(id__in=[i for i, _ in plan.parts]).values_list("id", "issue_date"))
    allocations = Allocation.objects.bulk_create(
        Allocation(
            organisation=organisation,
            invoice_id=invoice_id,
            payment=payment,
            credit_note=credit_note,
            amount_cents=amount,
            applied_on=max(applied_on, issue_dates[invoice_id]),
        )
        for invoice_id, amount in plan.parts
    )
    invoices_refresh_applied(i for i, _ in plan.parts)
    return allocations


@transaction.atomic
def invoice_issue(
    *,
    organisation: Organisation,
    customer: Customer,
    number: str,
    issue_date: date,
    due_date: date,
    amount_cents: int,
    currency: str | None = None,
    terms_days: int | None = None,
    disputed: bool = False,
    actor=None,
) -> Invoice:
    """Record one invoice (imports record many at once through ``bulk_writes``, with the same rules)."""
    if amount_cents < 0:
        raise LedgerError("an invoice amount cannot be negative; record a credit note instead")
    if due_date < issue_date:
        raise LedgerError("the due date is before the issue date")
    if customer.organisation_id != organisation.id:
        raise LedgerError("the customer belongs to another organisation")
    invoice = Invoice.objects.create(
        organisation=organisation,
        customer=customer,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        amount_cents=amount_cents,
        currency=normalise_code(currency or organisation.currency),
        terms_days=terms_days,
        disputed=disputed,
        # A zero invoice is settled the day it is issued: nothing is owed on it.
        settled_on=issue_date if amount_cents == 0 else None,
    )
    customer_balances_refresh(customer_ids=[customer.id])
    audit_record(
        organisation=organisation,
        actor=actor,
        action="invoice.issued",
        target=invoice,
        after={
            "customer": customer.external_id,
            "amount_cents": amount_cents,
            "currency": invoice.currency,
            "issue_date": issue_date.isoformat(),
            "due_date": due_date.isoformat(),
        },
    )
    return invoice


@transaction.atomic
def payment_record(
    *,
    organisation: Organisation,
    customer: Customer,
    payment_date: date,
    amount_cents: int,
    currency: str,
    method: str = "",
    reference: str = "",
    invoice: Invoice | None = None,
    external_key: str | None = None,
    actor=None,
) -> Payment:
    """Record a payment and apply it: to ``invoice`` first, then to the oldest open invoices.
    Whatever is left stays on the payment as unapplied cash."""
    if amount_cents <= 0:
        raise LedgerError("a payment must be more than zero")
    currency = normalise_code(currency)
    key = external_key or (f"{customer.external_id}|ref|{reference}" if reference else None)
    if key is None:
        key = f"manual|{timezone.now().isoformat()}|{customer.id}|{amount_cents}"
    payment = Payment.objects.create(
        organisation=organisation,
        customer=customer,
        payment_date=payment_date,
        amount_cents=amount_cents,
        currency=currency,
        method=method,
        reference=reference,
        external_key=key,
    )
    allocations = _allocate(
        organisation=organisation,
        customer=customer,
        currency=currency,
        amount_cents=amount_cents,
        applied_on=payment_date,
        invoice=invoice,
        payment=payment,
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="payment.recorded",
        target=payment,
        target_label=f"payment {reference or payment.pk} from {customer.external_id}",
        after=_money_event(amount_cents, currency, payment_date, allocations) | {"method": method},
    )
    from recoup.webhooks.services import webhook_emit

    webhook_emit(
        organisation.id,
        "payment.recorded",
        {
            "customer_id": customer.external_id,
            "amount": decimal_string(amount_cents, currency),
            "currency": currency,
            "payment_date": payment_date.isoformat(),
            "reference": reference,
            "method": method,
        },
    )
    return payment


@transaction.atomic
def credit_note_issue(
    *,
    organisation: Organisation,
    customer: Customer,
    number: str,
    issue_date: date,
    amount_cents: int,
    currency: str,
    reason: str = "",
    invoice: Invoice | None = None,
    actor=None,
) -> CreditNote:
    """Issue a credit note and apply it to ``invoice`` (or the oldest open invoices)."""
    if amount_cents <= 0:
        raise LedgerError("a credit note must be more than zero")
    note = CreditNote.objects.create(
        organisation=organisation,
        customer=customer,
        number=number,
        issue_date=issue_date,
        amount_cents=amount_cents,
        currency=normalise_code(currency),
        reason=reason,
    )
    allocations = _allocate(
        organisation=organisation,
        customer=customer,
        currency=note.currency,
        amount_cents=amount_cents,
        applied_on=issue_date,
        invoice=invoice,
        credit_note=note,
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="credit_note.issued",
        target=note,
        after=_money_event(amount_cents, note.currency, issue_date, allocations) | {"reason": reason},
    )
    return note


def _money_event(amount_cents: int, currency: str, day: date, allocations: list[Allocation]) -> dict:
    """An audit record's view of money coming in: how much, when, and where it was applied."""
    return {
        "amount_cents": amount_cents,
        "currency": currency,
        "date": day.isoformat(),
        "applied": {str(a.invoice_id): a.amount_cents for a in allocations},
    }


__all__ = [
    "planner_statistics_refresh",
    "LedgerConflict",
    "LedgerError",
    "contact_point_add",
    "customer_create",
    "customer_update",
    "OverallocationError",
    "credit_note_issue",
    "customer_balances_refresh",
    "invoice_issue",
    "invoices_refresh_applied",
    "payment_record",
]


@transaction.atomic
def customer_create(
    *,
    organisation: Organisation,
    external_id: str,
    name: str = "",
    kind: str = "business",
    segment: str = "",
    terms_days: int | None = None,
    credit_limit_cents: int | None = None,
    actor=None,
) -> Customer:
    external_id = external_id.strip()
    if not external_id:
        raise LedgerError("a customer needs an id")
    if Customer.objects.filter(organisation=organisation, external_id=external_id).exists():
        raise LedgerConflict(f"a customer with the id {external_id!r} exists already")
    if credit_limit_cents is not None and credit_limit_cents < 0:
        raise LedgerError("a credit limit cannot be negative")
    now = timezone.now()
    customer = Customer.objects.create(
        organisation=organisation,
        external_id=external_id,
        name=name.strip(),
        kind=kind,
        segment=segment.strip(),
        terms_days=terms_days,
        credit_limit_cents=credit_limit_cents,
        created_at=now,
        updated_at=now,
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="customer.created",
        target=customer,
        after=_customer_values(customer),
    )
    return customer


CUSTOMER_EDITABLE = ("name", "kind", "segment", "terms_days", "credit_limit_cents")


@transaction.atomic
def customer_update(*, customer: Customer, changes: dict, actor=None) -> Customer:
    """Change the given fields (any of ``CUSTOMER_EDITABLE``); the audit log keeps the old values."""
    unknown = set(changes) - set(CUSTOMER_EDITABLE)
    if unknown:
        raise LedgerError(f"cannot change {', '.join(sorted(unknown))}")
    if changes.get("credit_limit_cents") is not None and changes["credit_limit_cents"] < 0:
        raise LedgerError("a credit limit cannot be negative")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = _customer_values(customer)
    for field, value in changes.items():
        setattr(customer, field, value.strip() if isinstance(value, str) else value)
    customer.updated_at = timezone.now()
    customer.save()
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="customer.updated",
        target=customer,
        before={k: before[k] for k in changes},
        after={k: _customer_values(customer)[k] for k in changes},
    )
    return customer


def _customer_values(customer: Customer) -> dict:
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "kind": customer.kind,
        "segment": customer.segment,
        "terms_days": customer.terms_days,
        "credit_limit_cents": customer.credit_limit_cents,
    }


@transaction.atomic
def contact_point_add(
    *, customer: Customer, kind: str, value: str, is_primary: bool = False, source: str = "manual", actor=None
) -> ContactPoint:
    """Add a normalised email, phone or address. A new primary contact demotes the old one."""
    from recoup.ledger.contacts import ContactError, normalise_email, normalise_phone, parse_address

    try:
        if kind == "email":
            normal, parts = normalise_email(value), {}
        elif kind == "phone":
            normal, parts = normalise_phone(value), {}
        elif kind == "address":
            address = parse_address(value)
            normal = address.one_line
            parts = {
                "line1": address.line1 if address.parsed else "",
                "line2": address.line2,
                "city": address.city,
                "region": address.region,
                "postal_code": address.postal_code,
                "country": address.country,
            }
        else:
            raise LedgerError("a contact point is an email, a phone or an address")
    except ContactError as error:
        raise LedgerError(f"{value!r} is {error.reason}") from None
    if ContactPoint.objects.filter(customer=customer, kind=kind, value=normal).exists():
        raise LedgerConflict(f"{customer.external_id} already has the {kind} {normal}")
    has_primary = ContactPoint.objects.filter(customer=customer, kind=kind, is_primary=True)
    if is_primary:
        has_primary.update(is_primary=False)
    contact = ContactPoint.objects.create(
        customer=customer,
        kind=kind,
        value=normal,
        raw=value.strip(),
        source=source,
        is_primary=is_primary or not has_primary.exists(),
        created_at=timezone.now(),
        **parts,
    )
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="contact_point.created",
        target=contact,
        after={"customer": customer.external_id, "kind": kind, "value": normal, "primary": contact.is_primary},
    )
    return contact
