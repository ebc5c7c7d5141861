"""Texts: the consumer ladder's text step goes out through the SMS provider interface (file backend here),
and an inbound STOP, signed as Twilio signs it, reaches the guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from recoup.compliance.models import ContactAttempt, ContactPermission
from recoup.compliance.services import contact_check, permission_record
from recoup.core.compliance import Action, Channel
from recoup.ledger.models import ContactPoint
from recoup.ledger.services import contact_point_add
from recoup.outreach.cycle import cycle_run
from recoup.outreach.models import Message, Touch
from tests.outreach.conftest import day, noon

pytestmark = pytest.mark.django_db
TOKEN = "test-auth-token-0123456789"
BASE = "https://recoup.example.com"
CELL = "+15185550199"


def twilio_signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """What Twilio sends in X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted form fields."""
    payload = url + "".join(key + params[key] for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def texting(settings, tmp_path, patient):
    settings.SMS_URL = f"twilio://AC0000:{TOKEN}@+15005550006"
    settings.RECOUP_BASE_URL = BASE
    contact_point_add(customer=patient, kind="phone", value=CELL, actor="test")
    ContactPoint.objects.filter(customer=patient, kind="phone").update(line="cell")
    permission_record(
        customer=patient,
        kind="consent",
        channel="sms",
        address=CELL,
        source="signed the intake form",
        actor="test",
        at=noon(-30),
    )
    return patient


def post_sms(client, body: str, signature: str | None = None, sender: str = CELL):
    path = "/hooks/twilio/sms/"
    params = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM123"}
    signature = signature if signature is not None else twilio_signature(BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_the_text_step_goes_out_through_the_provider(ny_org, texting, settings, tmp_path):
    settings.SMS_URL = f"file://{tmp_path}/sms"
    for n in (5, 12):
        cycle_run(ny_org, day(n), at=noon(n))
    touch = Touch.objects.get(customer=texting, step_key="text")
    assert touch.status == "sent" and touch.address == CELL
    sent = [json.loads(line) for line in (tmp_path / "sms" / "sms.jsonl").read_text().splitlines()]
    assert [s["to"] for s in sent] == [CELL]
    assert "Reply STOP to opt out." in sent[0]["body"] and "$320.00" in sent[0]["body"]
    assert Message.objects.get(customer=texting, channel="sms").status == "sent"


def opt_out_rules(customer) -> set[str]:
    """The opt-out rules among the guard's reasons to refuse a text right now (whatever the hour)."""
    soon = timezone.now() + timedelta(minutes=1)
    decision = contact_check(customer=customer, action=Action(Channel.SMS, address=CELL), at=soon, record=False)
    return {"T2", "P1"} & set(decision.rule_ids)


def test_a_signed_stop_opts_the_number_out_and_the_guard_refuses_texts(ny_org, texting, client):
    assert opt_out_rules(texting) == set()
    response = post_sms(client, "Stop")
    assert response.status_code == 200 and b"<Response>" in response.content
    opt_out = ContactPermission.objects.get(customer=texting, kind="opt_out")
    assert (opt_out.channel, opt_out.address, opt_out.source) == ("sms", CELL, "replied STOP")
    assert ContactAttempt.objects.filter(customer=texting, direction="inbound", channel="sms").count() == 1
    assert opt_out_rules(texting)
    post_sms(client, "START")
    assert opt_out_rules(texting) == set()


def test_a_wrong_or_missing_signature_is_refused_and_changes_nothing(ny_org, texting, client):
    assert post_sms(client, "STOP", signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert post_sms(client, "STOP", signature="").status_code == 403
    forged = twilio_signature(BASE + "/hooks/twilio/sms/", {"Body": "STOP"}, token="someone-else")
    assert post_sms(client, "STOP", signature=forged).status_code == 403
    assert not ContactPermission.objects.filter(kind="opt_out").exists()
    assert not ContactAttempt.objects.exists()


def test_other_words_are_kept_but_change_no_permission(ny_org, texting, client):
    assert post_sms(client, "I will pay on Friday").status_code == 200
    assert not ContactPermission.objects.filter(kind="opt_out").exists()
    assert ContactAttempt.objects.get(direction="inbound").outcome == "texted a message"


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("STOP", "opt-out"),
        ("stop.", "opt-out"),
        ("Opt out", "opt-out"),
        ("please stop texting me", "opt-out"),
        ("UNSUBSCRIBE", "opt-out"),
        ("Start", "opt-in"),
        ("yes", "message"),
        ("I will pay at the end of the month when my paycheck comes in, thanks", "message"),
    ],
)
def test_what_a_text_means(body, intent):
    from recoup.outreach.inbound import intent as read

    assert read(body) == intent


def test_start_keeps_a_channel_wide_opt_out_staff_recorded(ny_org, texting, client):
    permission_record(customer=texting, kind="opt_out", channel="sms", source="asked on the phone", actor="staff")
    post_sms(client, "START")
    assert ContactPermission.objects.filter(customer=texting, kind="opt_out", revoked_at__isnull=True).exists()


def test_a_stop_reaches_every_organisation_that_knows_the_number(ny_org, texting, client):
    from recoup.ledger.services import customer_create
    from recoup.organisations.services import organisation_create

    other_org = organisation_create(slug="rival", name="Rival Supply")

    theirs = customer_create(organisation=other_org, external_id="X1", name="Pat Doe", kind="person")
    contact_point_add(customer=theirs, kind="phone", value=CELL, actor="test")
    post_sms(client, "STOP")
    assert ContactPermission.objects.filter(kind="opt_out", address=CELL).count() == 2
