"""Bounce reading against real bounces (the Sisimai corpus in ../shared/data/formats/bounces) and a few
made-up edge cases."""

from __future__ import annotations

import pytest

from recoup.core.bounces import BounceKind, bounces_in


@pytest.mark.parametrize(
    ("name", "recipient", "kind", "status", "original"),
    [
        ("rfc3464-01.eml", "userunknown@bouncehammer.jp", BounceKind.HARD, "5.1.1", "<E1C50F1B-"),
        # The original recipient; the returned message in this file has no headers left.
        ("lhost-postfix-01.eml", "kijitora@example.org", BounceKind.HARD, "5.1.1", ""),
        # Plain text, not RFC 3464.
        ("lhost-gmail-01.eml", "userunknown@example.jp", BounceKind.HARD, "5.1.1", "<D992C2C3-"),
        ("lhost-yahoo-01.eml", "kijitora@example.org", BounceKind.HARD, "5.1.1", "<6AE6249A-"),
        # SPF: the sender's fault, not the address's; the returned headers are quoted in the text part.
        ("lhost-office365-03.eml", "kijitora@example.com", BounceKind.SENDER, "5.1.0", "<000000000000.2222."),
    ],
)
def test_real_bounces(shared_data, name, recipient, kind, status, original):
    found = bounces_in((shared_data / "formats" / "bounces" / name).read_bytes())
    assert [(b.recipient, b.kind, b.status) for b in found] == [(recipient, kind, status)]
    assert found[0].original_message_id.startswith(original)


def test_an_out_of_office_reply_is_not_a_bounce(shared_data):
    assert bounces_in((shared_data / "formats" / "bounces" / "rfc3834-02.eml").read_bytes()) == []


def test_a_temporary_failure_is_soft_and_a_delivered_report_is_nothing():
    dsn = (
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; full@example.com\r\nAction: delayed\r\nStatus: 4.2.2\r\n\r\n"
        b"Final-Recipient: rfc822; fine@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n--b--\r\n"
    )
    assert [(b.recipient, b.kind) for b in bounces_in(dsn)] == [("full@example.com", BounceKind.SOFT)]


def test_plain_mail_is_not_a_bounce():
    assert bounces_in(b"From: a@example.com\r\nSubject: hello\r\n\r\nHi, see you at 5.1.1 street.\r\n") == []
