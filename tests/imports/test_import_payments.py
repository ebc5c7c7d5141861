from __future__ import annotations

import datetime as dt

import pytest

from recoup.imports.services import import_invoices, import_payments
from recoup.ledger.models import Allocation, Invoice, Payment
from tests.imports.helpers import invoice_row, write_csv

pytestmark = pytest.mark.django_db

PAYMENT_HEADER = [
    "customer_id",
    "invoice_number",
    "payment_date",
    "amount",
    "currency",
    "method",
    "reference",
]


@pytest.fixture
def ledger(org, tmp_path):
    rows = [
        invoice_row(1, due_date="2026-01-31", amount="100.00"),
        invoice_row(2, issue_date="2026-02-01", due_date="2026-03-03", amount="200.00"),
        invoice_row(3, issue_date="2026-03-01", due_date="2026-03-31", amount="300.00"),
        invoice_row(4, customer="C2", amount="50.00"),
    ]
    import_invoices(organisation=org, path=write_csv(tmp_path / "inv.csv", rows))
    return org


def _pay(**row) -> dict:
    base = {
        "customer_id": "C1",
        "invoice_number": "",
        "payment_date": "2026-03-05",
        "amount": "10.00",
        "currency": "",
        "method": "check",
        "reference": "",
    }
    return base | row


def _applied() -> dict[str, int]:
    totals: dict[str, int] = {}
    for allocation in Allocation.objects.select_related("invoice"):
        totals[allocation.invoice.number] = totals.get(allocation.invoice.number, 0) + allocation.amount_cents
    return totals


def test_payment_goes_to_named_invoice_then_oldest_and_leaves_the_rest_unapplied(ledger, tmp_path):
    rows = [
        _pay(invoice_number="INV-00002", amount="250.00", reference="CHK-1"),
        _pay(amount="400.00", reference="CHK-2", payment_date="2026-03-20"),
    ]
    report = import_payments(organisation=ledger, path=write_csv(tmp_path / "p.csv", rows, PAYMENT_HEADER))
    assert report.applied and report.created == 2
    assert _applied() == {"INV-00002": 20000, "INV-00001": 10000, "INV-00003": 30000}
    assert report.unapplied_cents == {"USD": 5000}  # 650.00 paid against 600.00 open
    settled = dict(Invoice.objects.values_list("number", "settled_on"))
    assert settled["INV-00001"] == dt.date(2026, 3, 20) and settled["INV-00002"] == dt.date(2026, 3, 5)
    assert settled["INV-00004"] is None


def test_payment_import_is_idempotent(ledger, tmp_path):
    rows = [_pay(amount="10.00"), _pay(amount="10.00"), _pay(amount="5.00", reference="R1")]
    path = write_csv(tmp_path / "p.csv", rows, PAYMENT_HEADER)
    first = import_payments(organisation=ledger, path=path)
    assert first.created == 3  # two identical payments without a reference are two payments
    again = import_payments(organisation=ledger, path=path)
    assert again.applied and (again.created, again.unchanged) == (0, 3)
    assert Payment.objects.count() == 3 and _applied() == {"INV-00001": 2500}


def test_payment_errors_are_reported_and_nothing_is_written(ledger, tmp_path):
    rows = [
        _pay(customer_id="NOPE", amount="5.00"),
        _pay(customer_id="C2", invoice_number="INV-00001"),
        _pay(invoice_number="INV-99999", customer_id=""),
        _pay(amount="0"),
        _pay(payment_date="yesterday"),
        _pay(customer_id="", invoice_number=""),
        _pay(invoice_number="INV-00001", currency="EUR"),
        _pay(reference="DUP", amount="1.00"),
        _pay(reference="DUP", amount="2.00"),
    ]
    report = import_payments(organisation=ledger, path=write_csv(tmp_path / "p.csv", rows, PAYMENT_HEADER))
    assert not report.applied
    got = [(e.line, e.column, e.reason) for e in report.errors]
    assert got == [
        (2, "customer_id", "no such customer in the ledger; import their invoices first"),
        (3, "customer_id", "the invoice belongs to customer C1"),
        (4, "invoice_number", "no such invoice in the ledger; import the invoices first"),
        (5, "amount", "must be more than zero"),
        (6, "payment_date", "not a date (expected YYYY-MM-DD or MM/DD/YYYY, or pass --date-format)"),
        (7, "customer_id", "needs a customer_id or an invoice_number"),
        (8, "currency", "the invoice is in USD, not EUR"),
        (9, "reference", "the same reference appears on lines 9, 10 with different payments"),
        (10, "reference", "the same reference appears on lines 9, 10 with different payments"),
    ]
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0


def test_a_reference_cannot_come_back_with_another_amount(ledger, tmp_path):
    import_payments(organisation=ledger, path=write_csv(tmp_path / "a.csv", [_pay(reference="R9")], PAYMENT_HEADER))
    report = import_payments(
        organisation=ledger,
        path=write_csv(tmp_path / "b.csv", [_pay(reference="R9", amount="11.00")], PAYMENT_HEADER),
    )
    assert not report.applied
    assert "was imported before (2026-03-05, 1000 minor units)" in report.errors[0].reason


def test_payment_before_an_invoice_exists_is_applied_when_the_invoice_is_issued(ledger, tmp_path):
    rows = [_pay(invoice_number="INV-00003", amount="300.00", payment_date="2026-02-15")]
    import_payments(organisation=ledger, path=write_csv(tmp_path / "p.csv", rows, PAYMENT_HEADER))
    allocation = Allocation.objects.get()
    assert allocation.applied_on == dt.date(2026, 3, 1)  # the invoice's issue date, not earlier


def test_overlong_text_is_a_row_error_not_a_database_error(ledger, tmp_path):
    rows = [_pay(method="Electronic funds transfer via ACH"), _pay(reference="R" * 101)]
    report = import_payments(organisation=ledger, path=write_csv(tmp_path / "p.csv", rows, PAYMENT_HEADER))
    assert [(e.line, e.column, e.reason) for e in report.errors] == [
        (2, "method", "is longer than 30 characters"),
        (3, "reference", "is longer than 100 characters"),
    ]


def test_a_payment_without_a_currency_is_in_its_invoices_currency(org, tmp_path):
    import_invoices(
        organisation=org, path=write_csv(tmp_path / "i.csv", [invoice_row(1, amount="1500", currency="JPY")])
    )
    report = import_payments(
        organisation=org,
        path=write_csv(
            tmp_path / "p.csv",
            [{"invoice_number": "INV-00001", "payment_date": "2026-02-01", "amount": "1500"}],
            ["invoice_number", "payment_date", "amount"],
        ),
    )
    assert report.applied
    payment = Payment.objects.get()
    assert (payment.currency, payment.amount_cents) == ("JPY", 1500)
    assert Invoice.objects.get().settled_on == dt.date(2026, 2, 1)
