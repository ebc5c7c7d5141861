"""The REST API, version 1: ``/api/v1/``. Token auth (``Authorization: Bearer TOKEN``); everything an
organisation holds lives under ``/organisations/{slug}/``, and a token reaches only its user's
organisations (others are 404)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from django.db.models import F
from django.http import Http404
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja import Query as QueryParam

from recoup.accounts.selectors import memberships_of
from recoup.api import errors
from recoup.api.auth import TokenAuth, membership
from recoup.api.schemas import (
    AMOUNT_OR_BLANK,
    ContactPointIn,
    ContactPointOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    ErrorOut,
    InvoiceIn,
    InvoiceOut,
    IsoDate,
    Money,
    OrganisationOut,
    PaymentIn,
    PaymentOut,
)
from recoup.clock import today
from recoup.compliance.explain import explain, explanation_document
from recoup.core.aging import AgingBasis, BucketScheme
from recoup.core.money import decimal_string, parse_amount
from recoup.ledger import selectors
from recoup.ledger import services as ledger
from recoup.ledger.models import ContactPoint, Customer, Invoice, Payment
from recoup.reporting.aging import AgingBy, aging_report
from recoup.reporting.exports import aging_document, kpis_document
from recoup.reporting.kpis import kpis_get

api = NinjaAPI(title="Recoup API", version="1", description=__doc__, auth=TokenAuth(), urls_namespace="api-v1")
errors.install(api)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_PAGE_SIZE = 200
MAX_AGING_PAGE = 1000


class Page(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class CustomerPage(Page):
    items: list[CustomerOut]


class InvoicePage(Page):
    items: list[InvoiceOut]


class PaymentPage(Page):
    items: list[PaymentOut]


class PageQuery(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def _paginate(queryset, query: PageQuery) -> tuple[list, dict]:
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    count = queryset.count()
    pages = max(1, math.ceil(count / size))
    page = max(1, min(query.page, pages))
    items = list(queryset[(page - 1) * size : page * size])
    return items, {"count": count, "page": page, "page_size": size, "pages": pages}


def _money(minor: int, currency: str) -> Money:
    return Money(amount=decimal_string(minor, currency), currency=currency)


def _amount(text: str | None, currency: str) -> int | None:
    return None if text is None or not text.strip() else parse_amount(text, currency)


def _customer_out(customer: Customer, currency: str) -> CustomerOut:
    return CustomerOut(
        id=customer.pk,
        external_id=customer.external_id,
        name=customer.name,
        kind=customer.kind,
        segment=customer.segment,
        terms_days=customer.terms_days,
        credit_limit=decimal_string(customer.credit_limit_cents, currency)
        if customer.credit_limit_cents is not None
        else None,
        open_balance=_money(getattr(customer, "balance_cents", 0) or 0, currency),
        open_invoices=getattr(customer, "open_invoices", 0) or 0,
        oldest_due_date=getattr(customer, "oldest_due", None),
    )


def _invoice_out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.pk,
        number=invoice.number,
        customer_id=invoice.customer.external_id,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=_money(invoice.amount_cents, invoice.currency),
        open=_money(invoice.amount_cents - invoice.applied_cents, invoice.currency),
        disputed=invoice.disputed,
        settled_on=invoice.settled_on,
    )


def _payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        customer_id=payment.customer.external_id,
        payment_date=payment.payment_date,
        amount=_money(payment.amount_cents, payment.currency),
        applied=_money(payment.applied, payment.currency),
        method=payment.method,
        reference=payment.reference,
    )


def _customer(organisation, external_id: str) -> Customer:
    customer = Customer.objects.filter(organisation=organisation, external_id=external_id).first()
    if customer is None:
        raise Http404(f"No customer {external_id!r}")
    return customer


def _customer_row(organisation, customer_id: int) -> Customer:
    found = selectors.customers_for_display([customer_id], organisation, organisation.currency)
    if not found:
        raise Http404("No such customer")
    return found[0]


@api.get("/organisations", response={200: list[OrganisationOut], 401: ErrorOut}, tags=["organisations"])
def organisations(request):
    """The organisations this token reaches, with the user's role in each."""
    return [
        OrganisationOut(
            slug=m.organisation.slug,
            name=m.organisation.name,
            currency=m.organisation.currency,
            timezone=m.organisation.timezone,
            role=m.role,
        )
        for m in memberships_of(request.auth)
    ]


@api.get("/organisations/{slug}/customers", response={200: CustomerPage, **ERRORS}, tags=["customers"])
def customer_list(
    request,
    slug: str,
    search: str = "",
    segment: str = "",
    bucket: str = "",
    sort: Literal["-open", "open", "oldest", "name", "id"] = "-open",
    min_open: str | None = QueryParam(None, pattern=AMOUNT_OR_BLANK),
    max_open: str | None = QueryParam(None, pattern=AMOUNT_OR_BLANK),
    paging: Query[PageQuery] = None,
):
    """Customers with their open balance in the organisation's currency. ``sort``: -open, open, oldest, name."""
    organisation = membership(request, slug).organisation
    cur = organisation.currency
    filters = selectors.CustomerFilters(
        search=search,
        segment=segment,
        bucket=bucket,
        sort=sort,
        min_open=_amount(min_open, cur),
        max_open=_amount(max_open, cur),
    )
    queryset = selectors.customer_list(
        organisation=organisation, currency=cur, as_of=today(organisation.timezone), filters=filters
    )
    ids, page = _paginate(queryset.values_list("pk", flat=True), paging or PageQuery())
    items = selectors.customers_for_display(ids, organisation, cur)
    return CustomerPage(items=[_customer_out(c, cur) for c in items], **page)


