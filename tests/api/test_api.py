from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.services import token_create, user_add
from recoup.audit.models import AuditEvent
from recoup.demo.generator import DemoSpec, demo_load
from recoup.ledger.models import Customer, Invoice
from recoup.organisations.services import organisation_create
from tests.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_no_token_or_a_bad_one_is_401_in_the_one_error_shape(client, org):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer rcp_nope"}, {"HTTP_AUTHORIZATION": "Basic abc"}):
        response = client.get("/api/v1/organisations", **headers)
        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "detail"} and response.json()["code"] == "unauthenticated"


def test_openapi_schema_is_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Recoup API"
    assert "/api/v1/organisations/{slug}/customers" in schema["paths"]


def test_organisations_lists_only_the_users_own(api, org):
    organisation_create(slug="rival", name="Rival")
    assert [o["slug"] for o in api.get("/organisations").json()] == [org.slug]


def test_customers_invoices_payments_round_trip(api, org):
    created = api.post(
        f"/organisations/{org.slug}/customers",
        {"external_id": "C-9", "name": "Smile Dental", "segment": "dental", "credit_limit": "5000.00"},
    )
    assert created.status_code == 201 and created.json()["credit_limit"] == "5000.00"
    contact = api.post(
        f"/organisations/{org.slug}/customers/C-9/contact-points", {"kind": "phone", "value": "(415) 555-0123"}
    )
    assert contact.status_code == 201 and contact.json()["value"] == "+14155550123" and contact.json()["is_primary"]
    invoice = api.post(
        f"/organisations/{org.slug}/invoices",
        {
            "customer_id": "C-9",
            "number": "A-1",
            "issue_date": "2026-01-01",
            "due_date": "2026-01-31",
            "amount": "1234.50",
        },
    )
    assert invoice.status_code == 201 and invoice.json()["amount"] == {"amount": "1234.50", "currency": "USD"}
    payment = api.post(
        f"/organisations/{org.slug}/payments",
        {"customer_id": "C-9", "payment_date": "2026-02-05", "amount": "1000.00", "reference": "CHK-7"},
    )
    assert payment.status_code == 201 and payment.json()["applied"]["amount"] == "1000.00"
    assert api.get(f"/organisations/{org.slug}/invoices/A-1").json()["open"]["amount"] == "234.50"
    customer = api.get(f"/organisations/{org.slug}/customers/C-9").json()
    assert customer["open_balance"] == {"amount": "234.50", "currency": "USD"} and customer["open_invoices"] == 1
    patched = api.patch(f"/organisations/{org.slug}/customers/C-9", {"segment": "ortho", "terms_days": 45})
    assert patched.json()["segment"] == "ortho" and patched.json()["terms_days"] == 45
    assert {
        "customer.created",
        "contact_point.created",
        "invoice.issued",
        "payment.recorded",
        "customer.updated",
    } <= set(AuditEvent.objects.filter(actor__email="api@example.com").values_list("action", flat=True))


def test_lists_are_paginated(api, org):
    demo_load(org, DemoSpec(30, 200, 1, dt.date(2026, 6, 30)))
    first = api.get(f"/organisations/{org.slug}/customers", {"page_size": 10}).json()
    assert (first["count"], first["pages"], len(first["items"])) == (30, 3, 10)
    third = api.get(f"/organisations/{org.slug}/customers", {"page_size": 10, "page": 3}).json()
    assert len(third["items"]) == 10 and {c["id"] for c in third["items"]}.isdisjoint({c["id"] for c in first["items"]})
    invoices = api.get(f"/organisations/{org.slug}/invoices", {"status": "all", "page_size": 200}).json()
    assert invoices["count"] == 200
    assert api.get(f"/organisations/{org.slug}/payments", {"page_size": 5}).json()["page_size"] == 5


