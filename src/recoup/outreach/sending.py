"""Turning a claimed touch into a contact: the guard, the message, the outbox and its delivery.

``deliver_touch`` asks ``compliance.services.contact_make`` (the one door for outbound contact) and, when it
allows, writes the message: an email or a text to the outbox, a letter to the day's print batch, or a call
task to a collector's queue. ``outbox_deliver`` sends queued emails and texts where ``EMAIL_URL`` and
``SMS_URL`` say, retrying with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from recoup.compliance import selectors as compliance_selectors
from recoup.compliance.explain import channel_action
from recoup.compliance.models import AttemptSource, ComplianceSettings
from recoup.compliance.services import contact_check, contact_make
from recoup.core.compliance import Channel, Decision, Mode
from recoup.core.money import format_minor
from recoup.ledger.contacts import display_phone
from recoup.ledger.models import Customer, Invoice
from recoup.outreach.accounts import ladders_of
from recoup.outreach.models import CallTask, Message, MessageStatus, Touch, TouchStatus
from recoup.outreach.services import collector_for
from recoup.outreach.setup import outreach_settings_of
from recoup.outreach.sms import sms_provider
from recoup.outreach.templates import email_html, render, template_for

MAX_TRIES = 5
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
    sender = outreach_settings_of(organisation)
    as_of = touch.planned_on
    invoices = []
    for invoice in Invoice.objects.filter(
        customer=customer, currency=touch.currency, settled_on__isnull=True, disputed=False
    ).order_by("due_date", "id"):
        open_cents = invoice.amount_cents - invoice.applied_cents
        if open_cents <= 0:
            continue
        invoices.append(
            {
                "number": invoice.number,
                "due_date": f"{invoice.due_date:%d %b %Y}",
                "amount": format_minor(invoice.amount_cents, invoice.currency),
                "open": format_minor(open_cents, invoice.currency),
                "days_overdue": max((as_of - invoice.due_date).days, 0),
            }
        )
    total = touch.amount_cents
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
        "step": {"name": touch.step_name, "tone": ""},
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
    if channel is Channel.CALL:
        # The call happens when a collector dials; the guard is asked again then (activity.call_log). Here it
        # only stops a task that could never be made (cease, attorney, opt-out).
        decision = contact_check(customer=customer, action=action, at=at, source=AttemptSource.CYCLE)
        if not decision.allowed and decision.next_allowed_at is None:
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
            footer=(
                f"You receive this because you have an account with {context['business']['name']}. "
                f'<a href="{context["unsubscribe_url"]}">Unsubscribe from reminder emails</a>.'
            ),
            pixel=links(message.token)["pixel"],
        )
        message.message_id = make_msgid(domain=urlsplit(base_url()).hostname or "recoup.local")
    message.subject, message.body_text = rendered.subject, text
    message.status = MessageStatus.QUEUED
    message.save()
    return message


def _template_key(touch: Touch) -> str:
    ladder = ladders_of(touch.organisation, [touch.customer_id]).by_key.get(touch.ladder_key)
    step = ladder.step(touch.step_key) if ladder else None
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


# --- Delivery. ---


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0
    retrying: int = 0


def outbox_deliver(organisation, at: datetime) -> Delivered:
    """Send queued emails and texts whose time has come; a failure is retried with backoff, then marked."""
    result = Delivered()
    due = Message.objects.filter(
        organisation=organisation, status=MessageStatus.QUEUED, channel__in=[Channel.EMAIL, Channel.SMS]
    ).exclude(next_try_at__gt=at)
    sender = outreach_settings_of(organisation)
    for message in due.select_related("customer").order_by("id"):
        try:
            if message.channel == Channel.EMAIL:
                _send_email(message, sender)
            else:
                _send_sms(message)
        except Exception as exc:  # any transport error: count it, back off, keep the message
            message.tries += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.tries >= MAX_TRIES:
                message.status = MessageStatus.FAILED
                result.failed += 1
            else:
                message.next_try_at = at + timedelta(minutes=2 ** (2 * message.tries))  # 4, 16, 64, 256 min
                result.retrying += 1
            message.save(update_fields=["tries", "last_error", "status", "next_try_at"])
            continue
        message.tries += 1
        message.status, message.sent_at, message.last_error = MessageStatus.SENT, at, ""
        message.save(update_fields=["tries", "status", "sent_at", "last_error"])
        result.sent += 1
    return result


def _send_email(message: Message, sender) -> None:
    from_name = sender.sender_name or message.customer.organisation.name
    from_email = sender.sender_email or settings.DEFAULT_FROM_EMAIL
    unsubscribe = links(message.token)["unsubscribe_url"]
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=f"{from_name} <{from_email}>",
        to=[message.to_address],
        reply_to=[sender.reply_to] if sender.reply_to else None,
        headers={
            "Message-ID": message.message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    url = urlsplit(settings.EMAIL_URL)
    if url.scheme == "file":
        folder = _folder(url)
        (folder / f"{message.created_at:%Y%m%d-%H%M%S}-{message.token}.eml").write_bytes(email.message().as_bytes())
        return
    email.connection = mail_connection()
    email.send(fail_silently=False)


def _folder(url) -> Path:
    path = unquote(url.path)
    folder = Path(path[1:] if path.startswith("/./") else path) if url.netloc in ("", ".") else Path(url.netloc + path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def mail_connection():
    """A Django mail connection for ``EMAIL_URL``: ``smtp://[user:pass@]host:port[?tls=1]`` or ``console:``."""
    url = urlsplit(settings.EMAIL_URL)
    if url.scheme in ("smtp", "smtps"):
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=url.hostname or "localhost",
            port=url.port or (465 if url.scheme == "smtps" else 25),
            username=unquote(url.username or ""),
            password=unquote(url.password or ""),
            use_tls="tls=1" in (url.query or ""),
            use_ssl=url.scheme == "smtps",
            timeout=10,
        )
    if url.scheme == "console":
        return get_connection("django.core.mail.backends.console.EmailBackend")
    if url.scheme == "locmem":
        return get_connection("django.core.mail.backends.locmem.EmailBackend")
    raise ValueError(f"EMAIL_URL {settings.EMAIL_URL!r}: use smtp://host:port, file:///folder or console:")


def _send_sms(message: Message) -> None:
    message.message_id = sms_provider().send(to=message.to_address, body=message.body_text)
