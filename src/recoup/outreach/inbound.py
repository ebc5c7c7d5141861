"""Texts the debtors send back. A STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) becomes
an SMS opt-out for that number, which the guard reads (rule T2/P1) before any later text; START or UNSTOP
ends it. Every inbound text is kept in the attempt ledger as an inbound contact."""

from __future__ import annotations

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
START_WORDS = frozenset({"START", "UNSTOP", "YES"})


@dataclass
class InboundResult:
    number: str
    customers: list[Customer]
    action: str  # "opt-out", "opt-in" or "message"


def keyword(body: str) -> str:
    words = body.strip().upper().split()
    return words[0].strip(".!") if words else ""


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
    word = keyword(body)
    action = "opt-out" if word in STOP_WORDS else "opt-in" if word in START_WORDS else "message"
    for customer in customers:
        attempt_record(
            customer=customer,
            channel=Channel.SMS,
            at=at,
            direction=Direction.INBOUND,
            address=number,
            outcome=f"texted {word or 'a message'}"[:40],
            source=AttemptSource.DEBTOR,
            actor="debtor",
        )
        if action == "opt-out":
            sms_stop_received(customer=customer, number=number, at=at)
        elif action == "opt-in":
            for permission in ContactPermission.objects.filter(
                customer=customer, kind=PermissionKind.OPT_OUT, channel=Channel.SMS, revoked_at__isnull=True
            ).filter(address__in=[number, ""]):
                permission_revoke(permission=permission, actor="debtor", at=at)
    return InboundResult(number, customers, action)
