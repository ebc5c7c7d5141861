"""The customer's timeline: every interaction and every movement of money, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from recoup.activity.models import Call, Dispute, DisputeStatus, Note
from recoup.core.money import format_minor
from recoup.ledger.models import CreditNote, Customer, Invoice, Payment
from recoup.outreach.models import Touch


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened on an account.

    Attributes:
        kind: note, call, dispute, dispute_closed, payment, credit, invoice (also the icon and colour).
        at: when, for ordering; ledger events have only a date and sort at the end of that day.
        title: one line for people.
        detail: more text, or "".
        who: who did it ("" for ledger events).
        amount_cents, currency: for money events.
        pinned: notes pinned to the top.
    """

    kind: str
    at: datetime
    title: str
    detail: str = ""
    who: str = ""
    amount_cents: int | None = None
    currency: str = ""
    pinned: bool = False
    is_date_only: bool = False


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def timeline_for(customer: Customer, limit: int = 100) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for note in Note.objects.filter(customer=customer)[:limit]:
        entries.append(TimelineEntry("note", note.created_at, "Note", note.body, note.author_label, pinned=note.pinned))
    for call in Call.objects.filter(customer=customer)[:limit]:
        detail = call.notes
        if call.promise_date:
            promised = format_minor(call.promise_amount_cents or 0, customer.organisation.currency)
            detail = f"Promised {promised} by {call.promise_date:%d %b %Y}. {detail}".strip()
        entries.append(
            TimelineEntry(
                "call",
                call.called_at,
                f"Call: {call.get_outcome_display()}",
                detail,
                call.author_label,
                amount_cents=call.promise_amount_cents,
            )
        )
    for dispute in Dispute.objects.filter(customer=customer).select_related("invoice")[:limit]:
        entries.append(
            TimelineEntry(
                "dispute",
                dispute.opened_at,
                f"Invoice {dispute.invoice.number} disputed",
                dispute.reason,
                dispute.opened_by_label,
            )
        )
        if dispute.status != DisputeStatus.OPEN and dispute.closed_at:
            entries.append(
                TimelineEntry(
                    "dispute_closed",
                    dispute.closed_at,
                    f"Dispute of {dispute.invoice.number} {dispute.get_status_display().lower()}",
                    dispute.resolution,
                )
            )
    for payment in Payment.objects.filter(customer=customer).order_by("-payment_date")[:limit]:
        title = f"Payment received{f' ({payment.method})' if payment.method else ''}"
        entries.append(
            TimelineEntry(
                "payment",
                _end_of(payment.payment_date),
                title,
                payment.reference,
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                is_date_only=True,
            )
        )
    for note in CreditNote.objects.filter(customer=customer).order_by("-issue_date")[:limit]:
        entries.append(
            TimelineEntry(
                "credit",
                _end_of(note.issue_date),
                f"Credit note {note.number}",
                note.reason,
                amount_cents=note.amount_cents,
                currency=note.currency,
                is_date_only=True,
            )
        )
    for invoice in Invoice.objects.filter(customer=customer).order_by("-issue_date")[:limit]:
        entries.append(
            TimelineEntry(
                "invoice",
                _end_of(invoice.issue_date),
                f"Invoice {invoice.number} issued",
                f"Due {invoice.due_date.isoformat()}",
                amount_cents=invoice.amount_cents,
                currency=invoice.currency,
                is_date_only=True,
            )
        )
    entries.extend(_touches(customer, limit))
    entries.sort(key=lambda e: (e.pinned, e.at), reverse=True)
    return entries[:limit]


CHANNEL_NOUNS = {"email": "Reminder email", "sms": "Text", "letter": "Letter", "call": "Call task"}


def _touches(customer: Customer, limit: int) -> list[TimelineEntry]:
    """What the collection cycle did: each step sent, queued, deferred or blocked, with opens and bounces."""
    entries = []
    for touch in Touch.objects.filter(customer=customer).select_related("message").order_by("-id")[:limit]:
        noun = CHANNEL_NOUNS.get(touch.channel, touch.channel)
        message = getattr(touch, "message", None)
        detail = [touch.reason] if touch.reason else []
        status = touch.get_status_display().lower()
        if message is not None:
            detail.insert(0, f"“{message.subject}” to {message.to_address}" if message.subject else message.to_address)
            status = {"bounced": "bounced", "failed": "failed to send"}.get(message.status, status)
            if message.status == "queued" and touch.channel != "letter":
                status = "waiting in the outbox"
            if message.opened_at:
                detail.append(
                    f"Opened {message.opened_at:%d %b %H:%M}"
                    + (f", clicked {message.clicks}x" if message.clicks else "")
                )
        entries.append(
            TimelineEntry(
                "reminder" if touch.status not in ("blocked", "deferred", "skipped") else "blocked",
                touch.done_at or touch.created_at,
                f"{noun}: {touch.step_name} · {status}",
                "\n".join(detail),
                "collection cycle",
                amount_cents=touch.amount_cents,
                currency=touch.currency,
            )
        )
    return entries
