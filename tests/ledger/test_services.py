from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from recoup.ledger.models import Allocation, Customer, Invoice
from recoup.ledger.services import LedgerError, credit_note_issue, payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    from django.utils import timezone

    now = timezone.now()
    return Customer.objects.create(organisation=org, external_id="C1", name="Ada", created_at=now, updated_at=now)


def _invoice(org, customer, number, amount, issue="2026-01-01", due="2026-01-31", currency="USD"):
    return Invoice.objects.create(
        organisation=org,
        customer=customer,
        number=number,
        amount_cents=amount,
        currency=currency,
        issue_date=dt.date.fromisoformat(issue),
        due_date=dt.date.fromisoformat(due),
    )


def test_payments_and_credits_settle_invoices_on_the_day_they_are_covered(org, customer):
    first = _invoice(org, customer, "1", 10000)
    second = _invoice(org, customer, "2", 5000, due="2026-02-28")
    credit_note_issue(
        organisation=org,
        customer=customer,
        number="CN1",
        issue_date=dt.date(2026, 1, 10),
        amount_cents=2500,
        currency="USD",
        invoice=first,
    )
    payment_record(
        organisation=org,
        customer=customer,
        payment_date=dt.date(2026, 2, 1),
        amount_cents=9000,
        currency="USD",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.settled_on == dt.date(2026, 2, 1)
    assert second.settled_on is None
    assert sum(a.amount_cents for a in second.allocations.all()) == 1500


def test_allocations_never_exceed_an_invoice(org, customer):
    invoice = _invoice(org, customer, "1", 1000)
    payment = payment_record(
        organisation=org,
        customer=customer,
        payment_date=dt.date(2026, 1, 5),
        amount_cents=5000,
        currency="USD",
        invoice=invoice,
        reference="R1",
    )
    assert [a.amount_cents for a in payment.allocations.all()] == [1000]
    later = payment_record(
        organisation=org,
        customer=customer,
        payment_date=dt.date(2026, 1, 6),
        amount_cents=700,
        currency="USD",
        invoice=invoice,
        reference="R2",
    )
    assert later.allocations.count() == 0


def test_currency_and_customer_mismatches_are_refused(org, customer):
    invoice = _invoice(org, customer, "1", 1000)
    with pytest.raises(LedgerError, match="is in USD"):
        payment_record(
            organisation=org,
            customer=customer,
            payment_date=dt.date(2026, 1, 5),
            amount_cents=5,
            currency="EUR",
            invoice=invoice,
        )
    with pytest.raises(LedgerError):
        payment_record(
            organisation=org,
            customer=customer,
            payment_date=dt.date(2026, 1, 5),
            amount_cents=0,
            currency="USD",
        )


def test_database_constraints_back_the_rules(org, customer):
    invoice = _invoice(org, customer, "1", 1000)
    with pytest.raises(IntegrityError):
        Allocation.objects.create(organisation=org, invoice=invoice, amount_cents=10, applied_on=dt.date(2026, 1, 1))


def test_invoice_numbers_are_unique_per_organisation(org, customer):
    _invoice(org, customer, "1", 1000)
    with pytest.raises(IntegrityError):
        _invoice(org, customer, "1", 2000)


def test_invoice_issue_checks_and_settles_zero_invoices(org, customer):
    from recoup.ledger.services import invoice_issue

    zero = invoice_issue(
        organisation=org,
        customer=customer,
        number="Z",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        amount_cents=0,
    )
    assert zero.settled_on == dt.date(2026, 1, 1) and zero.currency == "USD"
    with pytest.raises(LedgerError, match="negative"):
        invoice_issue(
            organisation=org,
            customer=customer,
            number="N",
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            amount_cents=-1,
        )
    with pytest.raises(LedgerError, match="before the issue date"):
        invoice_issue(
            organisation=org,
            customer=customer,
            number="D",
            issue_date=dt.date(2026, 2, 1),
            due_date=dt.date(2026, 1, 31),
            amount_cents=1,
        )
