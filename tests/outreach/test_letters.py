"""Letters: the print batch holds every letter waiting (whatever day it was queued), asks the guard again,
and never asks for a disputed amount; statements list disputed invoices apart from the amount due."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from recoup.activity.services import dispute_open
from recoup.compliance.services import profile_update
from recoup.outreach.cycle import cycle_run
from recoup.outreach.letters import letter_batch, statement_pdf
from recoup.outreach.models import Message
from tests.outreach.conftest import day, noon

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def to_the_letter(org) -> None:
    for n in (3, 10, 17, 21, 30):  # the B2B ladder's statement letter is day 30
        cycle_run(org, day(n), at=noon(n), deliver=False)


def test_letters_queued_on_earlier_days_are_in_the_next_batch(ny_org, b2b):
    to_the_letter(ny_org)
    pdf, count = letter_batch(ny_org, day(33))  # printed three days later
    assert count == 1 and "Acme Supply" in text_of(pdf)
    assert letter_batch(ny_org, day(33)) == (b"", 0)  # printed once


def test_a_letter_the_guard_now_refuses_is_cancelled_not_printed(ny_org, patient):
    from recoup.ledger.models import Customer

    for n in (5, 12, 20):  # the consumer ladder's letter is day 20
        cycle_run(ny_org, day(n), at=noon(n), deliver=False)
    assert Message.objects.filter(channel="letter", status="queued").count() == 1
    profile_update(customer=Customer.objects.get(pk=patient.pk), changes={"cease_requested_at": noon(21)}, actor="test")
    assert letter_batch(ny_org, day(22)) == (b"", 0)
    letter = Message.objects.get(channel="letter")
    assert letter.status == "cancelled" and "F6" in letter.last_error


def test_disputed_invoices_are_never_asked_for(ny_org, b2b):
    to_the_letter(ny_org)
    dispute_open(invoice=b2b.invoices.get(number="INV-1"), reason="damaged goods", actor="test")
    letter = text_of(letter_batch(ny_org, day(31))[0])
    assert "Total open $340.00" in letter and "INV-1" not in letter.split("Invoice Due")[1]
    statement = text_of(statement_pdf(b2b, day(31)))
    assert "Amount due: $340.00" in statement
    assert "In dispute (not due while we look into it)" in statement and "Total in dispute $900.00" in statement
