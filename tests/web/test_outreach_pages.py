"""Outreach pages: outbox and audiences, ladders edited as YAML (all or nothing), templates checked on save,
pausing and resuming an account, and what the customer page says will happen next."""

from __future__ import annotations

import csv
import io

import pytest

from recoup.ledger.services import customer_balances_refresh
from recoup.outreach.cycle import cycle_run
from recoup.outreach.models import AccountPause, CustomerLadder, LadderPolicy, Message, MessageTemplate
from recoup.outreach.setup import ladders_ensure_defaults
from tests.outreach.conftest import day, noon

pytestmark = pytest.mark.django_db


def test_the_outbox_lists_messages_and_filters_them(owner_client, ny_org, b2b):
    cycle_run(ny_org, day(3), at=noon(3), deliver=False)
    page = owner_client.get("/o/default/outbox/")
    assert page.status_code == 200
    assert b"Reminder: invoice INV-1 is overdue" in page.content
    assert b"Acme Supply" in owner_client.get("/o/default/outbox/?show=queued").content
    assert b"Acme Supply" not in owner_client.get("/o/default/outbox/?show=bounced").content


def test_an_audience_by_bucket_downloads_as_csv(owner_client, ny_org, b2b):
    customer_balances_refresh(customer_ids=[b2b.pk])
    from recoup.ledger.models import CustomerBalance

    balance = CustomerBalance.objects.get(customer=b2b)
    labels = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    bucket = next(label for i, label in enumerate(labels) if getattr(balance, f"b{i}"))
    response = owner_client.get("/o/default/outbox/audience.csv", {"bucket": bucket})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["customer_id", "name", "email"]
    assert rows[1][:3] == ["B1", "Acme Supply", "ap@acme.example"]
    assert owner_client.get("/o/default/outbox/audience.csv?bucket=nope").status_code == 404


def test_a_ladder_with_mistakes_is_refused_whole_and_a_good_one_saved(owner_client, ny_org):
    ladders_ensure_defaults(ny_org)
    before = LadderPolicy.objects.get(organisation=ny_org, key="b2b").definition
    bad = (
        "key: b2b\nname: B2B\nsteps:\n"
        "  - {key: a, day: 5, channel: fax, template: overdue}\n"
        "  - {key: b, day: 2, channel: email, template: nope}\n"
    )
    response = owner_client.post("/o/default/ladders/b2b/", {"yaml": bad})
    assert response.status_code == 400
    assert b"&#x27;fax&#x27; is not one of" in response.content
    assert LadderPolicy.objects.get(organisation=ny_org, key="b2b").definition == before
    good = (
        "key: b2b\nname: B2B quick\nsteps:\n"
        "  - {key: nudge, day: 2, channel: email, template: overdue}\n"
        "  - {key: letter, day: 20, channel: letter, template: final_notice, tone: final}\n"
    )
    response = owner_client.post("/o/default/ladders/b2b/", {"yaml": good})
    assert response.status_code == 302
    saved = LadderPolicy.objects.get(organisation=ny_org, key="b2b")
    assert saved.name == "B2B quick" and [s["key"] for s in saved.definition["steps"]] == ["nudge", "letter"]
    page = owner_client.get("/o/default/ladders/")
    assert b"B2B quick" in page.content and b'id="ladder-b2b-data"' in page.content
    export = owner_client.get("/o/default/ladders/export.yaml").content.decode()
    assert "name: B2B quick" in export


def test_a_template_with_an_unknown_variable_is_refused(owner_client, ny_org):
    response = owner_client.post(
        "/o/default/templates/overdue/", {"subject": "Hi {{ customer.nmae }}", "body": "Owed: {{ totl }}"}
    )
    assert response.status_code == 400
    assert b"unknown variable totl" in response.content
    assert not MessageTemplate.objects.exists()
    response = owner_client.post(
        "/o/default/templates/overdue/", {"subject": "Reminder for {{ customer.name }}", "body": "You owe {{ total }}."}
    )
    assert response.status_code == 302
    page = owner_client.get("/o/default/templates/overdue/")
    assert b"Reminder for Jordan Lee" in page.content and b"You owe $1,400.00." in page.content


def test_a_template_that_fails_on_sample_data_is_refused(owner_client, ny_org):
    response = owner_client.post("/o/default/templates/overdue/", {"subject": "{{ customer.nmae }}", "body": "x"})
    assert response.status_code == 400
    assert b"on sample data" in response.content


def test_pause_and_resume_from_the_customer_page(owner_client, ny_org, b2b):
    url = f"/o/default/customers/{b2b.pk}/"
    owner_client.post(url + "pause/", {"kind": "plan", "until": "2027-01-31", "note": "3 instalments"})
    pause = AccountPause.objects.get(customer=b2b)
    assert (pause.kind, str(pause.until), pause.note) == ("plan", "2027-01-31", "3 instalments")
    page = owner_client.get(url).content.decode()
    assert "Paused: on a payment plan until 31 Jan 2027" in page
    owner_client.post(url + f"pauses/{pause.pk}/lift/")
    pause.refresh_from_db()
    assert pause.lifted_at is not None
    assert "Paused:" not in owner_client.get(url).content.decode().split('id="chasing"')[1].split("</section>")[0]


