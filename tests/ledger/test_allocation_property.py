"""Whatever payments and credits arrive, in whatever order, no invoice is ever over-applied and the
derived fields on invoices always agree with the allocations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.ledger.services import credit_note_issue, invoice_issue, payment_record
from recoup.organisations.services import organisation_ensure_default

events = st.lists(
    st.tuples(
        st.sampled_from(["payment", "credit"]),
        st.integers(1, 30_000),
        st.integers(0, 120),
        st.one_of(st.none(), st.integers(0, 4)),
    ),
    min_size=1,
    max_size=12,
)


class AllocationInvariants(TestCase):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(amounts=st.lists(st.integers(0, 20_000), min_size=1, max_size=5), events=events)
    def test_invoices_are_never_over_applied(self, amounts, events):
        org, _ = organisation_ensure_default()
        now = timezone.now()
        customer = Customer.objects.create(organisation=org, external_id="C", created_at=now, updated_at=now)
        start = dt.date(2026, 1, 1)
        invoices = [
            invoice_issue(
                organisation=org,
                customer=customer,
                number=str(n),
                amount_cents=amount,
                issue_date=start + dt.timedelta(days=n * 10),
                due_date=start + dt.timedelta(days=n * 10 + 30),
            )
            for n, amount in enumerate(amounts)
        ]
        received = 0
        for index, (kind, cents, day, target) in enumerate(events):
            invoice = invoices[target] if target is not None and target < len(invoices) else None
            when = start + dt.timedelta(days=day)
            if kind == "payment":
                payment_record(
                    organisation=org,
                    customer=customer,
                    payment_date=when,
                    amount_cents=cents,
                    currency="USD",
                    invoice=invoice,
                    reference=f"R{index}",
                )
            else:
                credit_note_issue(
                    organisation=org,
                    customer=customer,
                    number=f"CN{index}",
                    issue_date=when,
                    amount_cents=cents,
                    currency="USD",
                    invoice=invoice,
                )
            received += cents
        applied_total = 0
        for invoice in Invoice.objects.all():
            applied = invoice.allocations.aggregate(total=Sum("amount_cents"))["total"] or 0
            assert applied <= invoice.amount_cents
            assert invoice.applied_cents == applied
            dates = list(invoice.allocations.values_list("applied_on", flat=True))
            assert invoice.last_applied_on == (max(dates) if dates else None)
            assert (invoice.settled_on is not None) == (applied == invoice.amount_cents)
            applied_total += applied
        for payment in Payment.objects.all():
            assert (payment.allocations.aggregate(total=Sum("amount_cents"))["total"] or 0) <= payment.amount_cents
        assert applied_total == (Allocation.objects.aggregate(total=Sum("amount_cents"))["total"] or 0)
        # Money is applied while any invoice is open: whatever is left unapplied means all are paid.
        assert applied_total <= min(received, sum(amounts))
        if received > applied_total:
            assert applied_total == sum(amounts)


pytestmark = pytest.mark.django_db
