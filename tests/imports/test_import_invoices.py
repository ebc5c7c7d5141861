from __future__ import annotations

import csv
import datetime as dt

import pytest
import xlsxwriter

from recoup.imports.services import ImportFailed, import_invoices
from recoup.ledger.models import ContactPoint, Customer, Invoice
from recoup.ledger.services import payment_record
from tests.imports.helpers import invoice_row, write_csv

pytestmark = pytest.mark.django_db


def test_generic_import_creates_customers_contacts_and_invoices(org, tmp_path):
    rows = [
        invoice_row(1),
        invoice_row(2, amount="$1,234.50"),
        invoice_row(3, customer="C2", phone="+1 212 555 0111"),
    ]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "inv.csv", rows))
    assert report.applied and report.errors == []
    assert (report.created, report.updated, report.unchanged, report.rejected) == (3, 0, 0, 0)
    assert report.customers_created == 2
    invoice = Invoice.objects.get(number="INV-00002")
    assert (invoice.amount_cents, invoice.currency, invoice.due_date) == (123450, "USD", dt.date(2026, 1, 31))
    contacts = {(c.customer.external_id, c.kind): c for c in ContactPoint.objects.select_related("customer")}
    assert contacts[("C1", "phone")].value == "+14155550100"
    assert contacts[("C2", "phone")].value == "+12125550111"
    assert contacts[("C1", "email")].value == "c1@example.com" and contacts[("C1", "email")].is_primary
    address = contacts[("C1", "address")]
    assert (address.line1, address.city, address.region, address.postal_code) == (
        "123 MAIN ST",
        "SPRINGFIELD",
        "IL",
        "62704",
    )


def test_reimport_is_idempotent_and_updates_changed_rows(org, tmp_path):
    rows = [invoice_row(n) for n in range(1, 6)]
    path = write_csv(tmp_path / "inv.csv", rows)
    import_invoices(organisation=org, path=path)
    again = import_invoices(organisation=org, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert Invoice.objects.count() == 5 and Customer.objects.count() == 1 and ContactPoint.objects.count() == 3
    rows[0]["amount"] = "150.00"
    rows[1]["due_date"] = "2026-02-28"
    rows.append(invoice_row(6))
    third = import_invoices(organisation=org, path=write_csv(tmp_path / "inv2.csv", rows))
    assert (third.created, third.updated, third.unchanged) == (1, 2, 3)
    assert Invoice.objects.get(number="INV-00001").amount_cents == 15000
    assert Invoice.objects.count() == 6


BAD_CASES = [
    ({"customer_id": ""}, "customer_id", "is empty; customer_id is required"),
    ({"invoice_number": " "}, "invoice_number", "is empty; invoice_number is required"),
    ({"issue_date": "31/01/2026"}, "issue_date", "looks like day/month/year; pass --date-format %d/%m/%Y"),
    ({"issue_date": "2026-02-30"}, "issue_date", "no such calendar date"),
    (
        {"due_date": "soon"},
        "due_date",
        "not a date (expected YYYY-MM-DD or MM/DD/YYYY, or pass --date-format)",
    ),
    ({"due_date": "2025-12-01"}, "due_date", "is before the issue date 2026-01-01"),
    ({"amount": "12.345"}, "amount", "has 3 decimal places; USD allows 2"),
    ({"amount": "twelve"}, "amount", "not an amount (expected digits such as 1,234.56)"),
    ({"amount": "-5.00"}, "amount", "is negative; record credits as credit notes"),
    ({"amount": "EUR 5"}, "amount", "currency EUR does not match USD"),
    ({"currency": "ZZZ"}, "currency", "not an ISO 4217 currency code"),
    ({"email": "nobody-at-example"}, "email", "not an email address"),
    ({"phone": "555-1234"}, "phone", "not a valid phone number"),
    ({"phone": "(123) 456-7890"}, "phone", "not a valid phone number"),
    ({"invoice_number": "N" * 65}, "invoice_number", "is longer than 64 characters"),
    ({"customer_id": "C" * 101}, "customer_id", "is longer than 100 characters"),
    ({"amount": "١٢٣"}, "amount", "not an amount (expected digits such as 1,234.56)"),
    ({"amount": "€5.00"}, "amount", "currency symbol € does not match USD"),
]


@pytest.mark.parametrize(("override", "column", "reason"), BAD_CASES)
def test_each_bad_value_is_reported_and_nothing_is_written(org, tmp_path, override, column, reason):
    rows = [invoice_row(1), invoice_row(2, **override), invoice_row(3)]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "bad.csv", rows))
    assert not report.applied
    assert [(e.line, e.column, e.reason) for e in report.errors] == [(3, column, reason)]
    assert report.errors[0].value == override[column].strip() or report.errors[0].value == override[column]
    assert Invoice.objects.count() == 0 and Customer.objects.count() == 0 and ContactPoint.objects.count() == 0


