"""Outreach fixtures, shared with the web tests (registered in tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recoup.ledger.services import contact_point_add, customer_create, invoice_issue
from tests.outreach.conftest import DUE


@pytest.fixture
def ny_org(org):
    org.timezone = "America/New_York"
    org.save(update_fields=["timezone"])
    return org


@pytest.fixture
def b2b(ny_org):
    """A New York business on the B2B ladder with an email, a phone, an address and two invoices due DUE."""
    customer = customer_create(organisation=ny_org, external_id="B1", name="Acme Supply", segment="b2b", actor="test")
    contact_point_add(customer=customer, kind="email", value="ap@acme.example", actor="test")
    contact_point_add(customer=customer, kind="phone", value="+12125550142", actor="test")
    contact_point_add(customer=customer, kind="address", value="1 Main St, Albany, NY 12207", actor="test")
    for number, amount in (("INV-1", 90_000), ("INV-2", 34_000)):
        invoice_issue(
            organisation=ny_org,
            customer=customer,
            number=number,
            issue_date=DUE - timedelta(days=30),
            due_date=DUE,
            amount_cents=amount,
        )
    return customer


@pytest.fixture
def patient(ny_org):
    """A dental patient in New York (a consumer debt: calling hours and the rest apply) with one invoice."""
    customer = customer_create(
        organisation=ny_org, external_id="P1", name="Pat Doe", kind="person", segment="dental", actor="test"
    )
    contact_point_add(customer=customer, kind="email", value="pat@example.com", actor="test")
    contact_point_add(customer=customer, kind="address", value="1 State St, Albany, NY 12207", actor="test")
    invoice_issue(
        organisation=ny_org,
        customer=customer,
        number="D-1",
        issue_date=DUE - timedelta(days=30),
        due_date=DUE,
        amount_cents=32_000,
    )
    return customer
