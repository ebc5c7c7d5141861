"""The owner's dashboard: how much is owed, how late, and whether collection is getting better."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recoup.clock import today
from recoup.core.money import format_minor
from recoup.reporting.dashboard import dashboard_get
from recoup.web import charts
from recoup.web.access import org_view
from recoup.web.views.aging import status_words


def _tile(label: str, now, before, *, money: str | None = None, unit: str = "", better: str = "down") -> dict:
    """A headline figure and its change over 30 days; ``better`` says which way is good news."""
    shown = "n/a" if now is None else (format_minor(now, money) if money else f"{now}{unit}")
    change, tone = "", "flat"
    if now is not None and before is not None:
        delta = Decimal(now - before)
        if delta:
            tone = "good" if (delta < 0) == (better == "down") else "bad"
            amount = format_minor(abs(int(delta)), money) if money else f"{abs(delta)}{unit}"
            change = f"{'▲' if delta > 0 else '▼'} {amount}"
        else:
            change = "no change"
    return {"label": label, "value": shown, "change": change, "tone": tone}


@org_view("read")
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    as_of = today(organisation.timezone)
    board = dashboard_get(organisation, as_of, request.GET.get("currency"))
    now, before, cur = board.now, board.before, board.currency

    def was(attr):
        return getattr(before, attr) if before else None

    tiles = [
        _tile("Open AR", now.open_ar, was("open_ar"), money=cur),
        _tile("Past due", now.past_due_ar, was("past_due_ar"), money=cur),
        _tile("DSO", now.dso, was("dso"), unit=" days"),
        _tile("CEI", now.cei, was("cei"), unit="%", better="up"),
        _tile("Over 90 days", now.pct_over_90, was("pct_over_90"), unit="%"),
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "section": "dashboard",
            "board": board,
            "tiles": tiles,
            "as_of": as_of,
            "aging_chart": charts.aging_over_time(board) if any(board.bucket_totals) else None,
            "trend_chart": charts.collection_trend(board) if len(board.trend) > 1 else None,
            "top": [
                {
                    **row,
                    "past_due_text": format_minor(row["past_due"], cur),
                    "open_text": format_minor(row["open_cents"], cur),
                    "status": status_words(row["oldest"], as_of),
                }
                for row in board.top_customers
            ],
        },
    )