def test_optional_fields_disputed_terms_kind_are_checked(org, tmp_path):
    header = [
        "customer_id",
        "invoice_number",
        "issue_date",
        "due_date",
        "amount",
        "disputed",
        "terms",
        "customer_kind",
    ]
    rows = [
        {
            "customer_id": "A",
            "invoice_number": "1",
            "issue_date": "1/5/2026",
            "due_date": "2/4/2026",
            "amount": "10",
            "disputed": "Yes",
            "terms": "Net 30",
            "customer_kind": "patient",
        },
        {
            "customer_id": "B",
            "invoice_number": "2",
            "issue_date": "2026-01-05",
            "due_date": "2026-02-04",
            "amount": "10",
            "disputed": "maybe",
            "terms": "whenever",
            "customer_kind": "robot",
        },
    ]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "x.csv", rows, header))
    assert sorted((e.line, e.column, e.reason) for e in report.errors) == [
        (3, "customer_kind", "expected person or business"),
        (3, "disputed", "expected yes or no"),
        (3, "terms", "not a payment term (e.g. Net 30, Due on receipt)"),
    ]
    rows[1].update(disputed="no", terms="Due on receipt", customer_kind="company")
    assert import_invoices(organisation=org, path=write_csv(tmp_path / "y.csv", rows, header)).applied
    first = Invoice.objects.get(number="1")
    assert first.disputed and first.terms_days == 30 and first.customer.kind == "person"
    assert Customer.objects.get(external_id="B").kind == "business"


def test_ten_thousand_rows_with_three_bad_ones(org, tmp_path):
    rows = [invoice_row(n, customer=f"C{n % 700}") for n in range(1, 10_001)]
    rows[99]["amount"] = "1O0.00"  # letter O: line 101
    rows[4999]["due_date"] = "2026-13-01"  # line 5001
    rows[9998]["customer_id"] = ""  # line 10000
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "big.csv", rows))
    assert not report.applied
    assert [(e.line, e.column, e.value) for e in report.errors] == [
        (101, "amount", "1O0.00"),
        (5001, "due_date", "2026-13-01"),
        (10000, "customer_id", ""),
    ]
    assert report.rows == 10_000 and report.rejected == 3
    assert Invoice.objects.count() == 0 and Customer.objects.count() == 0


def test_quarantine_imports_the_good_rows_and_keeps_the_bad(org, tmp_path):
    rows = [invoice_row(1), invoice_row(2, amount="abc"), invoice_row(3, issue_date="", email="bad")]
    quarantine = tmp_path / "out" / "bad.csv"
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "q.csv", rows), quarantine=quarantine)
    assert report.applied and report.created == 1 and report.rejected == 2
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV-00001"]
    with quarantine.open(encoding="utf-8") as handle:
        kept = list(csv.DictReader(handle))
    assert [r["line"] for r in kept] == ["3", "4"]
    assert kept[0]["amount"] == "abc" and "amount: not an amount" in kept[0]["errors"]
    assert "issue_date: is empty" in kept[1]["errors"] or "issue_date: not a date" in kept[1]["errors"]
    assert "email: not an email address" in kept[1]["errors"]


