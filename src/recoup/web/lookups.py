"""Objects named in a URL, fetched within the request's organisation (another organisation's are 404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from recoup.ledger import selectors
from recoup.ledger.models import Customer


def customer_or_404(request: HttpRequest, pk: int) -> Customer:
    try:
        return selectors.customer_get(organisation=request.organisation, pk=pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
