"""The customer list and the customer page, where collectors work an account."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recoup.activity.models import Dispute
from recoup.activity.selectors import timeline_for
from recoup.activity.services import ActivityError, call_log, dispute_close, dispute_open, note_add
from recoup.clock import today
from recoup.compliance.services import contact_check
from recoup.core.aging import BucketScheme
from recoup.core.compliance import Action, Channel
from recoup.core.money import format_minor, quantize
from recoup.ledger import selectors
from recoup.ledger.contacts import display_phone
from recoup.ledger.models import Customer
from recoup.web.access import org_view
from recoup.web.forms import CallForm, CustomerFilterForm, DisputeForm, NoteForm
from recoup.web.lookups import customer_or_404
from recoup.web.views.aging import status_words
from recoup.web.views.compliance import PANEL_FORMS, panel_context
from recoup.web.views.outreach import chasing_context

PAGE_SIZE = 50


@org_view("read")
def customer_list(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    as_of = today(organisation.timezone)
    currency = organisation.currency
    buckets = BucketScheme(tuple(organisation.aging_edges)).labels()
    form = CustomerFilterForm(request.GET or None, buckets=buckets, segments=selectors.segments_of(organisation))
    filters = selectors.CustomerFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CustomerFilters(
            search=data["q"],
            bucket=data["bucket"],
            segment=data["segment"],
            min_open=quantize(data["min_open"], currency) if data["min_open"] is not None else None,
            max_open=quantize(data["max_open"], currency) if data["max_open"] is not None else None,
            sort=data["sort"] or "-open",
        )
    customers = selectors.customer_list(organisation=organisation, currency=currency, as_of=as_of, filters=filters)
    # Page through ids only (an index walk), then load the fifty customers shown.
    page = Paginator(customers.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.customers_for_display(list(page.object_list), organisation, currency)
    past_due = selectors.past_due_by_customer([c.pk for c in page.object_list], currency, as_of)
    rows = [
        {
            "customer": c,
            "open": format_minor(c.balance_cents, currency) if c.balance_cents else "",
            "past_due": format_minor(past_due[c.pk], currency) if past_due.get(c.pk) else "",
            "oldest": c.oldest_due,
            "status": status_words(c.oldest_due, as_of) if c.oldest_due else "",
            "overdue": bool(c.oldest_due and c.oldest_due < as_of),
        }
        for c in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/customers.html",
        {
            "section": "customers",
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "as_of": as_of,
            "currency": currency,
            "filtered": any(request.GET.get(k) for k in ("q", "bucket", "segment", "min_open", "max_open")),
        },
    )


@org_view("read")
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    return render(request, "web/customer.html", customer_context(request, customer))


def customer_context(request: HttpRequest, customer: Customer, **forms) -> dict:
    organisation = request.organisation
    as_of = today(organisation.timezone)
    invoices = selectors.customer_open_invoices(customer)
    by_currency: dict[str, list[int]] = {}
    for invoice in invoices:
        totals = by_currency.setdefault(invoice.currency, [0, 0])
        totals[0] += invoice.open_cents
        if invoice.due_date < as_of:
            totals[1] += invoice.open_cents
    payments = selectors.customer_payments(customer)
    open_disputes = Dispute.objects.filter(customer=customer, status="open").select_related("invoice")
    phones = [c.value for c in selectors.customer_contacts(customer) if c.kind == "phone" and c.status == "active"]
    return (
        {
            "section": "customers",
            "customer": customer,
            "as_of": as_of,
            "balances": [
                {"currency": cur, "open": format_minor(o, cur), "overdue": format_minor(p, cur), "has_overdue": p > 0}
                for cur, (o, p) in by_currency.items()
            ],
            "invoices": [
                {
                    "invoice": i,
                    "open": format_minor(i.open_cents, i.currency),
                    "amount": format_minor(i.amount_cents, i.currency),
                    "status": status_words(i.due_date, as_of),
                    "overdue": i.due_date < as_of,
                }
                for i in invoices
            ],
            "contacts": [
                {"contact": c, "display": display_phone(c.value) if c.kind == "phone" else c.value}
                for c in selectors.customer_contacts(customer)
            ],
            "payments": [
                {
                    "payment": p,
                    "amount": format_minor(p.amount_cents, p.currency),
                    "unapplied": format_minor(p.amount_cents - p.applied, p.currency)
                    if p.applied < p.amount_cents
                    else "",
                }
                for p in payments
            ],
            "last_payment": payments[0] if payments else None,
            "credit_limit": format_minor(customer.credit_limit_cents, organisation.currency)
            if customer.credit_limit_cents is not None
            else "",
            "timeline": [
                {
                    "entry": e,
                    "amount": format_minor(e.amount_cents, e.currency or organisation.currency)
                    if e.amount_cents is not None
                    else "",
                }
                for e in timeline_for(customer)
            ],
            "open_disputes": open_disputes,
            "can_work": request.membership.can("work"),
            "note_form": forms.get("note_form") or NoteForm(),
            "call_form": forms.get("call_form")
            or CallForm(currency=organisation.currency, initial={"phone": phones[0] if phones else ""}),
            "dispute_form": forms.get("dispute_form") or DisputeForm(invoices=[i for i in invoices if not i.disputed]),
        }
        | panel_context(request, customer, **{k: v for k, v in forms.items() if k in PANEL_FORMS})
        | chasing_context(request, customer)
    )


@org_view("work")
@require_POST
def note_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(
                customer=customer,
                body=form.cleaned_data["body"],
                pinned=form.cleaned_data["pinned"],
                actor=request.user,
            )
            messages.success(request, "Note added.")
            return redirect("customer", slug=request.organisation.slug, pk=customer.pk)
        except ActivityError as error:
            form.add_error("body", str(error))
    return render(request, "web/customer.html", customer_context(request, customer, note_form=form), status=400)


@org_view("work")
@require_POST
def call_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = CallForm(request.POST, currency=request.organisation.currency)
    if form.is_valid():
        data = form.cleaned_data
        # The call has happened; if the rules did not allow it now, say so, so the collector learns.
        guard = contact_check(
            customer=customer,
            action=Action(Channel.CALL, address=data["phone"]),
            record=False,
        )
        try:
            call_log(
                customer=customer,
                outcome=data["outcome"],
                phone=data["phone"],
                notes=data["notes"],
                promise_date=data["promise_date"],
                promise_amount_cents=data["promise_amount"],
                actor=request.user,
                today=today(request.organisation.timezone),
            )
            messages.success(request, "Call logged.")
            if not guard.allowed:
                reasons = "; ".join(f"{v.rule}: {v.message}" for v in guard.violations)
                messages.warning(request, f"The contact rules did not allow a call now ({reasons}).")
            return redirect("customer", slug=request.organisation.slug, pk=customer.pk)
        except ActivityError as error:
            form.add_error(None, str(error))
    return render(request, "web/customer.html", customer_context(request, customer, call_form=form), status=400)


@org_view("work")
@require_POST
def dispute_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    invoices = [i for i in selectors.customer_open_invoices(customer) if not i.disputed]
    form = DisputeForm(request.POST, invoices=invoices)
    if form.is_valid():
        invoice = next(i for i in invoices if str(i.pk) == form.cleaned_data["invoice"])
        try:
            dispute_open(invoice=invoice, reason=form.cleaned_data["reason"], actor=request.user)
            messages.success(request, f"Invoice {invoice.number} marked disputed.")
            return redirect("customer", slug=request.organisation.slug, pk=customer.pk)
        except ActivityError as error:
            form.add_error("reason", str(error))
    return render(request, "web/customer.html", customer_context(request, customer, dispute_form=form), status=400)


@org_view("work")
@require_POST
def dispute_update(request: HttpRequest, pk: int, dispute_id: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    dispute = Dispute.objects.filter(customer=customer, pk=dispute_id).first()
    if dispute is None:
        raise Http404("No such dispute")
    try:
        dispute_close(
            dispute=dispute,
            status=request.POST.get("status", ""),
            resolution=request.POST.get("resolution", ""),
            actor=request.user,
        )
        messages.success(request, f"Dispute of {dispute.invoice.number} closed.")
    except ActivityError as error:
        messages.error(request, str(error))
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)