def test_conflicting_duplicate_numbers_are_errors_identical_ones_are_skipped(org, tmp_path):
    rows = [invoice_row(1), invoice_row(1), invoice_row(2), invoice_row(2, amount="99.00")]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "d.csv", rows))
    assert [(e.line, e.column, e.reason) for e in report.errors] == [
        (4, "invoice_number", "appears on lines 4, 5 with different values"),
        (5, "invoice_number", "appears on lines 4, 5 with different values"),
    ]
    ok = import_invoices(organisation=org, path=write_csv(tmp_path / "e.csv", rows[:3]))
    assert ok.applied and ok.created == 2 and ok.duplicates == 1


def test_rows_that_contradict_the_ledger_are_rejected(org, tmp_path):
    import_invoices(organisation=org, path=write_csv(tmp_path / "a.csv", [invoice_row(1)]))
    invoice = Invoice.objects.get()
    payment_record(
        organisation=org,
        customer=invoice.customer,
        payment_date=dt.date(2026, 1, 10),
        amount_cents=8000,
        currency="USD",
        invoice=invoice,
    )
    rows = [invoice_row(1, customer="OTHER"), invoice_row(1, amount="50.00")]
    first = import_invoices(organisation=org, path=write_csv(tmp_path / "b.csv", rows[:1]))
    assert [(e.column, e.reason) for e in first.errors] == [
        ("customer_id", "invoice INV-00001 belongs to customer C1 in the ledger")
    ]
    second = import_invoices(organisation=org, path=write_csv(tmp_path / "c.csv", rows[1:]))
    assert [(e.column, e.reason) for e in second.errors] == [
        ("amount", "is less than the 8000 (minor units) already paid or credited")
    ]
    assert Invoice.objects.get().amount_cents == 10000


def test_missing_required_column_and_bad_map_fail_clearly(org, tmp_path):
    path = write_csv(tmp_path / "m.csv", [{"cust": "C1", "number": "1", "issued": "2026-01-01", "due": "2026-01-31"}])
    with pytest.raises(ImportFailed, match="no column for required field.*customer_id.*amount"):
        import_invoices(organisation=org, path=path)
    with pytest.raises(ImportFailed, match="'owed' is not a field"):
        import_invoices(organisation=org, path=path, mappings=["cust=owed"])
    with pytest.raises(ImportFailed, match="column 'nope'"):
        import_invoices(organisation=org, path=path, mappings=["nope=amount"])


def test_map_option_and_case_insensitive_headers(org, tmp_path):
    rows = [
        {
            "Cust No": "C9",
            "Invoice Number": "A-1",
            "ISSUE DATE": "2026-03-01",
            "Due Date": "2026-03-31",
            "Total Due": "1,000",
        }
    ]
    report = import_invoices(
        organisation=org,
        path=write_csv(tmp_path / "m.csv", rows),
        mappings=["Cust No=customer_id", "Total Due=amount"],
    )
    assert report.applied and Invoice.objects.get().amount_cents == 100000


def test_day_first_dates_with_date_format(org, tmp_path):
    rows = [invoice_row(1, issue_date="31/01/2026", due_date="02/03/2026")]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "d.csv", rows), date_format="%d/%m/%Y")
    assert report.applied
    assert Invoice.objects.get().due_date == dt.date(2026, 3, 2)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_encodings(org, tmp_path, encoding):
    rows = [invoice_row(1, customer_name="Café Müller Zahnärzte")]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "e.csv", rows, encoding=encoding))
    assert report.applied
    assert Customer.objects.get().name == "Café Müller Zahnärzte"


def test_semicolon_delimited_files(org, tmp_path):
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "s.csv", [invoice_row(1)], delimiter=";"))
    assert report.applied and report.created == 1


