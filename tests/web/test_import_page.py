from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recoup.imports.models import ImportRun
from recoup.ledger.models import Invoice

pytestmark = pytest.mark.django_db

CSV = (
    "Cust No,Name,Invoice Number,Issue Date,Due Date,Total\n"
    "C1,Smile Dental,1,2026-01-01,2026-01-31,100.00\n"
    "C2,Bright Teeth,2,2026-01-02,2026-02-01,oops\n"
    "C2,Bright Teeth,3,2026-01-03,2026-02-02,50.00\n"
)


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.RECOUP_UPLOAD_DIR = tmp_path / "uploads"


def _upload(client, org, text=CSV, name="export.csv"):
    response = client.post(
        f"/o/{org.slug}/imports/upload/",
        {"file": SimpleUploadedFile(name, text.encode()), "kind": "invoices", "profile": "generic"},
    )
    assert response.status_code == 302
    return response.url


MAPPING = {"map_customer_id": "Cust No", "map_customer_name": "Name", "map_amount": "Total"}


def test_upload_map_check_then_import_with_quarantine(owner_client, org):
    url = _upload(owner_client, org)
    page = owner_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "First rows" in html and "Smile Dental" in html
    assert page.context["fields"][5]["chosen"] == "Invoice Number"  # matched by name
    assert "no column for required field" in html  # customer_id and amount are not named like fields
    check = owner_client.post(url, {**MAPPING, "action": "check"})
    report = check.context["report"]
    assert report.dry_run and [(e.line, e.column) for e in report.errors] == [(3, "Total")]
    assert report.created == 2 and Invoice.objects.count() == 0 and ImportRun.objects.count() == 0
    refused = owner_client.post(url, {**MAPPING, "action": "import"})
    assert refused.status_code == 200 and Invoice.objects.count() == 0
    done = owner_client.post(url, {**MAPPING, "action": "import", "quarantine": "1"})
    assert done.status_code == 302
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["1", "3"]
    listing = owner_client.get(f"/o/{org.slug}/imports/").content.decode()
    assert "export.csv" in listing and "quarantined" in listing.lower()


def test_uploads_are_private_to_the_session_and_organisation(owner_client, org):
    from django.test import Client

    url = _upload(owner_client, org)
    client = Client()
    assert client.get(url).status_code == 302  # not logged in
    from recoup.accounts.services import user_add
    from tests.web.conftest import PASSWORD

    other = user_add(email="other@example.com", password=PASSWORD, organisation=org, role="collector")
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_bad_uploads_are_explained(owner_client, org):
    response = owner_client.post(
        f"/o/{org.slug}/imports/upload/", {"file": SimpleUploadedFile("x.exe", b"MZ"), "kind": "invoices"}
    )
    assert response.status_code == 400 and "Upload a .csv or .xlsx file" in response.content.decode()


def test_viewers_cannot_import(client, org):
    from recoup.accounts.services import user_add
    from tests.web.conftest import PASSWORD

    viewer = user_add(email="v@example.com", password=PASSWORD, organisation=org, role="viewer")
    client.force_login(viewer)
    assert client.get(f"/o/{org.slug}/imports/").status_code == 403
