"""Reads of the ledger for people at screens: the customer list and one customer's account."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from recoup.core.aging import BucketScheme
from recoup.ledger.models import ContactPoint, CreditNote, Customer, CustomerBalance, Invoice, Payment
from recoup.organisations.models import Organisation

# Each sort ends in a unique column, so pages never repeat or skip a customer; the "-open" and "oldest"
# orders match the customer_org_open and customer_org_oldest indexes, column for column.
CUSTOMER_SORTS = {
    "name": ("name", "external_id"),
    "-open": ("-balance_cents", "name", "pk"),
    "open": ("balance_cents", "name", "pk"),
    "oldest": (F("oldest_due").asc(nulls_last=True), "name", "pk"),
    "id": ("external_id",),
}


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """What the customer list is narrowed and ordered by. Amounts are minor units."""

    search: str = ""
    bucket: str = ""
    segment: str = ""
    min_open: int | None = None
    max_open: int | None = None
    sort: str = "-open"


def _with_balance(customers: QuerySet[Customer], organisation: Organisation, currency: str) -> QuerySet[Customer]:
    """Annotate ``balance_cents`` and ``oldest_due`` in ``currency``. In the organisation's own currency
    they are on the customer row itself, so a sort by balance walks an index."""
    if currency == organisation.currency:
        return customers.annotate(balance_cents=F("open_cents"), oldest_due=F("oldest_due_date"))
    return customers.annotate(
        balance=FilteredRelation("balances", condition=Q(balances__currency=currency)),
        balance_cents=Coalesce(F("balance__open_cents"), Value(0)),
        oldest_due=F("balance__oldest_due_date"),
    )


def customer_list(
    *, organisation: Organisation, currency: str, as_of: date, filters: CustomerFilters = CustomerFilters()
) -> QuerySet[Customer]:
    """Customers with ``balance_cents`` and ``oldest_due`` in ``currency``, filtered and sorted in SQL.
    Page through ``.values_list("pk", flat=True)`` (an index walk, even a thousand pages deep), then load
    the page with ``customers_for_display``."""
    customers = _with_balance(Customer.objects.filter(organisation=organisation), organisation, currency)
    if filters.search:
        customers = customers.filter(_search(organisation, filters.search.strip()))
    if filters.segment:
        customers = customers.filter(segment=filters.segment)
    if filters.min_open is not None:
        customers = customers.filter(balance_cents__gte=filters.min_open)
    if filters.max_open is not None:
        customers = customers.filter(balance_cents__lte=filters.max_open)
    if filters.bucket:
        customers = customers.filter(_worst_bucket(organisation, as_of, filters.bucket))
    return customers.order_by(*CUSTOMER_SORTS.get(filters.sort, CUSTOMER_SORTS["-open"]))


def customers_for_display(ids: list[int], organisation: Organisation, currency: str) -> list[Customer]:
    """These customers, in this order, with their balance details in ``currency``."""
    customers = _with_balance(Customer.objects.filter(organisation=organisation, pk__in=ids), organisation, currency)
    found = {
        c.pk: c
        for c in customers.annotate(
            shown=FilteredRelation("balances", condition=Q(balances__currency=currency)),
            open_invoices=Coalesce(F("shown__open_invoices"), Value(0)),
            disputed_invoices=Coalesce(F("shown__disputed_invoices"), Value(0)),
        )
    }
    return [found[pk] for pk in ids if pk in found]


def _search(organisation: Organisation, text: str) -> Q:
    """Name or id, an email, a phone number (any formatting), or an invoice number."""
    query = Q(name__icontains=text) | Q(external_id__iexact=text)
    contacts = ContactPoint.objects.filter(customer=OuterRef("pk"))
    digits = re.sub(r"\D", "", text)
    if "@" in text:
        query |= Exists(contacts.filter(kind="email", value__icontains=text.lower()))
    elif len(digits) >= 4:
        query |= Exists(contacts.filter(kind="phone", value__contains=digits))
    query |= Exists(Invoice.objects.filter(organisation=organisation, customer=OuterRef("pk"), number__iexact=text))
    return query


def _worst_bucket(organisation: Organisation, as_of: date, label: str) -> Q:
    """Customers whose oldest open invoice is in the bucket called ``label`` (e.g. '31-60')."""
    scheme = BucketScheme(tuple(organisation.aging_edges))
    labels = scheme.labels()
    if label not in labels:
        return Q()
    index = labels.index(label)
    starts = scheme.earliest_dates(as_of)
    condition = Q(oldest_due__isnull=False)
    if index < len(starts):
        condition &= Q(oldest_due__gte=starts[index])
    if index > 0:
        condition &= Q(oldest_due__lt=starts[index - 1])
    return condition


def past_due_by_customer(customer_ids: list[int], currency: str, as_of: date) -> dict[int, int]:
    """Past-due amounts of a page of customers: it changes daily, so it is computed, never stored."""
    rows = (
        Invoice.objects.filter(
            customer_id__in=customer_ids,
            currency=currency,
            settled_on__isnull=True,
            due_date__lt=as_of,
            issue_date__lte=as_of,
        )
        .values("customer_id")
        .annotate(total=Sum(F("amount_cents") - F("applied_cents")))
    )
    return {row["customer_id"]: row["total"] for row in rows}


def customer_get(*, organisation: Organisation, pk: int) -> Customer:
    """One customer of the organisation; ``Customer.DoesNotExist`` (a 404) for anyone else's."""
    return Customer.objects.get(organisation=organisation, pk=pk)


def customer_open_invoices(customer: Customer) -> list[Invoice]:
    return list(
        Invoice.objects.filter(customer=customer, settled_on__isnull=True)
        .annotate(open_cents=F("amount_cents") - F("applied_cents"))
        .filter(open_cents__gt=0)
        .order_by("due_date", "number")
    )


def customer_payments(customer: Customer, limit: int = 50) -> list[Payment]:
    return list(
        Payment.objects.filter(customer=customer)
        .annotate(applied=Coalesce(Sum("allocations__amount_cents"), Value(0)))
        .order_by("-payment_date", "-id")[:limit]
    )


def customer_credit_notes(customer: Customer, limit: int = 50) -> list[CreditNote]:
    return list(CreditNote.objects.filter(customer=customer).order_by("-issue_date", "-id")[:limit])


def customer_contacts(customer: Customer) -> list[ContactPoint]:
    return list(customer.contact_points.order_by("kind", "-is_primary", "value"))


def segments_of(organisation: Organisation) -> list[str]:
    """The segments in use, in order."""
    return _distinct_values(Customer._meta.db_table, "segment", organisation)


def balance_currencies(organisation: Organisation) -> list[str]:
    """The currencies someone owes the organisation money in."""
    return _distinct_values(CustomerBalance._meta.db_table, "currency", organisation)


def _distinct_values(table: str, column: str, organisation: Organisation) -> list[str]:
    """The non-blank values of ``column`` in the organisation's rows, in order, by a loose index scan
    over an index that starts (organisation_id, column): one probe per distinct value, where DISTINCT
    would read every row's entry (PostgreSQL has no skip scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE seen(value) AS (
                    SELECT MIN({column}) FROM {table} WHERE organisation_id = %s AND {column} > ''
                    UNION ALL
                    SELECT (SELECT MIN({column}) FROM {table} WHERE organisation_id = %s AND {column} > seen.value)
                    FROM seen WHERE seen.value IS NOT NULL
                )
                SELECT value FROM seen WHERE value IS NOT NULL""",
            [organisation.pk, organisation.pk],
        )
        return [row[0] for row in cursor.fetchall()]
