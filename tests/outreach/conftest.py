"""Dates the outreach tests share: an invoice due on Monday 2 March 2026, and noon in New York on day n."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
DUE = date(2026, 3, 2)  # a Monday


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def noon(n: int) -> datetime:
    """Noon in New York on day ``n`` (inside every calling window), as UTC."""
    d = day(n)
    return datetime(d.year, d.month, d.day, 12, tzinfo=NEW_YORK).astimezone(UTC)
