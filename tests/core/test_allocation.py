from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.core.allocation import OpenInvoice, OverallocationError, check_allocation, plan_allocation

balances = st.lists(st.integers(min_value=0, max_value=10**7), max_size=15)


@given(st.integers(min_value=0, max_value=10**8), balances, st.data())
def test_allocation_never_exceeds_an_invoice_nor_the_payment(amount, open_balances, data):
    invoices = [OpenInvoice(i, b) for i, b in enumerate(open_balances)]
    preferred = data.draw(st.sampled_from([None, *range(len(invoices))])) if invoices else None
    plan = plan_allocation(amount, invoices, preferred)
    by_id = {inv.invoice_id: inv.open_balance for inv in invoices}
    assert plan.applied + plan.unapplied == amount
    assert plan.applied <= amount
    assert all(0 < part <= by_id[invoice_id] for invoice_id, part in plan.parts)
    assert len({i for i, _ in plan.parts}) == len(plan.parts)
    if plan.unapplied:
        assert plan.applied == sum(by_id.values())


def test_preferred_invoice_first_then_oldest_first():
    invoices = [OpenInvoice("old", 100), OpenInvoice("mid", 100), OpenInvoice("named", 100)]
    plan = plan_allocation(250, invoices, preferred="named")
    assert plan.parts == [("named", 100), ("old", 100), ("mid", 50)]
    assert plan.unapplied == 0


def test_overpayment_stays_unapplied():
    plan = plan_allocation(500, [OpenInvoice(1, 120)])
    assert plan.parts == [(1, 120)] and plan.unapplied == 380


def test_guards():
    with pytest.raises(OverallocationError):
        plan_allocation(-1, [])
    with pytest.raises(OverallocationError):
        check_allocation(100, 90, 11)
    check_allocation(100, 90, 10)
    with pytest.raises(OverallocationError):
        check_allocation(100, 0, 0)
