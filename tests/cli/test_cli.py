"""The `recoup` command as a user runs it: init, import, reports in every format."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from recoup.cli import app
from tests.imports.helpers import invoice_row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def ledger(tmp_path):
    code, out = run("init", "--name", "Smile Dental")
    assert code == 0 and "Created organisation default" in out
    rows = [
        invoice_row(1, due_date="2026-01-31"),
        invoice_row(2, customer="C2", amount="2,500.00", due_date="2026-05-31"),
    ]
    code, out = run("import", "invoices", str(write_csv(tmp_path / "inv.csv", rows)))
    assert code == 0, out
    assert "invoices created 2" in out
    return tmp_path


def test_aging_json_has_the_documented_shape(ledger):
    code, out = run("report", "aging", "--as-of", "2026-03-15", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {"as_of", "currency", "buckets", "totals", "total_open", "rows"} <= set(doc)
    assert doc["buckets"] == ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert doc["totals"]["31-60"] == "100.00" and doc["totals"]["Current"] == "2500.00"
    assert doc["total_open"] == "2600.00"
    row = next(r for r in doc["rows"] if r["customer_id"] == "C1")
    assert row["email"] == "c1@example.com" and row["phone"] == "+14155550100"
    assert row["buckets"]["31-60"] == "100.00" and row["past_due"] == "100.00"


def test_aging_by_invoice_and_by_invoice_date(ledger):
    code, out = run(
        "report",
        "aging",
        "--as-of",
        "2026-03-15",
        "--by",
        "invoice",
        "--basis",
        "invoice",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["buckets"][0] == "0-30" and len(doc["rows"]) == 2
    assert {r["invoice_number"]: r["days_past_due"] for r in doc["rows"]} == {
        "INV-00001": 43,
        "INV-00002": -77,
    }


def test_aging_csv_and_xlsx(ledger):
    code, out = run("report", "aging", "--as-of", "2026-03-15", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("Customer ID,Name,Email,Phone,Address")
    assert lines[-1].startswith("Total,")
    target = ledger / "aging.xlsx"
    code, _ = run("report", "aging", "--as-of", "2026-03-15", "--format", "xlsx", "--output", str(target))
    assert code == 0
    sheet = pl.read_excel(target)
    assert sheet.columns[:3] == ["Customer ID", "Name", "Email"]
    assert sheet.filter(pl.col("Customer ID") == "Total")["Total"].to_list() == [2600.0]
    code, out = run("report", "aging", "--format", "xlsx")
    assert code == 2 and "needs --output" in out


def test_kpis_json_keys(ledger):
    code, out = run("report", "kpis", "--as-of", "2026-03-15", "--period-days", "90", "--format", "json")
    doc = json.loads(out)
    assert {
        "open_ar",
        "past_due_ar",
        "pct_over_90",
        "dso",
        "best_possible_dso",
        "add",
        "cei",
        "ar_turnover",
    } <= set(doc)
    assert doc["open_ar"] == "2600.00" and doc["past_due_ar"] == "100.00"
    # Sales in (2025-12-15, 2026-03-15]: both invoices, issued 2026-01-01: 2,600. DSO = 2,600/2,600*90.
    assert doc["dso"] == 90.0 and doc["best_possible_dso"] == pytest.approx(86.54)


def test_import_errors_exit_nonzero_and_list_every_problem(ledger):
    rows = [invoice_row(5, amount="abc"), invoice_row(6, issue_date="13/13/2026")]
    code, out = run("import", "invoices", str(write_csv(ledger / "bad.csv", rows)), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["applied"] is False
    assert [(e["line"], e["column"]) for e in doc["errors"]] == [(2, "amount"), (3, "issue_date")]


def test_unknown_file_and_profile(ledger):
    code, out = run("import", "invoices", str(ledger / "missing.csv"))
    assert code == 2 and "no such file" in out
    code, out = run("import", "invoices", str(ledger / "inv.csv"), "--profile", "nope")
    assert code == 2 and "unknown profile" in out


def test_snapshot_and_trend(ledger):
    code, out = run("snapshot", "--as-of", "2026-03-15", "--backfill-days", "40")
    assert code == 0 and "Stored 41 daily snapshot(s)" in out
    code, out = run(
        "report", "trend", "--as-of", "2026-03-15", "--days", "5", "--period-days", "30", "--format", "json"
    )
    points = json.loads(out)
    assert [p["as_of"] for p in points] == [f"2026-03-{d:02d}" for d in range(10, 16)]
    code, direct = run("report", "kpis", "--as-of", "2026-03-15", "--period-days", "30", "--format", "json")
    assert points[-1]["dso"] == json.loads(direct)["dso"]


def test_balance_sheet_gives_working_capital(ledger):
    code, _ = run(
        "org",
        "balance-sheet",
        "--current-assets",
        "$12,000",
        "--current-liabilities",
        "5000",
        "--as-of",
        "2026-03-01",
    )
    assert code == 0
    code, out = run("report", "kpis", "--as-of", "2026-03-15", "--format", "json")
    assert json.loads(out)["working_capital"] == "7000.00"


def test_several_organisations_need_org(ledger):
    code, _ = run("org", "add", "acme", "--name", "Acme Supply", "--currency", "EUR", "--timezone", "Europe/Berlin")
    assert code == 0
    code, out = run("report", "aging")
    assert code == 2 and "pass --org SLUG" in out
    code, out = run("report", "aging", "--org", "acme", "--format", "json")
    assert code == 0 and json.loads(out)["currency"] == "EUR"
    code, out = run("org", "add", "bad", "--name", "B", "--timezone", "Mars/Olympus")
    assert code == 2 and "not a time zone" in out


def test_demo_refuses_to_replace_imported_data(ledger):
    code, out = run("demo", "--customers", "10", "--invoices", "50", "--snapshot-days", "0")
    assert code == 2 and "holds imported data" in out
    code, out = run("demo", "--customers", "10", "--invoices", "50", "--snapshot-days", "3", "--force")
    assert code == 0 and "10 customers, 50 invoices" in out


def test_xlsx_money_columns_use_the_currencys_decimals(ledger, tmp_path):
    import zipfile

    rows = [invoice_row(9, customer="K1", amount="1.234", currency="KWD")]
    run("import", "invoices", str(write_csv(tmp_path / "kwd.csv", rows)))
    target = tmp_path / "kwd.xlsx"
    code, _ = run(
        "report", "aging", "--as-of", "2026-03-15", "--currency", "KWD", "--format", "xlsx", "--output", str(target)
    )
    assert code == 0
    styles = zipfile.ZipFile(target).read("xl/styles.xml").decode()
    assert 'formatCode="#,##0.000"' in styles
    assert pl.read_excel(target).filter(pl.col("Customer ID") == "K1")["Total"].to_list() == [1.234]


def test_dry_run_says_what_would_happen_and_writes_nothing(ledger):
    from recoup.ledger.models import Invoice

    rows = [invoice_row(7), invoice_row(8, amount="x")]
    code, out = run("import", "invoices", str(write_csv(ledger / "d.csv", rows)), "--dry-run")
    assert code == 1 and "Dry run, nothing written" in out and "invoices created 1" in out
    assert not Invoice.objects.filter(number__in=["INV-00007", "INV-00008"]).exists()
    code, out = run("import", "invoices", str(write_csv(ledger / "e.csv", rows[:1])), "--dry-run")
    assert code == 0 and not Invoice.objects.filter(number="INV-00007").exists()


def test_serve_refuses_a_public_address_with_the_development_secret_key():
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "RECOUP_SECRET_KEY" in result.output
