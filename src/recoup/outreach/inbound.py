"""Texts the debtors send back. A STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) becomes
an SMS opt-out for that number, which the guard reads (rule T2/P1) before any later text; START or UNSTOP
ends it. Every inbound text is kept in the attempt ledger as an inbound contact."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recoup.compliance.models import AttemptSource, ContactPermission, Direction, PermissionKind
from recoup.compliance.services import attempt_record, permission_revoke, sms_stop_received
from recoup.core.compliance import Channel
from recoup.ledger.contacts import normalise_phone
from recoup.ledger.models import ContactKind, ContactPoint, Customer
from recoup.organisations.models import Organisation

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
SHORT_MESSAGE_WORDS = 6  # "please stop texting me" is a stop request; a long letter mentioning "end" is not


@dataclass
class InboundResult:
    number: str
    customers: list[Customer]
    action: str  # "opt-out", "opt-in" or "message"


def intent(body: str) -> str:
    """ "opt-out", "opt-in" or "message". A stop word anywhere in a short text counts (revocation "by any
    reasonable means", and erring towards stopping is the safe side); START/UNSTOP only on its own."""
    words = re.sub(r"[^A-Za-z]+", " ", body).upper().split()
    joined = "".join(words)
    if joined in STOP_WORDS or joined in ("OPTOUT", "STOPALL"):
        return "opt-out"
    if len(words) <= SHORT_MESSAGE_WORDS and STOP_WORDS & set(words):
        return "opt-out"
    if joined in START_WORDS:
        return "opt-in"
    return "message"


def sms_received_anywhere(sender: str, body: str, at: datetime | None = None) -> list[InboundResult]:
    """A text to the shared number: it reaches every organisation that knows the sender's number."""
    try:
        number = normalise_phone(sender)
    except ValueError:
        number = sender.strip()
    organisations = Organisation.objects.filter(
        pk__in=ContactPoint.objects.filter(kind=ContactKind.PHONE, value=number).values("customer__organisation_id")
    )
    return [sms_received(organisation, sender, body, at) for organisation in organisations]


@transaction.atomic
def sms_received(organisation: Organisation, sender: str, body: str, at: datetime | None = None) -> InboundResult:
    at = at or timezone.now()
    try:
        number = normalise_phone(sender)
    except ValueError:
        number = sender.strip()
    customers = list(
        Customer.objects.filter(
            organisation=organisation,
            pk__in=ContactPoint.objects.filter(kind=ContactKind.PHONE, value=number).values("customer_id"),
        )
    )
    action = intent(body)
    for customer in customers:
        attempt_record(
            customer=customer,
            channel=Channel.SMS,
            at=at,
            direction=Direction.INBOUND,
            address=number,
            outcome={"opt-out": "texted STOP", "opt-in": "texted START"}.get(action, "texted a message"),
            source=AttemptSource.DEBTOR,
            actor="debtor",
        )
        if action == "opt-out":
            sms_stop_received(customer=customer, number=number, at=at)
        elif action == "opt-in":
            for permission in ContactPermission.objects.filter(
                customer=customer, kind=PermissionKind.OPT_OUT, channel=Channel.SMS, revoked_at__isnull=True
            ).filter(address=number):  # a channel-wide opt-out recorded by staff stays
                permission_revoke(permission=permission, actor="debtor", at=at)
    return InboundResult(number, customers, action)