def test_ragged_rows_are_row_errors_and_can_be_quarantined(org, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "customer_id,invoice_number,issue_date,due_date,amount\n"
        "C1,1,2026-01-01,2026-01-31,5\n"
        "C1,2,2026-01-01,2026-01-31,5,extra\n"
        "C1,3,2026-01-01,2026-01-31,x\n",
        encoding="utf-8",
    )
    report = import_invoices(organisation=org, path=path)
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "has 6 fields; the header has 5"),
        (4, "not an amount (expected digits such as 1,234.56)"),
    ]
    assert not report.applied and Invoice.objects.count() == 0
    report = import_invoices(organisation=org, path=path, quarantine=tmp_path / "bad.csv")
    assert report.applied and list(Invoice.objects.values_list("number", flat=True)) == ["1"]
    assert "has 6 fields" in (tmp_path / "bad.csv").read_text()


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers(org, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        "customer_id,invoice_number,issue_date,due_date,amount\r\n"
        "C1,1,2026-01-01,2026-01-31,5\r\n\r\n,,,,\r\n"
        "C1,2,2026-01-01,2026-01-31,bad\r\n\r\n",
        encoding="utf-8",
    )
    report = import_invoices(organisation=org, path=path)
    assert [(e.line, e.column) for e in report.errors] == [(5, "amount")]


