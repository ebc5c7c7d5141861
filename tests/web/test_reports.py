from __future__ import annotations

import csv
import datetime as dt
import io
import json

import polars as pl
import pytest
from pypdf import PdfReader

from recoup.demo.generator import DemoSpec, demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(org):
    demo_load(org, DemoSpec(25, 200, 5, dt.date(2026, 6, 30)))
    return org


def test_aging_downloads_in_every_format_agree(owner_client, ledger, tmp_path):
    base = f"/o/{ledger.slug}/aging/export"
    as_of = {"as_of": "2026-06-30"}
    document = json.loads(owner_client.get(f"{base}.json", as_of).content)
    total = document["total_open"]
    rows = list(csv.reader(io.StringIO(owner_client.get(f"{base}.csv", as_of).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Customer ID", "Name", "Email"] and rows[-1][0] == "Total" and rows[-1][-1] == total
    xlsx = owner_client.get(f"{base}.xlsx", as_of)
    assert xlsx["Content-Disposition"] == f'attachment; filename="aging-{ledger.slug}-2026-06-30.xlsx"'
    (tmp_path / "a.xlsx").write_bytes(xlsx.content)
    sheet = pl.read_excel(tmp_path / "a.xlsx")
    assert f"{sheet.filter(pl.col('Customer ID') == 'Total')['Total'][0]:.2f}" == total
    pdf = PdfReader(io.BytesIO(owner_client.get(f"{base}.pdf", as_of).content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Aging as of 2026-06-30" in text and f"{float(total):,.2f}" in text
    by_invoice = json.loads(owner_client.get(f"{base}.json", {**as_of, "by": "invoice"}).content)
    assert by_invoice["by"] == "invoice" and by_invoice["total_open"] == total
    assert owner_client.get(f"{base}.exe").status_code == 404


def test_kpi_page_and_downloads(owner_client, ledger):
    page = owner_client.get(f"/o/{ledger.slug}/kpis/", {"as_of": "2026-06-30", "period_days": 30})
    assert page.status_code == 200 and "DSO (days)" in page.content.decode()
    document = json.loads(
        owner_client.get(f"/o/{ledger.slug}/kpis/export.json", {"as_of": "2026-06-30", "period_days": 30}).content
    )
    assert document["period_days"] == 30 and "cei" in document
    pdf = owner_client.get(f"/o/{ledger.slug}/kpis/export.pdf", {"as_of": "2026-06-30"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
