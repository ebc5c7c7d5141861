"""Turning a claimed touch into a contact: the guard, the message, the outbox and its delivery.

``deliver_touch`` asks ``compliance.services.contact_make`` (the one door for outbound contact) and, when it
allows, writes the message: an email or a text to the outbox, a letter to the day's print batch, or a call
task to a collector's queue. ``outbox_deliver`` sends queued emails and texts where ``EMAIL_URL`` and
``SMS_URL`` say, retrying with backoff.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.html import format_html

from recoup.compliance import selectors as compliance_selectors
from recoup.compliance.explain import channel_action
from recoup.compliance.models import AttemptSource, ComplianceSettings
from recoup.compliance.services import block_record, contact_check, contact_make
from recoup.core.compliance import Channel, Decision, Mode
from recoup.core.money import format_minor
from recoup.ledger.contacts import display_phone
from recoup.ledger.models import Customer, Invoice
from recoup.outreach.accounts import ladders_of
from recoup.outreach.models import CallTask, Message, MessageStatus, Touch, TouchStatus
from recoup.outreach.services import collector_for
from recoup.outreach.setup import outreach_settings_of
from recoup.outreach.templates import email_html, render, template_for

ADDRESS_WORDS = {
    Channel.EMAIL: "email address",
    Channel.SMS: "mobile number",
    Channel.CALL: "phone number",
    Channel.LETTER: "postal address",
}


def base_url() -> str:
    return settings.RECOUP_BASE_URL.rstrip("/")


def links(token: str) -> dict[str, str]:
    base = base_url()
    return {
        "pay_url": f"{base}/m/{token}/pay",
        "unsubscribe_url": f"{base}/m/{token}/unsubscribe",
        "pixel": f"{base}/m/{token}/open.gif",
    }


def message_context(customer: Customer, touch: Touch, token: str, at: datetime) -> dict:
    organisation = customer.organisation
    step = _step_of(touch)
    sender = outreach_settings_of(organisation)
    as_of = touch.planned_on
    invoices, total = [], 0
    # The same invoices the cycle counted (undisputed, open, issued by the day): the total is their sum.
    for invoice in Invoice.objects.filter(
        customer=customer,
        currency=touch.currency,
        settled_on__isnull=True,
        disputed=False,
        issue_date__lte=as_of,
    ).order_by("due_date", "id"):
        open_cents = invoice.amount_cents - invoice.applied_cents
        if open_cents <= 0:
            continue
        total += open_cents
        invoices.append(
            {
                "number": invoice.number,
                "due_date": f"{invoice.due_date:%d %b %Y}",
                "amount": format_minor(invoice.amount_cents, invoice.currency),
                "open": format_minor(open_cents, invoice.currency),
                "days_overdue": max((as_of - invoice.due_date).days, 0),
            }
        )
    first = invoices[0] if invoices else {"number": "", "due_date": "", "amount": "", "open": "", "days_overdue": 0}
    name = customer.name or customer.external_id
    mode = ComplianceSettings.objects.filter(organisation=organisation).values_list("mode", flat=True).first()
    return {
        "customer": {"name": name, "first_name": name.split()[0] if customer.kind == "person" and name else name},
        "business": {
            "name": sender.sender_name or organisation.name,
            "phone": display_phone(sender.phone) if sender.phone.startswith("+") else sender.phone,
            "email": sender.reply_to or sender.sender_email,
            "address": sender.postal_address,
        },
        "total": format_minor(total, touch.currency),
        "invoices": invoices,
        "first_invoice": first,
        "due_date": first["due_date"],
        "days_overdue": first["days_overdue"],
        "step": {"name": touch.step_name, "tone": step.tone.value if step else ""},
        "third_party": mode == Mode.THIRD_PARTY,
        "opened": None,
        **{k: v for k, v in links(token).items() if k != "pixel"},
    }


@transaction.atomic
def deliver_touch(touch: Touch, at: datetime) -> tuple[str, str, Decision | None]:
    """Ask the guard and produce the contact for a claimed (or deferred) touch; updates and returns its
    status, the reason, and the guard's decision."""
    customer = Customer.objects.select_related("organisation").get(pk=touch.customer_id)
    channel = Channel(touch.channel)
    facts = compliance_selectors.debtor_facts(customer, at)
    action = channel_action(facts, compliance_selectors.contact_details(customer), channel)
    if action is None:
        return _finish(touch, TouchStatus.SKIPPED, f"no usable {ADDRESS_WORDS[channel]}", at)
    touch.address = action.address
    touch.invoices = sorted(action.debt_ids)  # empty: all the debtor's debts
    if channel is Channel.CALL:
        # The call happens when a collector dials; the guard is asked again then (activity.call_log). Here it
        # only stops a task that could never be made (cease, attorney, opt-out).
        decision = contact_check(customer=customer, action=action, at=at, record=False)
        if not decision.allowed and decision.next_allowed_at is None:
            block_record(
                customer=customer, action=action, decision=decision, at=at, source=AttemptSource.CYCLE, actor=None
            )
            return _finish(touch, TouchStatus.BLOCKED, _words(decision), at, decision)
        _call_task(customer, touch, at, decision)
        return _finish(touch, TouchStatus.TASK, "", at, decision)
    decision, _attempt = contact_make(customer=customer, action=action, at=at, source=AttemptSource.CYCLE)
    if not decision.allowed:
        if decision.next_allowed_at is not None:
            touch.retry_at = decision.next_allowed_at
            return _finish(touch, TouchStatus.DEFERRED, _words(decision), at, decision, done=False)
        return _finish(touch, TouchStatus.BLOCKED, _words(decision), at, decision)
    _message(customer, touch, channel, action.address, at)
    status = TouchStatus.QUEUED if channel is Channel.LETTER else TouchStatus.SENT
    return _finish(touch, status, "", at, decision)


