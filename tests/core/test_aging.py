from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.core.aging import (
    AgingBasis,
    Application,
    BucketScheme,
    BucketSchemeError,
    Item,
    age_ledger,
    open_balance,
)

AS_OF = date(2026, 3, 31)


def test_default_labels_and_edges_inclusive_at_the_top():
    scheme = BucketScheme()
    assert scheme.labels() == ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert [scheme.index_for(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 120, 121, 400)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
    ]


def test_invoice_basis_has_no_current_bucket():
    scheme = BucketScheme((30, 60))
    assert scheme.labels(AgingBasis.INVOICE) == ["0-30", "31-60", "60+"]
    assert [scheme.index_for(d, AgingBasis.INVOICE) for d in (0, 30, 31, 60, 61)] == [0, 0, 1, 1, 2]


@pytest.mark.parametrize("text", ["", "30,30", "60,30", "0,30", "a,b", "-1"])
def test_bad_bucket_edges_are_refused(text):
    with pytest.raises(BucketSchemeError):
        BucketScheme.parse(text)


@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=6, unique=True).map(sorted),
    st.integers(-100, 800),
    st.sampled_from(list(AgingBasis)),
)
def test_date_edges_agree_with_day_counts(edges, age, basis):
    """SQL buckets by comparing dates with earliest_dates; that must equal counting days."""
    scheme = BucketScheme(tuple(edges))
    if basis is AgingBasis.INVOICE and age < 0:
        return
    reference = AS_OF - timedelta(days=age)
    starts = scheme.earliest_dates(AS_OF, basis)
    by_dates = next((i for i, start in enumerate(starts) if reference >= start), len(starts))
    assert by_dates == scheme.index_for(age, basis)


amounts = st.integers(min_value=0, max_value=10**9)
day_offsets = st.integers(min_value=-400, max_value=400)


@st.composite
def ledgers(draw):
    items, applications = [], []
    for number in range(draw(st.integers(0, 25))):
        issue = AS_OF + timedelta(days=draw(day_offsets))
        due = issue + timedelta(days=draw(st.integers(0, 90)))
        amount = draw(amounts)
        currency = draw(st.sampled_from(["USD", "EUR"]))
        items.append(Item(number, draw(st.integers(0, 5)), issue, due, amount, currency))
        remaining = amount
        for _ in range(draw(st.integers(0, 3))):
            if remaining == 0:
                break
            part = draw(st.integers(1, remaining))
            remaining -= part
            applications.append(Application(number, issue + timedelta(days=draw(st.integers(0, 200))), part))
    return items, applications


@given(ledgers(), st.sampled_from(list(AgingBasis)))
def test_bucket_amounts_sum_to_the_open_balance(ledger, basis):
    items, applications = ledger
    results = age_ledger(items, applications, AS_OF, BucketScheme(), basis)
    for currency in ("USD", "EUR"):
        expected = sum(
            open_balance(item.amount, [a for a in applications if a.invoice_id == item.invoice_id], AS_OF)
            for item in items
            if item.currency == currency and item.issue_date <= AS_OF
        )
        result = results.get(currency)
        assert (result.total_open if result else 0) == expected
        if result:
            assert sum(c.total for c in result.customers.values()) == expected
            assert result.past_due <= expected
            assert all(b >= 0 for b in result.totals)


def test_payments_after_the_as_of_date_do_not_count():
    item = Item(1, 1, date(2026, 1, 1), date(2026, 1, 31), 10_000, "USD")
    later = Application(1, date(2026, 4, 15), 10_000)
    result = age_ledger([item], [later], AS_OF)["USD"]
    assert result.total_open == 10_000
    assert result.totals[result.labels.index("31-60")] == 10_000
    assert age_ledger([item], [later], date(2026, 4, 15)) == {}


def test_invoices_issued_after_the_as_of_date_do_not_exist_yet():
    item = Item(1, 1, date(2026, 4, 1), date(2026, 5, 1), 500, "USD")
    assert age_ledger([item], [], AS_OF) == {}