def test_a_customer_can_be_put_on_another_ladder(owner_client, ny_org, b2b):
    ladders_ensure_defaults(ny_org)
    url = f"/o/default/customers/{b2b.pk}/ladder/"
    owner_client.post(url, {"ladder": "contractor"})
    assert CustomerLadder.objects.get(customer=b2b).ladder.key == "contractor"
    assert "Contractors and projects" in owner_client.get(f"/o/default/customers/{b2b.pk}/").content.decode()
    owner_client.post(url, {"ladder": ""})
    assert not CustomerLadder.objects.exists()


def test_the_public_statement_shows_open_invoices_without_login(client, ny_org, b2b):
    cycle_run(ny_org, day(3), at=noon(3), deliver=False)
    token = Message.objects.get().token
    page = client.get(f"/m/{token}/")
    assert page.status_code == 200
    assert b"INV-1" in page.content and b"INV-2" in page.content and b"$1,240.00" in page.content


def test_the_days_letters_and_a_statement_download_as_pdf(owner_client, ny_org, b2b):
    from pypdf import PdfReader

    for n in (3, 10, 17, 21, 30):
        cycle_run(ny_org, day(n), at=noon(n), deliver=False)
    letter = Message.objects.get(channel="letter")
    assert letter.status == "queued"
    assert owner_client.get(f"/o/default/outbox/letters-{day(30).isoformat()}.pdf").status_code == 302  # none yet
    response = owner_client.post("/o/default/outbox/letters/print/")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Acme Supply" in text and "1 MAIN ST" in text and "INV-2" in text and "$1,240.00" in text
    letter.refresh_from_db()
    assert letter.status == "sent"  # printed
    statement = owner_client.get(f"/o/default/customers/{b2b.pk}/statement.pdf")
    text = PdfReader(io.BytesIO(statement.content)).pages[0].extract_text()
    assert "Statement of account" in text and "Amount due: $1,240.00" in text
    assert owner_client.post("/o/default/outbox/letters/print/").status_code == 302  # nothing left to print
    from recoup.clock import today

    reprint = owner_client.get(f"/o/default/outbox/letters-{today(ny_org.timezone).isoformat()}.pdf")
    assert reprint["Content-Type"] == "application/pdf"
    assert "Acme Supply" in PdfReader(io.BytesIO(reprint.content)).pages[0].extract_text()


def test_the_sender_is_set_per_organisation_and_used_in_reminders(owner_client, ny_org, b2b, settings):
    response = owner_client.post(
        "/o/default/outbox/sender/",
        {
            "sender_name": "Acme Billing Desk",
            "sender_email": "billing@test-dental.example",
            "reply_to": "ar@test-dental.example",
            "phone": "(212) 555-0100",
            "postal_address": "10 Park Ave\nNew York, NY 10016",
            "pay_url": "https://pay.test-dental.example/",
            "send_hour": 9,
        },
    )
    assert response.status_code == 302
    settings.EMAIL_URL = "locmem://"
    cycle_run(ny_org, day(3), at=noon(3))
    from django.core import mail

    sent = mail.outbox[-1]
    assert sent.from_email == "Acme Billing Desk <billing@test-dental.example>"
    assert sent.reply_to == ["ar@test-dental.example"]
    assert "Acme Billing Desk · (212) 555-0100" in sent.body
    token = Message.objects.get().token
    assert owner_client.get(f"/m/{token}/pay").headers["Location"] == "https://pay.test-dental.example/"
    bad = owner_client.post("/o/default/outbox/sender/", {"sender_name": "x", "sender_email": "nope", "send_hour": 9})
    assert bad.status_code == 302
    from recoup.outreach.models import OutreachSettings

    assert OutreachSettings.objects.get().sender_email == "billing@test-dental.example"  # unchanged


def test_the_audience_leaves_out_opted_out_addresses_and_barred_debtors(owner_client, ny_org, b2b, patient):
    from recoup.compliance.services import permission_record, profile_update
    from recoup.ledger.models import CustomerBalance

    customer_balances_refresh(customer_ids=[b2b.pk, patient.pk])
    permission_record(customer=b2b, kind="opt_out", channel="email", address="ap@acme.example", source="x", actor="t")
    profile_update(customer=patient, changes={"cease_requested_at": noon(0)}, actor="test")
    labels = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    balance = CustomerBalance.objects.get(customer=b2b)
    bucket = next(label for i, label in enumerate(labels) if getattr(balance, f"b{i}"))
    rows = list(
        csv.reader(io.StringIO(owner_client.get("/o/default/outbox/audience.csv", {"bucket": bucket}).content.decode()))
    )
    assert [r[:3] for r in rows[1:]] == [["B1", "Acme Supply", ""]]  # no email for B1; P1 not listed at all
