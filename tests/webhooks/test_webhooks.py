"""Webhooks out, delivered to a real HTTP receiver on loopback."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from recoup.activity.services import dispute_open
from recoup.ledger.models import Customer
from recoup.ledger.services import invoice_issue, payment_record
from recoup.webhooks.models import WebhookDelivery
from recoup.webhooks.services import endpoint_create, verify, webhooks_deliver_due

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A loopback HTTP server that records what it receives and answers with the codes it is told."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        made.append(Receiver(list(answers)))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def ledger(db):
    from recoup.organisations.services import organisation_ensure_default

    organisation, _ = organisation_ensure_default()
    now = timezone.now()
    customer = Customer.objects.create(
        organisation=organisation, external_id="C1", name="Ada", created_at=now, updated_at=now
    )
    invoice = invoice_issue(
        organisation=organisation,
        customer=customer,
        number="A-1",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        amount_cents=10_000,
    )
    return organisation, customer, invoice


def test_paid_invoice_is_delivered_signed_and_verifiable(receiver, ledger):
    organisation, customer, invoice = ledger
    hook = receiver()
    endpoint = endpoint_create(organisation=organisation, url=hook.url, events=["invoice.paid", "payment.recorded"])
    payment_record(
        organisation=organisation,
        customer=customer,
        payment_date=dt.date(2026, 2, 1),
        amount_cents=10_000,
        currency="USD",
        reference="CHK-1",
    )
    events = {headers["Recoup-Event"]: (headers, body) for headers, body in hook.received}
    assert set(events) == {"invoice.paid", "payment.recorded"}
    headers, body = events["invoice.paid"]
    assert verify(endpoint.secret, headers["Recoup-Signature"], body)
    assert not verify("wrong secret", headers["Recoup-Signature"], body)
    assert not verify(endpoint.secret, headers["Recoup-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["data"] == {
        "invoice_number": "A-1",
        "customer_id": "C1",
        "amount": "100.00",
        "currency": "USD",
        "settled_on": "2026-02-01",
    }
    assert payload["id"] == headers["Recoup-Delivery"]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_failed_deliveries_are_retried_with_backoff_until_they_succeed(receiver, ledger):
    organisation, customer, invoice = ledger
    hook = receiver(answers=[500, 503])
    endpoint_create(organisation=organisation, url=hook.url, events=["customer.disputed"])
    dispute_open(invoice=invoice, reason="Wrong amount", actor="test")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at > timezone.now()
    assert webhooks_deliver_due() == (0, 0)  # not due yet
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks_deliver_due() == (0, 1)
    delivery.refresh_from_db()
    first_gap = delivery.next_attempt_at - timezone.now()
    assert first_gap > dt.timedelta(seconds=40)  # the second retry waits longer than the first
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks_deliver_due() == (1, 0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    ids = {json.loads(body)["id"] for _, body in hook.received}
    assert len(ids) == 1  # the same event id on every attempt, so receivers can de-duplicate


def test_nothing_is_sent_for_a_change_that_rolled_back(receiver, ledger):
    from django.db import transaction

    organisation, customer, invoice = ledger
    hook = receiver()
    endpoint_create(organisation=organisation, url=hook.url, events=["payment.recorded"])
    with pytest.raises(RuntimeError), transaction.atomic():
        payment_record(
            organisation=organisation,
            customer=customer,
            payment_date=dt.date(2026, 2, 1),
            amount_cents=500,
            currency="USD",
        )
        raise RuntimeError("the surrounding work failed")
    assert hook.received == [] and WebhookDelivery.objects.count() == 0


def test_unreachable_receivers_give_up_after_the_last_attempt(ledger):
    from recoup.webhooks.services import MAX_ATTEMPTS

    organisation, customer, invoice = ledger
    endpoint_create(organisation=organisation, url="http://127.0.0.1:9/nowhere", events=["customer.disputed"])
    dispute_open(invoice=invoice, reason="x", actor="test")
    for _ in range(MAX_ATTEMPTS):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS and delivery.last_error
