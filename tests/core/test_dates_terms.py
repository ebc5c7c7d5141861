from __future__ import annotations

from datetime import date

import pytest

from recoup.core.dates import DateParseError, parse_date
from recoup.core.terms import TermsParseError, due_date_for, parse_terms, terms_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14", date(2026, 3, 14)),
        ("3/14/2026", date(2026, 3, 14)),
        ("03/04/2026", date(2026, 3, 4)),
        ("2026-03-14 00:00:00", date(2026, 3, 14)),
        (" 1/2/2013 ", date(2013, 1, 2)),
    ],
)
def test_iso_and_us_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("14/3/2026", "day/month/year"),
        ("2/30/2026", "no such calendar date"),
        ("2026-13-01", "no such"),
        ("March 3", "not a date"),
        ("3/4/26", "not a date"),
    ],
)
def test_bad_dates_say_why(text, reason):
    with pytest.raises(DateParseError) as caught:
        parse_date(text)
    assert reason in caught.value.reason


def test_explicit_format():
    assert parse_date("14/03/2026", "%d/%m/%Y") == date(2026, 3, 14)
    with pytest.raises(DateParseError):
        parse_date("2026-03-14", "%d/%m/%Y")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Net 30", 30),
        ("net30", 30),
        ("N45", 45),
        ("60 days", 60),
        ("15", 15),
        ("Due on receipt", 0),
        ("COD", 0),
    ],
)
def test_terms(text, days):
    assert parse_terms(text) == days


def test_terms_errors_and_helpers():
    with pytest.raises(TermsParseError):
        parse_terms("whenever")
    assert due_date_for(date(2026, 1, 31), 30) == date(2026, 3, 2)
    assert terms_label(0) == "Due on receipt" and terms_label(30) == "Net 30"