def test_repeated_or_ambiguous_columns_are_refused(org, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("customer_id,invoice_number,issue_date,due_date,amount,Amount\nC1,1,2026-01-01,2026-01-31,5,6\n")
    with pytest.raises(ImportFailed, match="appears twice"):
        import_invoices(organisation=org, path=path)
    path.write_text(
        "customer_id,invoice_number,Invoice Number,issue_date,due_date,amount\nC1,1,2,2026-01-01,2026-01-31,5\n"
    )
    with pytest.raises(ImportFailed, match="both look like invoice_number"):
        import_invoices(organisation=org, path=path)
    assert import_invoices(organisation=org, path=path, mappings=["invoice_number=invoice_number"]).applied
    assert Invoice.objects.get().number == "1"


def test_bom_followed_by_windows_1252_text(org, tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(
        b"\xef\xbb\xbfcustomer_id,customer_name,invoice_number,issue_date,due_date,amount\r\n"
        b"C1,Caf\xe9,1,2026-01-01,2026-01-31,5\r\n"
    )
    assert import_invoices(organisation=org, path=path).applied
    assert Customer.objects.get().name == "Café"


def test_xlsx_with_date_cells_and_numeric_amounts(org, tmp_path):
    path = tmp_path / "inv.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Invoices")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Customer ID", "Invoice Number", "Issue Date", "Due Date", "Amount"])
    sheet.write_row(1, 0, ["C1", "0001"])
    sheet.write_datetime(1, 2, dt.datetime(2026, 1, 2), date_format)
    sheet.write_datetime(1, 3, dt.datetime(2026, 2, 1), date_format)
    sheet.write_number(1, 4, 55.94)
    sheet.write_row(2, 0, ["C2", "0002", "2026-01-03", "1/31/2026", "1,234.50"])
    sheet.write_row(3, 0, ["C3", "0003", "2026-01-03", "2026-01-31", 10.123])
    workbook.close()
    report = import_invoices(organisation=org, path=path)
    assert [(e.line, e.column) for e in report.errors] == [(4, "Amount")]
    report = import_invoices(organisation=org, path=path, quarantine=tmp_path / "q.csv")
    first = Invoice.objects.get(number="0001")
    assert (first.issue_date, first.due_date, first.amount_cents) == (
        dt.date(2026, 1, 2),
        dt.date(2026, 2, 1),
        5594,
    )
    assert Invoice.objects.get(number="0002").amount_cents == 123450


def test_import_runs_are_recorded_even_when_rejected(org, tmp_path):
    from recoup.imports.models import ImportRun

    import_invoices(organisation=org, path=write_csv(tmp_path / "x.csv", [invoice_row(1, amount="x")]))
    run = ImportRun.objects.get()
    assert run.status == "rejected" and run.errors[0][:2] == [2, "amount"] and run.counts["rejected"] == 1


def test_xlsx_line_numbers_match_the_sheet_and_date_cells_work_with_a_date_format(org, tmp_path):
    # The table starts at B3, as exports with margins do; row 5 is empty.
    path = tmp_path / "offset.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(2, 1, ["customer_id", "invoice_number", "issue_date", "due_date", "amount"])
    sheet.write_row(3, 1, ["C1", "1"])
    sheet.write_datetime(3, 3, dt.datetime(2026, 1, 2, 13, 45), stamp)
    sheet.write_datetime(3, 4, dt.datetime(2026, 2, 1))  # no number format: arrives as a day serial
    sheet.write(3, 5, 5)
    sheet.write_row(5, 1, ["C1", "2", "01/02/2026", "02/01/2026", "oops"])  # row 6 in the sheet
    workbook.close()
    report = import_invoices(organisation=org, path=path, date_format="%m/%d/%Y")
    assert [(e.line, e.column) for e in report.errors] == [(6, "amount")]
    import_invoices(organisation=org, path=path, date_format="%m/%d/%Y", quarantine=tmp_path / "q.csv")
    first = Invoice.objects.get(number="1")
    assert (first.issue_date, first.due_date) == (dt.date(2026, 1, 2), dt.date(2026, 2, 1))


def test_reimport_without_optional_columns_keeps_their_values(org, tmp_path):
    header = ["customer_id", "invoice_number", "issue_date", "due_date", "amount", "terms", "disputed"]
    row = {
        "customer_id": "C1",
        "invoice_number": "1",
        "issue_date": "2026-01-01",
        "due_date": "2026-01-31",
        "amount": "10",
        "terms": "Net 30",
        "disputed": "yes",
    }
    import_invoices(organisation=org, path=write_csv(tmp_path / "a.csv", [row], header))
    again = import_invoices(organisation=org, path=write_csv(tmp_path / "b.csv", [row], header[:5]))
    assert (again.updated, again.unchanged) == (0, 1)
    invoice = Invoice.objects.get()
    assert (invoice.terms_days, invoice.disputed) == (30, True)


IBM_HEADER = [
    "countryCode",
    "customerID",
    "PaperlessDate",
    "invoiceNumber",
    "InvoiceDate",
    "DueDate",
    "InvoiceAmount",
    "Disputed",
    "SettledDate",
    "PaperlessBill",
    "DaysToSettle",
    "DaysLate",
]


def _ibm_row(number="0000611365", amount="55.94", settled="1/15/2013"):
    return {
        "countryCode": "391",
        "customerID": "0379-NEVHP",
        "PaperlessDate": "4/6/2013",
        "invoiceNumber": number,
        "InvoiceDate": "1/2/2013",
        "DueDate": "2/1/2013",
        "InvoiceAmount": amount,
        "Disputed": "No",
        "SettledDate": settled,
        "PaperlessBill": "Paper",
        "DaysToSettle": "13",
        "DaysLate": "0",
    }


def test_ibm_profile_exact_repeats_record_one_payment(org, tmp_path):
    rows = [_ibm_row(), _ibm_row(), _ibm_row("0000000002")]
    report = import_invoices(organisation=org, path=write_csv(tmp_path / "i.csv", rows, IBM_HEADER), profile="ibm-ar")
    assert report.applied and (report.created, report.payments_created, report.duplicates) == (2, 2, 1)
    assert Customer.objects.get().segment == "country-391"


def test_ibm_profile_refuses_a_settlement_that_changed(org, tmp_path):
    import_invoices(organisation=org, path=write_csv(tmp_path / "a.csv", [_ibm_row()], IBM_HEADER), profile="ibm-ar")
    later = import_invoices(
        organisation=org,
        path=write_csv(tmp_path / "b.csv", [_ibm_row(settled="1/20/2013")], IBM_HEADER),
        profile="ibm-ar",
    )
    assert not later.applied
    assert later.errors[0].column == "SettledDate" and "recorded as settled on 2013-01-15" in later.errors[0].reason
    bigger = import_invoices(
        organisation=org, path=write_csv(tmp_path / "c.csv", [_ibm_row(amount="60.00")], IBM_HEADER), profile="ibm-ar"
    )
    assert not bigger.applied and "5594 minor units" in bigger.errors[0].reason
    invoice = Invoice.objects.get()
    assert (invoice.amount_cents, invoice.applied_cents, invoice.settled_on) == (5594, 5594, dt.date(2013, 1, 15))