@api.post("/organisations/{slug}/customers", response={201: CustomerOut, **ERRORS}, tags=["customers"])
def customer_create(request, slug: str, body: CustomerIn):
    organisation = membership(request, slug, "work").organisation
    customer = ledger.customer_create(
        organisation=organisation,
        external_id=body.external_id,
        name=body.name,
        kind=body.kind,
        segment=body.segment,
        terms_days=body.terms_days,
        credit_limit_cents=_amount(body.credit_limit, organisation.currency),
        actor=request.auth,
    )
    return Status(201, _customer_out(_customer_row(organisation, customer.pk), organisation.currency))


@api.get("/organisations/{slug}/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def customer_get(request, slug: str, customer_id: str):
    """One customer, by their id in your accounting system."""
    organisation = membership(request, slug).organisation
    customer = _customer(organisation, customer_id)
    return _customer_out(_customer_row(organisation, customer.pk), organisation.currency)


@api.patch("/organisations/{slug}/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, tags=["customers"])
def customer_patch(request, slug: str, customer_id: str, body: CustomerPatch):
    organisation = membership(request, slug, "work").organisation
    customer = _customer(organisation, customer_id)
    changes = body.dict(exclude_unset=True)
    if "credit_limit" in changes:
        changes["credit_limit_cents"] = _amount(changes.pop("credit_limit"), organisation.currency)
    changes = {k: v for k, v in changes.items() if v is not None or k in ("terms_days", "credit_limit_cents")}
    ledger.customer_update(customer=customer, changes=changes, actor=request.auth)
    return _customer_out(_customer_row(organisation, customer.pk), organisation.currency)


@api.get(
    "/organisations/{slug}/customers/{customer_id}/contact-points",
    response={200: list[ContactPointOut], **ERRORS},
    tags=["customers"],
)
def contact_points(request, slug: str, customer_id: str):
    customer = _customer(membership(request, slug).organisation, customer_id)
    return list(ContactPoint.objects.filter(customer=customer).order_by("kind", "-is_primary", "id"))


@api.post(
    "/organisations/{slug}/customers/{customer_id}/contact-points",
    response={201: ContactPointOut, **ERRORS},
    tags=["customers"],
)
def contact_point_create(request, slug: str, customer_id: str, body: ContactPointIn):
    customer = _customer(membership(request, slug, "work").organisation, customer_id)
    return Status(
        201,
        ledger.contact_point_add(
            customer=customer, kind=body.kind, value=body.value, is_primary=body.is_primary, actor=request.auth
        ),
    )


class ComplianceOut(Schema):
    account: str
    name: str
    at: str
    time_zones: list[str]
    local_times: dict[str, str]
    time_zones_assumed: bool
    flags: list[str]
    rules_applied: list[str]
    notes: list[str]
    channels: dict[str, dict]


@api.get(
    "/organisations/{slug}/customers/{customer_id}/compliance",
    response={200: ComplianceOut, **ERRORS},
    tags=["customers"],
)
def compliance(request, slug: str, customer_id: str, at: datetime | None = None):
    """What the compliance guard allows now (or ``at``, ISO 8601 with an offset) on each channel, why,
    and when the next contact is allowed."""
    customer = _customer(membership(request, slug).organisation, customer_id)
    moment = at or timezone.now()
    if moment.tzinfo is None:
        raise errors.ApiError(422, "invalid", "at needs a UTC offset, e.g. 2026-12-03T20:30:00-05:00")
    if not 1900 <= moment.year <= 2999:
        raise errors.ApiError(422, "invalid", "at must be between the years 1900 and 2999")
    return explanation_document(explain(customer, moment))


@api.get("/organisations/{slug}/invoices", response={200: InvoicePage, **ERRORS}, tags=["invoices"])
def invoice_list(
    request,
    slug: str,
    customer_id: str = "",
    status: Literal["open", "settled", "all"] = "open",
    paging: Query[PageQuery] = None,
):
    """Invoices, oldest due first. ``status``: open, settled or all."""
    organisation = membership(request, slug).organisation
    invoices = Invoice.objects.filter(organisation=organisation).select_related("customer")
    if customer_id:
        invoices = invoices.filter(customer__external_id=customer_id)
    if status == "open":
        invoices = invoices.filter(settled_on__isnull=True, amount_cents__gt=F("applied_cents"))
    elif status == "settled":
        invoices = invoices.filter(settled_on__isnull=False)
    items, page = _paginate(invoices.order_by("due_date", "number"), paging or PageQuery())
    return InvoicePage(items=[_invoice_out(i) for i in items], **page)


@api.post("/organisations/{slug}/invoices", response={201: InvoiceOut, **ERRORS}, tags=["invoices"])
def invoice_create(request, slug: str, body: InvoiceIn):
    organisation = membership(request, slug, "work").organisation
    customer = _customer(organisation, body.customer_id)
    currency = (body.currency or organisation.currency).upper()
    if Invoice.objects.filter(organisation=organisation, number=body.number).exists():
        raise errors.ApiError(409, "conflict", f"invoice {body.number} exists already")
    invoice = ledger.invoice_issue(
        organisation=organisation,
        customer=customer,
        number=body.number,
        issue_date=body.issue_date,
        due_date=body.due_date,
        amount_cents=parse_amount(body.amount, currency),
        currency=currency,
        terms_days=body.terms_days,
        actor=request.auth,
    )
    return Status(201, _invoice_out(invoice))


@api.get("/organisations/{slug}/invoices/{number}", response={200: InvoiceOut, **ERRORS}, tags=["invoices"])
def invoice_get(request, slug: str, number: str):
    organisation = membership(request, slug).organisation
    invoice = Invoice.objects.filter(organisation=organisation, number=number).select_related("customer").first()
    if invoice is None:
        raise Http404(f"No invoice {number!r}")
    return _invoice_out(invoice)


@api.get("/organisations/{slug}/payments", response={200: PaymentPage, **ERRORS}, tags=["payments"])
def payment_list(request, slug: str, customer_id: str = "", paging: Query[PageQuery] = None):
    from django.db.models import Sum, Value
    from django.db.models.functions import Coalesce

    organisation = membership(request, slug).organisation
    payments = (
        Payment.objects.filter(organisation=organisation)
        .select_related("customer")
        .annotate(applied=Coalesce(Sum("allocations__amount_cents"), Value(0)))
    )
    if customer_id:
        payments = payments.filter(customer__external_id=customer_id)
    items, page = _paginate(payments.order_by("-payment_date", "-id"), paging or PageQuery())
    return PaymentPage(items=[_payment_out(p) for p in items], **page)


@api.post("/organisations/{slug}/payments", response={201: PaymentOut, **ERRORS}, tags=["payments"])
def payment_create(request, slug: str, body: PaymentIn):
    """Record a payment: applied to ``invoice_number`` first, then to the oldest open invoices."""
    organisation = membership(request, slug, "work").organisation
    customer = _customer(organisation, body.customer_id)
    invoice = None
    if body.invoice_number:
        invoice = Invoice.objects.filter(organisation=organisation, number=body.invoice_number).first()
        if invoice is None:
            raise Http404(f"No invoice {body.invoice_number!r}")
    currency = (body.currency or (invoice.currency if invoice else organisation.currency)).upper()
    payment = ledger.payment_record(
        organisation=organisation,
        customer=customer,
        payment_date=body.payment_date,
        amount_cents=parse_amount(body.amount, currency),
        currency=currency,
        method=body.method,
        reference=body.reference,
        invoice=invoice,
        actor=request.auth,
        external_key=f"{customer.external_id}|ref|{body.reference}" if body.reference else None,
    )
    payment.applied = sum(a.amount_cents for a in payment.allocations.all())
    return Status(201, _payment_out(payment))


class AgingOut(Schema):
    reports: list[dict]


@api.get("/organisations/{slug}/aging", response={200: AgingOut, **ERRORS}, tags=["reports"])
def aging(
    request,
    slug: str,
    as_of: IsoDate | None = None,
    by: AgingBy = AgingBy.CUSTOMER,
    basis: AgingBasis = AgingBasis.DUE,
    currency: str | None = QueryParam(None, pattern="^[A-Za-z]{3}$"),
    order: Literal["-past_due", "name", "-total", "oldest"] = "-past_due",
    page: int = QueryParam(1, ge=1),
    page_size: int = QueryParam(200, ge=1, le=MAX_AGING_PAGE),
):
    """The aging report, one document per currency (the format is in docs/aging.md). Totals cover the
    whole ledger; ``rows`` is one page of ``rows_total`` rows."""
    organisation = membership(request, slug).organisation
    day = as_of or today(organisation.timezone)
    scheme = BucketScheme(tuple(organisation.aging_edges))
    reports = aging_report(
        organisation,
        day,
        scheme,
        basis,
        by,
        currency.upper() if currency else None,
        order=order,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return AgingOut(reports=[aging_document(r) | {"page": page, "page_size": page_size} for r in reports])


class KpisOut(Schema):
    kpis: list[dict]


@api.get("/organisations/{slug}/kpis", response={200: KpisOut, **ERRORS}, tags=["reports"])
def kpis(request, slug: str, as_of: IsoDate | None = None, period_days: int = QueryParam(90, ge=1, le=3650)):
    """KPIs per currency (the format is in docs/kpis.md)."""
    organisation = membership(request, slug).organisation
    day = as_of or today(organisation.timezone)
    return KpisOut(kpis=[kpis_document(k) for k in kpis_get(organisation, day, period_days)])
