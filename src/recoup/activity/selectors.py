"""The customer's timeline: every interaction and every movement of money, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from recoup.activity.models import Call, Dispute, DisputeStatus, Note
from recoup.ledger.models import CreditNote, Customer, Invoice, Payment


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
            detail = f"Promised {call.promise_amount_cents} on {call.promise_date.isoformat()}. {detail}".strip()
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
    entries.sort(key=lambda e: (e.pinned, e.at), reverse=True)
    return entries[:limit]
