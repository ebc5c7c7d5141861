"""Inconvenient times as people write them: "Mon-Fri 12:00-13:30 lunch", "21:00-23:00"."""

from __future__ import annotations

import re
from datetime import time

from recoup.compliance.errors import ComplianceError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PATTERN = re.compile(r"\s*([A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*\s+)?(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*(.*)")


def _days(text: str, original: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        ends = [name.strip().lower() for name in part.split("-")]
        if not all(name in DAYS for name in ends) or len(ends) > 2:
            raise ComplianceError(f"{original!r}: days are Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        a, b = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days += list(range(a, b + 1)) if a <= b else list(range(a, 7)) + list(range(0, b + 1))
    return sorted(set(days))


def parse_window(text: str) -> dict:
    """One window in the profile's JSON form ``{"days", "start", "end", "note"}``; days 0 = Monday."""
    match = _PATTERN.fullmatch(text)
    if not match:
        raise ComplianceError(f"{text!r}: write it like 'Mon-Fri 12:00-13:30 lunch' or '21:00-23:00'")
    day_text, start, end, note = match.groups()
    days = _days(day_text.strip(), text) if day_text else []
    try:
        start_at, end_at = time.fromisoformat(start.zfill(5)), time.fromisoformat(end.zfill(5))
    except ValueError:
        raise ComplianceError(f"{text!r}: times are HH:MM, from 00:00 to 23:59") from None
    if start_at == end_at:
        raise ComplianceError(f"{text!r}: the window starts and ends at the same time")
    return {"days": days, "start": start.zfill(5), "end": end.zfill(5), "note": note.strip()}


def format_window(window: dict) -> str:
    """The inverse of ``parse_window``."""
    days = window.get("days") or []
    label = ",".join(DAYS[d].title() for d in days) + " " if days else ""
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        label = f"{DAYS[days[0]].title()}-{DAYS[days[-1]].title()} "
    return f"{label}{window['start']}-{window['end']}{' ' + window['note'] if window.get('note') else ''}"
