"""The SQL aging report computes exactly what recoup.core.aging defines."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.core.aging import AgingBasis, Application, BucketScheme, Item, age_ledger
from recoup.demo.generator import DemoSpec, demo_load
from recoup.ledger.models import Allocation, Invoice
from recoup.reporting.aging import AgingBy, aging_report, aging_totals

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def portfolio(org):
    demo_load(org, DemoSpec(customers=120, invoices=1500, seed=11, as_of=AS_OF))
    return org


def _core(as_of, scheme, basis):
    items = [
        Item(i.id, i.customer.external_id, i.issue_date, i.due_date, i.amount_cents, i.currency)
        for i in Invoice.objects.select_related("customer")
    ]
    applications = [Application(a.invoice_id, a.applied_on, a.amount_cents) for a in Allocation.objects.all()]
    return age_ledger(items, applications, as_of, scheme, basis)


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 3, 15), dt.date(2025, 12, 31), dt.date(2025, 2, 1)])
@pytest.mark.parametrize("basis", list(AgingBasis))
@pytest.mark.parametrize("edges", [(30, 60, 90, 120), (15, 45)])
def test_sql_report_equals_the_core_definition(portfolio, as_of, basis, edges):
    scheme = BucketScheme(edges)
    expected = _core(as_of, scheme, basis)
    [report] = aging_report(portfolio, as_of, scheme, basis, AgingBy.CUSTOMER)
    core = expected.get("USD")
    if core is None:
        assert report.total_open == 0 and report.rows == []
        return
    assert report.totals == core.totals
    assert report.past_due == core.past_due and report.over_90 == core.over_90
    assert {r.customer_id: r.buckets for r in report.rows} == {c: v.buckets for c, v in core.customers.items()}
    assert {r.customer_id: (r.open_invoices, r.oldest_due_date, r.past_due) for r in report.rows} == {
        c: (v.open_invoices, v.oldest_due_date, v.past_due) for c, v in core.customers.items()
    }
    [totals_only] = aging_totals(portfolio, as_of, scheme, basis)
    assert totals_only.totals == report.totals
    [by_invoice] = aging_report(portfolio, as_of, scheme, basis, AgingBy.INVOICE)
    assert sum(r.total for r in by_invoice.rows) == report.total_open
    assert len(by_invoice.rows) == report.open_items


def test_rows_carry_contact_details(portfolio):
    [report] = aging_report(portfolio, AS_OF)
    row = report.rows[0]
    assert row.email.endswith(("@example.com", "@example.org"))
    assert row.phone.startswith("+1") and len(row.phone) == 12
    assert row.address.endswith(row.address[-5:]) and "," in row.address


def test_each_currency_gets_its_own_report(org):
    from django.utils import timezone

    from recoup.ledger.models import Customer

    now = timezone.now()
    customer = Customer.objects.create(organisation=org, external_id="X", created_at=now, updated_at=now)
    for number, currency, amount in (("1", "USD", 1000), ("2", "EUR", 700), ("3", "EUR", 300)):
        Invoice.objects.create(
            organisation=org,
            customer=customer,
            number=number,
            currency=currency,
            amount_cents=amount,
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
        )
    reports = aging_report(org, AS_OF)
    assert [(r.currency, r.total_open) for r in reports] == [("USD", 1000), ("EUR", 1000)]
    assert [r.currency for r in aging_report(org, AS_OF, currency="EUR")] == ["EUR"]


def test_empty_ledger_gives_an_empty_report_in_the_organisation_currency(org):
    [report] = aging_report(org, AS_OF)
    assert (report.currency, report.total_open, report.rows) == ("USD", 0, [])


def test_todays_report_from_customer_balances_equals_the_computed_one(org):
    from recoup.clock import today
    from recoup.ledger.models import Customer
    from recoup.ledger.services import payment_record
    from recoup.reporting import aging

    day = today(org.timezone)
    demo_load(org, DemoSpec(customers=90, invoices=900, seed=21, as_of=day))
    customer = Customer.objects.order_by("id").first()
    payment_record(organisation=org, customer=customer, payment_date=day, amount_cents=12_345, currency="USD")
    scheme = BucketScheme(tuple(org.aging_edges))
    assert aging._balances_serve(org, day, scheme)
    computed = aging._report_computed(org, day, scheme, AgingBasis.DUE, AgingBy.CUSTOMER, None)[0]
    for order in aging.ROW_ORDERS:
        [fast] = aging_report(org, day, order=order)
        assert (fast.totals, fast.past_due, fast.over_90, fast.open_items) == (
            computed.totals,
            computed.past_due,
            computed.over_90,
            computed.open_items,
        )
        expected = sorted(computed.rows, key=aging.ROW_ORDERS[order])
        assert [
            (r.customer_id, r.buckets, r.past_due, r.oldest_due_date, r.open_invoices, r.email) for r in fast.rows
        ] == [(r.customer_id, r.buckets, r.past_due, r.oldest_due_date, r.open_invoices, r.email) for r in expected], (
            order
        )
    [page] = aging_report(org, day, order="-past_due", offset=10, limit=5)
    assert page.rows_total == len(computed.rows) and len(page.rows) == 5
    assert [r.customer_id for r in page.rows] == [
        r.customer_id for r in sorted(computed.rows, key=aging.ROW_ORDERS["-past_due"])[10:15]
    ]
    # Another day, or other buckets, are computed rather than read.
    assert not aging._balances_serve(org, day - dt.timedelta(days=1), scheme)
    assert not aging._balances_serve(org, day, BucketScheme((15, 45)))
