"""Payment terms: how many days after the invoice date an invoice falls due."""

from __future__ import annotations

import re
from datetime import date, timedelta

_NET_RE = re.compile(r"^\s*(?:net|n)\s*[-_ ]?\s*(\d{1,3})\s*(?:days?)?\s*$", re.IGNORECASE)
_DAYS_RE = re.compile(r"^\s*(\d{1,3})\s*(?:days?|d)?\s*$", re.IGNORECASE)
_ON_RECEIPT = {"due on receipt", "on receipt", "cod", "due upon receipt", "immediate"}


class TermsParseError(ValueError):
    pass


def parse_terms(text: str) -> int:
    """``'Net 30'``, ``'net30'``, ``'30'``, ``'30 days'`` -> 30; ``'Due on receipt'`` -> 0."""
    if text.strip().lower() in _ON_RECEIPT:
        return 0
    for pattern in (_NET_RE, _DAYS_RE):
        match = pattern.match(text)
        if match:
            return int(match.group(1))
    raise TermsParseError(f"{text!r} is not a payment term (expected e.g. 'Net 30' or 'Due on receipt')")


def due_date_for(issue_date: date, terms_days: int) -> date:
    return issue_date + timedelta(days=terms_days)


def terms_label(terms_days: int) -> str:
    return "Due on receipt" if terms_days == 0 else f"Net {terms_days}"
