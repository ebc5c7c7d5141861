"""KPIs from a small ledger, checked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from recoup.ledger.models import Customer, Invoice
from recoup.ledger.services import credit_note_issue, payment_record
from recoup.organisations.services import balance_sheet_record
from recoup.reporting.kpis import kpis_get

pytestmark = pytest.mark.django_db
D = dt.date


def test_kpis_on_a_hand_checked_ledger(org):
    now = timezone.now()
    c = Customer.objects.create(organisation=org, external_id="C", created_at=now, updated_at=now)

    def invoice(number, amount, issue, due):
        return Invoice.objects.create(
            organisation=org,
            customer=c,
            number=number,
            amount_cents=amount,
            currency="USD",
            issue_date=issue,
            due_date=due,
        )

    # Period: 30 days ending 2026-06-30, so it starts after 2026-05-31.
    a = invoice("A", 100_000, D(2026, 3, 1), D(2026, 3, 31))  # before the period; 91 days past due at the end
    b = invoice("B", 50_000, D(2026, 5, 1), D(2026, 5, 31))  # before the period; paid in it
    invoice("C", 200_000, D(2026, 6, 5), D(2026, 6, 20))  # in the period, past due at the end
    d = invoice("D", 300_000, D(2026, 6, 20), D(2026, 7, 20))  # in the period, current at the end
    invoice("E", 999_999, D(2026, 7, 1), D(2026, 7, 31))  # after the period: ignored
    payment_record(
        organisation=org,
        customer=c,
        payment_date=D(2026, 6, 10),
        amount_cents=50_000,
        currency="USD",
        invoice=b,
    )
    credit_note_issue(
        organisation=org,
        customer=c,
        number="CN",
        issue_date=D(2026, 6, 25),
        amount_cents=100_000,
        currency="USD",
        invoice=d,
    )
    payment_record(
        organisation=org,
        customer=c,
        payment_date=D(2026, 5, 15),
        amount_cents=40_000,
        currency="USD",
        invoice=a,
    )

    [k] = kpis_get(org, D(2026, 6, 30), 30)
    # AR at start (2026-05-31): A 1,000 - 400 + B 500 = 1,100. Sales in (05-31, 06-30]: C 2,000 + D 3,000.
    # AR at end: A 600 + C 2,000 + D 2,000 = 4,600; current: D 2,000; past due 2,600; over 90: A 600.
    assert (k.open_ar_start, k.credit_sales, k.open_ar, k.current_ar, k.past_due_ar) == (
        110_000,
        500_000,
        460_000,
        200_000,
        260_000,
    )
    assert k.dso == Decimal("27.60")  # 4,600 / 5,000 x 30
    assert k.best_possible_dso == Decimal("12.00")  # 2,000 / 5,000 x 30
    assert k.add == Decimal("15.60")
    assert k.cei == Decimal("36.59")  # (1,100 + 5,000 - 4,600) / (1,100 + 5,000 - 2,000) = 1,500 / 4,100
    assert k.pct_over_90 == Decimal("13.04")  # 600 / 4,600
    assert k.working_capital is None
    balance_sheet_record(
        organisation=org,
        as_of=D(2026, 6, 1),
        current_assets_cents=10_000_00,
        current_liabilities_cents=4_000_00,
    )
    [k] = kpis_get(org, D(2026, 6, 30), 30)
    assert k.working_capital == 6_000_00