def test_aging_and_kpis_match_the_documented_json(api, org):
    demo_load(org, DemoSpec(30, 200, 1, dt.date(2026, 6, 30)))
    aging = api.get(f"/organisations/{org.slug}/aging", {"as_of": "2026-06-30"}).json()["reports"][0]
    assert {"as_of", "currency", "buckets", "totals", "total_open", "rows"} <= set(aging)
    kpis = api.get(f"/organisations/{org.slug}/kpis", {"as_of": "2026-06-30", "period_days": 30}).json()["kpis"][0]
    assert {"open_ar", "past_due_ar", "pct_over_90", "dso", "best_possible_dso", "add", "cei", "ar_turnover"} <= set(
        kpis
    )
    assert kpis["open_ar"] == aging["total_open"]


def test_bad_input_gets_the_error_shape(api, org):
    bad = api.post(f"/organisations/{org.slug}/customers", {"external_id": ""})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and bad.json()["detail"]
    as_number = api.post(
        f"/organisations/{org.slug}/invoices",
        {"customer_id": "x", "number": "1", "issue_date": "2026-01-01", "due_date": "2026-01-02", "amount": 12.5},
    )
    assert as_number.status_code == 422  # amounts are strings: a float never enters the ledger
    missing = api.get(f"/organisations/{org.slug}/customers/nobody")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    api.post(f"/organisations/{org.slug}/customers", {"external_id": "D"})
    backwards = api.post(
        f"/organisations/{org.slug}/invoices",
        {"customer_id": "D", "number": "1", "issue_date": "2026-02-01", "due_date": "2026-01-01", "amount": "5"},
    )
    assert backwards.status_code == 400 and backwards.json()["code"] == "rejected"
    assert Invoice.objects.count() == 0


def test_viewer_tokens_read_but_cannot_write(client, org):
    viewer = user_add(email="v@example.com", password=PASSWORD, organisation=org, role="viewer")
    text = token_create(user=viewer)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {text}"}
    assert client.get(f"/api/v1/organisations/{org.slug}/customers", **auth).status_code == 200
    denied = client.post(
        f"/api/v1/organisations/{org.slug}/customers", {"external_id": "X"}, content_type="application/json", **auth
    )
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert Customer.objects.count() == 0


BODIES = {
    ("post", "customers"): {"external_id": "X"},
    ("patch", "{customer_id}"): {"name": "X"},
    ("post", "contact-points"): {"kind": "email", "value": "a@example.com"},
    ("post", "invoices"): {
        "customer_id": "R1",
        "number": "N",
        "issue_date": "2026-01-01",
        "due_date": "2026-01-02",
        "amount": "1",
    },
    ("post", "payments"): {"customer_id": "R1", "payment_date": "2026-01-01", "amount": "1"},
}


def test_every_endpoint_of_another_organisation_is_404(client, api, org):
    other = organisation_create(slug="rival", name="Rival")
    from django.utils import timezone

    now = timezone.now()
    theirs = Customer.objects.create(organisation=other, external_id="R1", created_at=now, updated_at=now)
    Invoice.objects.create(
        organisation=other,
        customer=theirs,
        number="R-1",
        amount_cents=5,
        currency="USD",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 2),
    )
    schema = client.get("/api/v1/openapi.json").json()
    values = {"slug": "rival", "customer_id": "R1", "number": "R-1"}
    checked = 0
    for path, operations in schema["paths"].items():
        if "{slug}" not in path:
            continue
        url = path.removeprefix("/api/v1")
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        for method in operations:
            body = BODIES.get((method, path.rsplit("/", 1)[-1]), {})
            response = getattr(api, method)(url, body) if method != "get" else api.get(url)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 12


def test_compliance_explains_a_customer(api, org):
    from django.utils import timezone

    now = timezone.now()
    Customer.objects.create(organisation=org, external_id="P9", kind="person", created_at=now, updated_at=now)
    response = api.get(f"/organisations/{org.slug}/customers/P9/compliance", {"at": "2026-03-09T22:00:00-05:00"})
    assert response.status_code == 200
    doc = response.json()
    assert set(doc["channels"]) == {"call", "sms", "email", "letter"}
    assert doc["time_zones_assumed"] is True and len(doc["time_zones"]) >= 6
    assert doc["channels"]["call"]["allowed"] is False  # no phone on file
    naive = api.get(f"/organisations/{org.slug}/customers/P9/compliance", {"at": "2026-03-09T22:00:00"})
    assert naive.status_code == 422 and naive.json()["code"] == "invalid"
