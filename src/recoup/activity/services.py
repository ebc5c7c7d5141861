"""Writes on accounts: notes, calls, disputes. Each is audited in its own transaction."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from recoup.activity.models import CONNECTED_OUTCOMES, Call, CallOutcome, Dispute, DisputeStatus, Note
from recoup.audit.services import actor_label, audit_record
from recoup.compliance.models import AttemptSource
from recoup.compliance.services import attempt_record
from recoup.ledger.models import ContactPoint, Customer, Invoice
from recoup.ledger.services import customer_balances_refresh
from recoup.outreach.services import call_outcome_apply
from recoup.webhooks.services import webhook_emit

MAX_NOTE = 10_000


class ActivityError(ValueError):
    pass


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def note_add(*, customer: Customer, body: str, actor, pinned: bool = False) -> Note:
    body = body.strip()
    if not body:
        raise ActivityError("A note needs some text.")
    if len(body) > MAX_NOTE:
        raise ActivityError(f"A note can be at most {MAX_NOTE:,} characters.")
    note = Note.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        author=_user(actor),
        author_label=actor_label(actor),
        body=body,
        pinned=pinned,
    )
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="note.created",
        target=note,
        after={"customer": customer.external_id, "body": body, "pinned": pinned},
    )
    return note


def _line_of(customer: Customer, phone: str) -> str:
    point = ContactPoint.objects.filter(customer=customer, kind="phone", value=phone).first()
    return point.line if point else "unknown"


@transaction.atomic
def call_log(
    *,
    customer: Customer,
    outcome: str,
    actor,
    phone: str = "",
    notes: str = "",
    promise_date: date | None = None,
    promise_amount_cents: int | None = None,
    today: date | None = None,
) -> Call:
    """Record a call and its outcome. A promise to pay needs a date (not in the past) and an amount."""
    if outcome not in CallOutcome.values:
        raise ActivityError("Choose what happened on the call.")
    if outcome == CallOutcome.PROMISE_TO_PAY:
        if promise_date is None or not promise_amount_cents or promise_amount_cents <= 0:
            raise ActivityError("A promise to pay needs the date and the amount promised.")
        if today is not None and promise_date < today:
            raise ActivityError("The promised date is in the past.")
    else:
        promise_date, promise_amount_cents = None, None
    call = Call.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        author=_user(actor),
        author_label=actor_label(actor),
        phone=phone,
        outcome=outcome,
        notes=notes.strip(),
        promise_date=promise_date,
        promise_amount_cents=promise_amount_cents,
    )
    # The attempt ledger counts it: every call, answered or not, toward the caps and quiet periods.
    attempt_record(
        customer=customer,
        channel="call",
        at=call.called_at,
        address=phone,
        line=_line_of(customer, phone),
        connected=True,
        conversation=outcome in CONNECTED_OUTCOMES,
        outcome=outcome,
        source=AttemptSource.STAFF,
        actor=actor,
    )
    call_outcome_apply(customer=customer, call=call, actor=actor, today=today)
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="call.logged",
        target=call,
        after={
            "customer": customer.external_id,
            "outcome": outcome,
            "phone": phone,
            "promise_date": promise_date.isoformat() if promise_date else None,
            "promise_amount_cents": promise_amount_cents,
        },
    )
    return call


@transaction.atomic
def dispute_open(*, invoice: Invoice, reason: str, actor) -> Dispute:
    reason = reason.strip()
    if not reason:
        raise ActivityError("Say what the customer disputes.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).exists():
        raise ActivityError(f"Invoice {invoice.number} already has an open dispute.")
    dispute = Dispute.objects.create(
        organisation_id=invoice.organisation_id,
        customer_id=invoice.customer_id,
        invoice=invoice,
        reason=reason,
        opened_by=_user(actor),
        opened_by_label=actor_label(actor),
    )
    before = invoice.disputed
    invoice.disputed = True
    invoice.save(update_fields=["disputed"])
    customer_balances_refresh(customer_ids=[invoice.customer_id])
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action="invoice.disputed",
        target=invoice,
        before={"disputed": before},
        after={"disputed": True, "reason": reason, "dispute": dispute.pk},
    )
    webhook_emit(
        invoice.organisation_id,
        "customer.disputed",
        {
            "customer_id": invoice.customer.external_id,
            "invoice_number": invoice.number,
            "reason": reason,
        },
    )
    return dispute


@transaction.atomic
def dispute_close(*, dispute: Dispute, status: str, resolution: str, actor) -> Dispute:
    """Close a dispute as verified (the debt stands) or resolved; the invoice is no longer disputed."""
    if status not in (DisputeStatus.VERIFIED, DisputeStatus.RESOLVED):
        raise ActivityError("A dispute closes as verified or resolved.")
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise ActivityError("This dispute is already closed.")
    dispute.status, dispute.resolution, dispute.closed_at = status, resolution.strip(), timezone.now()
    dispute.save(update_fields=["status", "resolution", "closed_at"])
    invoice = dispute.invoice
    invoice.disputed = False
    invoice.save(update_fields=["disputed"])
    customer_balances_refresh(customer_ids=[invoice.customer_id])
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=f"dispute.{status}",
        target=dispute,
        before={"status": DisputeStatus.OPEN, "invoice_disputed": True},
        after={"status": status, "resolution": dispute.resolution, "invoice_disputed": False},
    )
    webhook_emit(
        invoice.organisation_id,
        "dispute.closed",
        {
            "customer_id": invoice.customer.external_id,
            "invoice_number": invoice.number,
            "status": status,
            "resolution": dispute.resolution,
        },
    )
    return dispute
