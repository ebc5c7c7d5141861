from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from recoup.accounts.services import user_add
from recoup.activity.models import Note
from recoup.clock import today
from recoup.demo.generator import DemoSpec, demo_load
from recoup.ledger.models import CustomerBalance
from recoup.organisations.services import organisation_ensure_default
from recoup.reporting.snapshots import snapshots_backfill

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL, PASSWORD = "owner@example.com", "correct horse battery"


@pytest.fixture
def site(live_server):
    organisation, _ = organisation_ensure_default(name="Smile Dental & Supply")
    as_of = today(organisation.timezone)
    demo_load(organisation, DemoSpec(60, 600, 3, as_of))
    snapshots_backfill(organisation, as_of - dt.timedelta(days=75), as_of)
    user_add(email=EMAIL, password=PASSWORD, organisation=organisation, role="owner")
    return live_server.url, organisation


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/o/**")


def test_log_in_and_see_the_dashboard_chart_drawn(page, site):
    base, organisation = site
    log_in(page, base)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    page.wait_for_selector("#aging-chart .main-svg")  # Plotly drew it, from the locally served script
    assert page.locator("#aging-chart .bars path").count() > 0
    page.wait_for_selector("#trend-chart .main-svg")
    assert page.get_by_text("Most past due").is_visible()


def test_search_a_customer_add_a_note_and_see_it_on_the_timeline(page, site):
    base, organisation = site
    customer = CustomerBalance.objects.order_by("-open_cents").first().customer
    log_in(page, base)
    page.get_by_role("link", name="Customers").click()
    page.get_by_role("searchbox", name="Search").fill(customer.name)
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=customer.name).first.click()
    page.get_by_label("Note", exact=True).fill("Spoke to the office manager; payment promised Friday.")
    page.get_by_role("button", name="Add note").click()
    assert page.get_by_text("Note added.").is_visible()
    timeline = page.locator("ol.timeline")
    assert timeline.get_by_text("Spoke to the office manager; payment promised Friday.").is_visible()
    assert Note.objects.filter(customer=customer).count() == 1


def test_export_the_aging_as_xlsx(page, site, tmp_path):
    base, organisation = site
    log_in(page, base)
    page.get_by_role("link", name="Aging").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel", exact=True).click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.startswith("aging-default-") and target.suffix == ".xlsx"
    sheet = pl.read_excel(target)
    assert sheet.columns[:3] == ["Customer ID", "Name", "Email"] and sheet.height > 10


def test_import_a_csv_with_one_bad_row_and_see_the_error(page, site, tmp_path, settings):
    base, organisation = site
    settings.RECOUP_UPLOAD_DIR = tmp_path / "uploads"
    csv = tmp_path / "new-invoices.csv"
    csv.write_text(
        "customer_id,customer_name,invoice_number,issue_date,due_date,amount\n"
        "N1,New Patient,NEW-1,2026-11-01,2026-12-01,120.00\n"
        "N1,New Patient,NEW-2,2026-11-02,2026-12-02,12O.00\n",
        encoding="utf-8",
    )
    log_in(page, base)
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("File").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_role("heading", name="First rows").is_visible()
    page.get_by_role("button", name="Check").click()
    errors = page.locator("table.errors")
    assert errors.get_by_text("not an amount (expected digits such as 1,234.56)").is_visible()
    assert errors.locator("tbody tr").count() == 1
    assert Path(csv).exists()
