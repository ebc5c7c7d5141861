"""The aging page: the first screen of the workspace (issue "web workspace" grows it into the app)."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recoup.clock import today
from recoup.core.aging import AgingBasis
from recoup.core.currency import EXPONENTS
from recoup.core.money import format_minor
from recoup.ledger.contacts import display_phone
from recoup.reporting.aging import AgingBy, aging_report
from recoup.web.access import org_view

ROWS_PER_PAGE = 50
SORTS = {"name": "name", "past_due": "-past_due", "total": "-total", "oldest": "oldest"}


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


@org_view("read")
def aging_page(request: HttpRequest) -> HttpResponse:
    selected = request.organisation
    try:
        as_of = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else today(selected.timezone)
    except ValueError:
        as_of = today(selected.timezone)
    basis = AgingBasis.INVOICE if request.GET.get("basis") == "invoice" else AgingBasis.DUE
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "past_due"
    currency = request.GET.get("currency") or None
    if currency and currency not in EXPONENTS:
        currency = None
    number = _page_number(request.GET.get("page"))

    def fetch(page_number: int):
        return aging_report(
            selected,
            as_of,
            basis=basis,
            by=AgingBy.CUSTOMER,
            currency=currency,
            order=SORTS[sort],
            offset=(page_number - 1) * ROWS_PER_PAGE,
            limit=ROWS_PER_PAGE,
        )

    reports = fetch(number)
    report = reports[0]
    pages = max(1, -(-report.rows_total // ROWS_PER_PAGE))
    if number > pages:
        number = pages
        reports = fetch(number)
        report = reports[0]
    page = Paginator(range(report.rows_total), ROWS_PER_PAGE).get_page(number)
    peak = max(report.totals) or 1
    buckets = [
        {
            "label": label,
            "amount": format_minor(total, report.currency),
            "share": round(100 * total / peak),
            "tone": _tone(index, len(report.labels), basis),
        }
        for index, (label, total) in enumerate(zip(report.labels, report.totals, strict=True))
    ]
    context = {
        "section": "aging",
        "report": report,
        "currencies": sorted({r.currency for r in reports} | {selected.currency}),
        "as_of": as_of,
        "basis": basis.value,
        "sort": sort,
        "page": page,
        "buckets": buckets,
        "rows": [_row(r, report.currency, as_of) for r in report.rows],
        "total_open": format_minor(report.total_open, report.currency),
        "past_due": format_minor(report.past_due, report.currency),
        "current": format_minor(report.current, report.currency),
        "over_90": format_minor(report.over_90, report.currency),
        "customers_count": report.rows_total,
        "totals": [format_minor(t, report.currency) for t in report.totals],
    }
    return render(request, "web/aging.html", context)


def _tone(index: int, count: int, basis: AgingBasis) -> str:
    """Neutral for current, amber in the middle buckets, red for the oldest (always shown with a label)."""
    if basis is AgingBasis.DUE and index == 0:
        return "current"
    if index >= count - 2:
        return "late"
    return "mid"


def status_words(due: date | None, as_of: date) -> str:
    """UX convention: "16 days overdue", "Due today", "Due in 3 days"."""
    if due is None:
        return ""
    days = (as_of - due).days
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} overdue"
    if days == 0:
        return "Due today"
    return f"Due in {-days} day{'s' if days != -1 else ''}"


def _row(row, currency: str, as_of: date) -> dict:
    return {
        "customer_id": row.customer_id,
        "name": row.name or row.customer_id,
        "email": row.email,
        "phone": display_phone(row.phone),
        "open_invoices": row.open_invoices,
        "oldest_due_date": row.oldest_due_date,
        "buckets": [format_minor(v, currency) if v else "" for v in row.buckets],
        "past_due": format_minor(row.past_due, currency),
        "total": format_minor(row.total, currency),
        "disputed": row.disputed,
        "oldest_status": status_words(row.oldest_due_date, as_of),
    }
