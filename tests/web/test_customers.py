from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.services import user_add
from recoup.activity.models import Call, Dispute, Note
from recoup.audit.models import AuditEvent
from recoup.demo.generator import DemoSpec, demo_load
from recoup.ledger.models import Customer, CustomerBalance, Invoice
from recoup.ledger.services import invoice_issue
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(org):
    demo_load(org, DemoSpec(80, 800, 4, dt.date(2026, 11, 30)))
    return org


def test_customer_list_sorts_filters_and_paginates_in_sql(owner_client, ledger):
    url = f"/o/{ledger.slug}/customers/"
    first = owner_client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    balances = [c.open_cents for c in page.object_list]
    assert balances == sorted(balances, reverse=True) and page.paginator.count == 80
    assert owner_client.get(url, {"page": 2}).context["page"].number == 2
    by_name = [c.name for c in owner_client.get(url, {"sort": "name"}).context["page"].object_list]
    assert by_name == sorted(by_name)
    dental = owner_client.get(url, {"segment": "dental"}).context["page"].object_list
    assert dental and all(c.segment == "dental" for c in dental)
    rich = owner_client.get(url, {"min_open": "5000"}).context["page"].object_list
    assert all(c.open_cents >= 500_000 for c in rich)
    worst = owner_client.get(url, {"bucket": "120+"}).context["page"].object_list
    assert worst and all(c.oldest_due < dt.date(2026, 8, 1) for c in worst)


def test_search_by_name_email_phone_and_invoice_number(owner_client, ledger):
    customer = Customer.objects.order_by("id").first()
    email = customer.contact_points.get(kind="email").value
    phone = customer.contact_points.get(kind="phone").value  # +1AAA55501NN
    number = Invoice.objects.filter(customer=customer).first().number
    url = f"/o/{ledger.slug}/customers/"
    for text in (customer.name, email.upper(), f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}", number):
        found = [c.pk for c in owner_client.get(url, {"q": text}).context["page"].object_list]
        assert customer.pk in found, text
    empty = owner_client.get(url, {"q": "no such customer at all"})
    assert "No customer matches" in empty.content.decode()


def test_customer_page_shows_invoices_contacts_payments_and_timeline(owner_client, ledger):
    customer = CustomerBalance.objects.order_by("-open_cents").first().customer
    response = owner_client.get(f"/o/{ledger.slug}/customers/{customer.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert customer.name in html and "Open invoices" in html and "Timeline" in html
    assert "overdue" in html and customer.contact_points.get(kind="email").value in html


def test_note_call_and_dispute_land_on_the_timeline_and_in_the_audit_log(owner_client, ledger, owner):
    customer = CustomerBalance.objects.order_by("-open_cents").first().customer
    base = f"/o/{ledger.slug}/customers/{customer.pk}/"
    assert owner_client.post(base + "notes/", {"body": "Spoke to AP, cheque in the post"}).status_code == 302
    call = {
        "outcome": "promise_to_pay",
        "phone": "+14155550100",
        "promise_date": "2026-12-15",
        "promise_amount": "250.00",
        "notes": "Pays Friday",
    }
    assert owner_client.post(base + "calls/", call).status_code == 302
    invoice = Invoice.objects.filter(customer=customer, settled_on__isnull=True, disputed=False).first()
    assert owner_client.post(base + "disputes/", {"invoice": invoice.pk, "reason": "Goods damaged"}).status_code == 302
    html = owner_client.get(base).content.decode()
    assert "Spoke to AP, cheque in the post" in html and "Call: Promise to pay" in html
    assert f"Invoice {invoice.number} disputed" in html and "Goods damaged" in html
    invoice.refresh_from_db()
    assert invoice.disputed
    assert Call.objects.get().promise_amount_cents == 25000
    actions = set(AuditEvent.objects.filter(actor=owner).values_list("action", flat=True))
    assert {"note.created", "call.logged", "invoice.disputed"} <= actions
    dispute = Dispute.objects.get()
    owner_client.post(base + f"disputes/{dispute.pk}/", {"status": "verified", "resolution": "Delivery signed"})
    invoice.refresh_from_db()
    assert not invoice.disputed and Dispute.objects.get().status == "verified"


def test_bad_input_is_shown_next_to_the_field(owner_client, ledger):
    customer = Customer.objects.first()
    base = f"/o/{ledger.slug}/customers/{customer.pk}/"
    response = owner_client.post(base + "calls/", {"outcome": "promise_to_pay", "promise_amount": "abc"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "A promise to pay needs the date." in html and "Not an amount" in html
    assert 'aria-invalid="true"' in html
    assert owner_client.post(base + "notes/", {"body": ""}).status_code == 400
    assert Note.objects.count() == 0 and Call.objects.count() == 0


def test_viewers_read_but_cannot_write(client, ledger):
    viewer = user_add(email="viewer@example.com", password=PASSWORD, organisation=ledger, role="viewer")
    client.force_login(viewer)
    customer = Customer.objects.first()
    base = f"/o/{ledger.slug}/customers/{customer.pk}/"
    assert client.get(base).status_code == 200
    assert "Add a note" not in client.get(base).content.decode()
    assert client.post(base + "notes/", {"body": "x"}).status_code == 403
    assert Note.objects.count() == 0


def test_writes_need_the_csrf_token(ledger, owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    customer = Customer.objects.first()
    response = strict.post(f"/o/{ledger.slug}/customers/{customer.pk}/notes/", {"body": "x"})
    assert response.status_code == 403 and Note.objects.count() == 0


def test_another_organisations_customer_is_404(owner_client, ledger, other_org):
    from django.utils import timezone

    now = timezone.now()
    theirs = Customer.objects.create(organisation=other_org, external_id="R1", created_at=now, updated_at=now)
    invoice_issue(
        organisation=other_org,
        customer=theirs,
        number="R-1",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        amount_cents=100,
    )
    for path in ("", "notes/", "calls/", "disputes/"):
        url = f"/o/{ledger.slug}/customers/{theirs.pk}/{path}"
        assert (owner_client.post(url, {"body": "x"}) if path else owner_client.get(url)).status_code == 404
