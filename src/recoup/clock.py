"""The one place that reads the clock. Everything else takes the date it is given."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today(timezone: str = "UTC") -> date:
    """Today's date where the business is."""
    return datetime.now(ZoneInfo(timezone)).date()