def _words(decision: Decision) -> str:
    return "; ".join(f"{v.rule}: {v.message}" for v in decision.violations)[:400]


def _finish(
    touch: Touch, status: str, reason: str, at: datetime, decision: Decision | None = None, done: bool = True
) -> tuple[str, str, Decision | None]:
    touch.status, touch.reason = status, reason
    touch.rules = list(decision.rule_ids) if decision is not None and not decision.allowed else []
    if done:
        touch.done_at, touch.retry_at = at, None
    touch.save()
    return status, reason, decision


def _message(customer: Customer, touch: Touch, channel: Channel, address: str, at: datetime) -> Message:
    message = Message(
        organisation_id=touch.organisation_id,
        customer=customer,
        touch=touch,
        channel=channel.value,
        to_address=address,
        created_at=at,
    )
    context = message_context(customer, touch, message.token, at)
    template = template_for(customer.organisation, _template_key(touch))
    rendered = render(template.subject, template.body, context)
    text = rendered.text
    if channel is Channel.EMAIL:
        footer = (
            f"You receive this because you have an account with {context['business']['name']}. "
            f"To stop reminder emails, unsubscribe: {context['unsubscribe_url']}"
        )
        text = f"{text}\n--\n{footer}\n"
        message.body_html = email_html(
            rendered.text,
            business=context["business"]["name"],
            total=context["total"],
            due_date=context["due_date"],
            pay_url=context["pay_url"],
            footer=format_html(
                'You receive this because you have an account with {}. <a href="{}">Unsubscribe from reminder '
                "emails</a>.",
                context["business"]["name"],
                context["unsubscribe_url"],
            ),
            pixel=links(message.token)["pixel"],
        )
        message.message_id = make_msgid(domain=urlsplit(base_url()).hostname or "recoup.local")
    message.subject, message.body_text = rendered.subject[:300], text
    message.status = MessageStatus.QUEUED
    message.save()
    return message


def _step_of(touch: Touch):
    ladder = ladders_of(touch.organisation, [touch.customer_id]).by_key.get(touch.ladder_key)
    return ladder.step(touch.step_key) if ladder else None


def _template_key(touch: Touch) -> str:
    step = _step_of(touch)
    return step.template if step else "overdue"


def _call_task(customer: Customer, touch: Touch, at: datetime, decision: Decision) -> None:
    if CallTask.objects.filter(customer=customer, status="open").exists():
        return  # one open call task per customer; the queue already has them
    context = message_context(customer, touch, "call", at)
    template = template_for(customer.organisation, "call_script")
    rendered = render(template.subject, template.body, context)
    reason = touch.step_name
    if not decision.allowed and decision.next_allowed_at is not None:
        reason += f" · callable from {decision.next_allowed_at:%H:%M} UTC"
    CallTask.objects.create(
        organisation_id=touch.organisation_id,
        customer=customer,
        touch=touch,
        due_on=touch.planned_on,
        reason=reason[:300],
        script=rendered.text,
        created_at=at,
        assignee_id=collector_for(customer.organisation),
    )


def covered_debts(message: Message) -> frozenset[str]:
    """The invoices a queued message asks for, as they stand now: open and undisputed in its currency. What the
    guard is asked about before it goes out; empty when nothing is left to ask for."""
    currency = message.touch.currency if message.touch else message.customer.organisation.currency
    return frozenset(
        Invoice.objects.filter(
            customer_id=message.customer_id,
            currency=currency,
            settled_on__isnull=True,
            disputed=False,
            amount_cents__gt=F("applied_cents"),
        ).values_list("number", flat=True)
    )
