"""Delivering the outbox: queued emails and texts go where ``EMAIL_URL`` and ``SMS_URL`` say.

Each message is claimed before it is sent (``queued`` -> ``sending`` with a lease, in one UPDATE), so two
deliveries running at once (an hourly cycle overlapping itself, ``recoup outbox send`` during a cycle) never
send it twice; a claim whose process died is taken again once its lease has run out. Before every attempt
the guard is asked again, without recording: the debtor may have texted STOP, unsubscribed, asked to stop or
hired an attorney since the message was queued, or a retry may fall outside calling hours. A refusal for now
moves the attempt to when the guard allows it; a refusal for good cancels the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q

from recoup.compliance.services import contact_check
from recoup.core.compliance import Action, Channel
from recoup.organisations.models import Organisation
from recoup.outreach.models import Message, MessageStatus
from recoup.outreach.sending import covered_debts, links
from recoup.outreach.setup import outreach_settings_of
from recoup.outreach.sms import sms_provider

MAX_TRIES = 5
LEASE = timedelta(minutes=10)


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    held: int = 0  # the guard said not yet
    cancelled: int = 0  # the guard said never


def _claim(message_id: int, at: datetime) -> bool:
    """Take the message for sending; False when another delivery has it."""
    claimable = Q(status=MessageStatus.QUEUED) & (Q(next_try_at__isnull=True) | Q(next_try_at__lte=at))
    stale = Q(status=MessageStatus.SENDING, next_try_at__lte=at)
    return bool(
        Message.objects.filter(claimable | stale, pk=message_id).update(
            status=MessageStatus.SENDING, next_try_at=at + LEASE
        )
    )


def outbox_deliver(organisation: Organisation, at: datetime) -> Delivered:
    """Send the queued emails and texts whose time has come; a failure is retried with backoff, then marked."""
    result = Delivered()
    due = (
        Message.objects.filter(organisation=organisation, channel__in=[Channel.EMAIL, Channel.SMS])
        .filter(
            (Q(status=MessageStatus.QUEUED) & (Q(next_try_at__isnull=True) | Q(next_try_at__lte=at)))
            | Q(status=MessageStatus.SENDING, next_try_at__lte=at)
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    sender = outreach_settings_of(organisation)
    for message_id in list(due):
        if not _claim(message_id, at):
            continue
        message = Message.objects.select_related("customer__organisation", "touch").get(pk=message_id)
        covers = covered_debts(message)
        if not covers:
            message.status, message.next_try_at = MessageStatus.CANCELLED, None
            message.last_error = "cancelled: nothing is owed any more, or all of it is disputed"
            message.save(update_fields=["status", "next_try_at", "last_error"])
            result.cancelled += 1
            continue
        verdict = contact_check(
            customer=message.customer,
            action=Action(Channel(message.channel), debt_ids=covers, address=message.to_address),
            at=at,
            record=False,
        )
        if not verdict.allowed:
            rules = ", ".join(verdict.rule_ids)
            if verdict.next_allowed_at is not None:
                message.status, message.next_try_at = MessageStatus.QUEUED, verdict.next_allowed_at
                message.last_error = f"held by the guard ({rules}) until {verdict.next_allowed_at:%Y-%m-%d %H:%M} UTC"
                result.held += 1
            else:
                message.status, message.next_try_at = MessageStatus.CANCELLED, None
                message.last_error = f"cancelled: the guard now refuses it ({rules})"
                result.cancelled += 1
            message.save(update_fields=["status", "next_try_at", "last_error"])
            continue
        try:
            provider_id = _send_email(message, sender) if message.channel == Channel.EMAIL else _send_sms(message)
        except Exception as exc:  # any transport error: count it, back off, keep the message
            message.tries += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.tries >= MAX_TRIES:
                message.status, message.next_try_at = MessageStatus.FAILED, None
                result.failed += 1
            else:
                message.status = MessageStatus.QUEUED
                message.next_try_at = at + timedelta(minutes=2 ** (2 * message.tries))  # 4, 16, 64, 256 min
                result.retrying += 1
            message.save(update_fields=["tries", "last_error", "status", "next_try_at"])
            continue
        message.tries += 1
        message.status, message.sent_at, message.last_error, message.next_try_at = MessageStatus.SENT, at, "", None
        if provider_id:
            message.message_id = provider_id[:300]
        message.save(update_fields=["tries", "status", "sent_at", "last_error", "next_try_at", "message_id"])
        result.sent += 1
    return result


def _send_email(message: Message, sender) -> str:
    from_name = sender.sender_name or message.customer.organisation.name
    from_email = sender.sender_email or settings.DEFAULT_FROM_EMAIL
    unsubscribe = links(message.token)["unsubscribe_url"]
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=formataddr((from_name, from_email)),  # quotes names with commas ("Acme, Inc.")
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
        return ""
    email.connection = mail_connection()
    email.send(fail_silently=False)
    return ""  # the Message-ID we set is the id bounces refer to


def _send_sms(message: Message) -> str:
    return sms_provider().send(to=message.to_address, body=message.body_text)


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
