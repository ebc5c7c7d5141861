"""The validation period of a third-party collector's validation notice (F9, F10).

Receipt is assumed a number of days after sending that skips Saturdays, Sundays and the legal public
holidays of 5 USC 6103(a) (the federal holidays, with their observed days); the period then runs 30
calendar days from receipt.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

from recoup.core.compliance.rules import Policy


def legal_public_holidays(years: range) -> set[date]:
    return set(holidays.country_holidays("US", years=list(years)))


def is_business_day(day: date, closed: set[date]) -> bool:
    return day.weekday() < 5 and day not in closed


def assumed_receipt(sent_on: date, policy: Policy = Policy()) -> date:
    """The day the notice is assumed received: ``receipt_business_days`` business days after sending."""
    closed = legal_public_holidays(range(sent_on.year, sent_on.year + 2))
    day, counted = sent_on, 0
    while counted < policy.receipt_business_days:
        day += timedelta(days=1)
        if is_business_day(day, closed):
            counted += 1
    return day


def validation_period_end(sent_on: date, policy: Policy = Policy()) -> date:
    """The last day of the validation period: 30 days after the assumed receipt (1006.34(b)(5))."""
    return assumed_receipt(sent_on, policy) + timedelta(days=policy.validation_period_days)
