from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from recoup.ledger.models import ContactPoint, Customer
from recoup.ledger.services import contact_point_add, invoice_issue

NEW_YORK = ZoneInfo("America/New_York")


def new_york(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture
def debtor(org):
    """A person in Albany, New York with a cell phone and two overdue invoices."""
    now = timezone.now()
    customer = Customer.objects.create(
        organisation=org, external_id="P1", name="Pat Doe", kind="person", created_at=now, updated_at=now
    )
    contact_point_add(customer=customer, kind="address", value="1 State St, Albany, NY 12207", actor="test")
    contact_point_add(customer=customer, kind="phone", value="+15185550101", actor="test")
    contact_point_add(customer=customer, kind="email", value="pat@example.com", actor="test")
    ContactPoint.objects.filter(customer=customer, kind="phone").update(line="cell")
    for number, due in (("INV-1", date(2026, 1, 31)), ("INV-2", date(2026, 2, 28))):
        invoice_issue(
            organisation=org,
            customer=customer,
            number=number,
            issue_date=date(2026, 1, 1),
            due_date=due,
            amount_cents=60_000,
        )
    return customer
