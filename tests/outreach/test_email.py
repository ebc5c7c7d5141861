"""Reminder email end to end: a real SMTP server on loopback (aiosmtpd) receives it, and its links work when
followed through the app: the open pixel, the pay link, the one-click unsubscribe."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from recoup.compliance.models import ContactPermission
from recoup.outreach.cycle import cycle_run
from recoup.outreach.delivery import outbox_deliver
from recoup.outreach.models import Message
from tests.outreach.conftest import day, noon

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_a_reminder_arrives_over_smtp_and_its_links_work(ny_org, b2b, smtp, settings, client):
    controller, inbox = smtp
    settings.EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    result = cycle_run(ny_org, day(3), at=noon(3))
    assert result.delivered == 1
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert recipients == ["ap@acme.example"]
    email = message_from_bytes(raw, policy=policy.default)
    assert email["Subject"] == "Reminder: invoice INV-1 is overdue"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = str(email["List-Unsubscribe"]).strip().strip("<>")
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "$1,240.00" in text and "To stop reminder emails, unsubscribe:" in text  # the opt-out line
    pixel = re.search(r'<img src="([^"]+open\.gif)"', html).group(1)
    pay = re.search(r'<a href="([^"]+/pay)"', html).group(1)

    message = Message.objects.get(customer=b2b)
    assert message.status == "sent" and message.opened_at is None
    assert client.get(path_of(pixel)).headers["Content-Type"] == "image/gif"
    message.refresh_from_db()
    assert message.opened_at is not None and message.opens == 1

    response = client.get(path_of(pay))
    assert response.status_code == 302
    statement = client.get(response.headers["Location"])
    assert b"INV-1" in statement.content and b"$1,240.00" in statement.content
    message.refresh_from_db()
    assert message.clicks == 1

    assert b"Stop reminder emails?" in client.get(path_of(unsubscribe_url)).content  # a GET changes nothing
    assert not ContactPermission.objects.filter(customer=b2b).exists()
    # The mail provider's one-click POST (RFC 8058) carries no CSRF token and needs none.
    client.handler.enforce_csrf_checks = True
    done = client.post(path_of(unsubscribe_url), "List-Unsubscribe=One-Click", content_type="text/plain")
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    opt_out = ContactPermission.objects.get(customer=b2b)
    assert (opt_out.kind, opt_out.channel, opt_out.address) == ("opt_out", "email", "ap@acme.example")


def test_an_unknown_token_is_not_found(client, db):
    assert client.get("/m/nope/").status_code == 404
    assert client.get("/m/nope/open.gif").status_code == 200  # a pixel never shows an error in a mail client


def test_a_failing_smtp_server_is_retried_with_backoff(ny_org, b2b, smtp, settings):
    controller, inbox = smtp
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    cycle_run(ny_org, day(3), at=noon(3))
    message = Message.objects.get(customer=b2b)
    assert (message.status, message.tries) == ("queued", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert (message.next_try_at - noon(3)).total_seconds() == 4 * 60
    settings.EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    assert outbox_deliver(ny_org, noon(3)).sent == 0  # not before its time
    assert outbox_deliver(ny_org, message.next_try_at).sent == 1
    message.refresh_from_db()
    assert (message.status, message.tries) == ("sent", 2)
    assert len(inbox.messages) == 1


def test_the_embedded_default_writes_one_eml_per_message(ny_org, b2b, settings, tmp_path):
    settings.EMAIL_URL = f"file://{tmp_path}/outbox"
    cycle_run(ny_org, day(3), at=noon(3))
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert message_from_bytes(files[0].read_bytes(), policy=policy.default)["To"] == "ap@acme.example"


def test_a_sender_name_with_a_comma_still_sends_over_smtp(ny_org, b2b, smtp, settings):
    controller, inbox = smtp
    settings.EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    ny_org.name = "Acme, Inc."
    ny_org.save(update_fields=["name"])
    assert cycle_run(ny_org, day(3), at=noon(3)).delivered == 1
    assert (
        message_from_bytes(inbox.messages[0][2], policy=policy.default)["From"].addresses[0].display_name
        == "Acme, Inc."
    )


def test_delivery_claims_each_message_so_two_runs_never_send_it_twice(ny_org, b2b, smtp, settings):
    from recoup.outreach.delivery import _claim

    controller, inbox = smtp
    settings.EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    cycle_run(ny_org, day(3), at=noon(3), deliver=False)
    message = Message.objects.get()
    assert _claim(message.pk, noon(3)) is True
    assert _claim(message.pk, noon(3)) is False  # another delivery holds it
    assert outbox_deliver(ny_org, noon(3)).sent == 0  # nor does a second run take it
    later = noon(3) + timedelta(minutes=11)  # the first run died: its lease runs out
    assert outbox_deliver(ny_org, later).sent == 1
    assert outbox_deliver(ny_org, later).sent == 0
    assert len(inbox.messages) == 1


def test_the_guard_is_asked_again_before_delivery(ny_org, b2b, settings):
    from recoup.outreach.services import unsubscribe

    settings.EMAIL_URL = "locmem://"
    cycle_run(ny_org, day(3), at=noon(3), deliver=False)
    message = Message.objects.get()
    unsubscribe(message.token, at=noon(3))  # between queueing and delivery
    result = outbox_deliver(ny_org, noon(3) + timedelta(minutes=1))
    assert (result.sent, result.cancelled) == (0, 1)
    message.refresh_from_db()
    assert message.status == "cancelled" and "P1" in message.last_error


def test_names_and_invoice_numbers_are_escaped_in_the_html_part(ny_org, b2b):
    b2b.name = 'Acme <img src="https://evil.example/x">'
    b2b.save(update_fields=["name"])
    b2b.invoices.filter(number="INV-1").update(number="<b>INV-1</b>")
    cycle_run(ny_org, day(3), at=noon(3), deliver=False)
    html = Message.objects.get().body_html
    assert '<img src="https://evil' not in html and "&lt;img" in html
    assert "<b>INV-1</b>" not in html and "&lt;b&gt;INV-1" in html
