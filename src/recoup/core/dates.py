"""Dates as people and accounting exports write them.

Recoup reads ISO dates (``2026-03-14``, optionally with a midnight time as spreadsheets export them) and
US dates (``3/14/2026``) without being told. Anything else, or a file written day-first, needs an
explicit strptime-style format (``--date-format %d/%m/%Y``). The import path applies the same shapes
column-wise, so the patterns live here once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# ASCII digits only ([0-9], not \d, which also matches other scripts' digits).
ISO_PATTERN = r"^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?\s*$"
US_PATTERN = r"^\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*$"
_ISO_RE = re.compile(ISO_PATTERN)
_US_RE = re.compile(US_PATTERN)

AUTO = "auto"
"""The default date format: ISO or US month/day/year."""


class DateParseError(ValueError):
    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


def parse_date(text: str, date_format: str = AUTO) -> date:
    """Parse one date. ``date_format`` is ``'auto'`` (ISO or US) or a strptime format."""
    if date_format != AUTO:
        try:
            return datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            raise DateParseError(text, f"not a date in the format {date_format}") from None
    for pattern, order in ((_ISO_RE, (0, 1, 2)), (_US_RE, (2, 0, 1))):
        match = pattern.match(text)
        if match:
            parts = match.groups()
            year, month, day = (int(parts[i]) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                raise DateParseError(text, auto_date_reason(text)) from None
    raise DateParseError(text, auto_date_reason(text))


def auto_date_reason(text: str) -> str:
    """Why ``text`` is not an ISO or US date, with the way out when it looks day-first."""
    match = _US_RE.match(text)
    if match:
        first, second, _ = (int(p) for p in match.groups())
        if first > 12 and second <= 12:
            return "looks like day/month/year; pass --date-format %d/%m/%Y"
        return "no such calendar date"
    if _ISO_RE.match(text):
        return "no such calendar date"
    return "not a date (expected YYYY-MM-DD or MM/DD/YYYY, or pass --date-format)"


def days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return (end - start).days


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
