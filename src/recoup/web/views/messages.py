"""Public pages a reminder links to, reached by the message's unguessable token (no login):
the open pixel, the "Pay or view" link (counts a click, then the business's payment page or the statement),
the statement, and the one-click unsubscribe (RFC 8058: a POST from the mail provider, or the button here)."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from recoup.core.money import format_minor
from recoup.ledger.models import Invoice
from recoup.outreach.models import Message
from recoup.outreach.services import message_clicked, message_opened, unsubscribe
from recoup.outreach.setup import outreach_settings_of

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    message_opened(token)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def pay(request: HttpRequest, token: str) -> HttpResponse:
    message = message_clicked(token)
    if message is None:
        raise Http404("This link is not valid.")
    settings = outreach_settings_of(message.customer.organisation)
    target = settings.pay_url or f"/m/{token}/"
    return HttpResponseRedirect(target)


@never_cache
def statement(request: HttpRequest, token: str) -> HttpResponse:
    message = Message.objects.select_related("customer__organisation", "touch").filter(token=token).first()
    if message is None:
        raise Http404("This link is not valid.")
    customer = message.customer
    currency = message.touch.currency if message.touch else customer.organisation.currency
    rows, total = [], 0
    for invoice in Invoice.objects.filter(
        customer=customer, currency=currency, settled_on__isnull=True, disputed=False
    ).order_by("due_date", "id"):
        open_cents = invoice.amount_cents - invoice.applied_cents
        if open_cents > 0:
            total += open_cents
            rows.append({"number": invoice.number, "due": invoice.due_date, "open": format_minor(open_cents, currency)})
    return render(
        request,
        "web/public_statement.html",
        {
            "business": outreach_settings_of(customer.organisation),
            "organisation": None,
            "public_org": customer.organisation,
            "customer": customer,
            "rows": rows,
            "total": format_minor(total, currency),
            "token": token,
            "unsubscribed": message.unsubscribed_at is not None,
            "can_unsubscribe": message.channel == "email",
        },
    )


@csrf_exempt  # mail providers POST one-click unsubscribes without a form; the token is the credential
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    message = Message.objects.select_related("customer__organisation").filter(token=token).first()
    if message is None:
        raise Http404("This link is not valid.")
    if message.channel != "email":
        raise Http404("This link does not unsubscribe anything.")
    done = message.unsubscribed_at is not None
    if request.method == "POST":
        done = unsubscribe(token) is not None
    return render(
        request,
        "web/public_unsubscribe.html",
        {
            "organisation": None,
            "public_org": message.customer.organisation,
            "address": message.to_address,
            "done": done,
            "token": token,
        },
    )
