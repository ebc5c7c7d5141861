"""Reading bounce messages: which address failed, for good or for now, and which message it was.

Standard delivery-status notifications (RFC 3464: ``multipart/report; report-type=delivery-status``) are read
field by field. Providers that send plain text instead (Gmail, Yahoo) are read from ``X-Failed-Recipients``
and the SMTP reply quoted in the body. Out-of-office replies are not bounces.

Only a permanent failure of the *recipient* makes an address bad. A 5.x.x the sending side caused (SPF, DKIM,
DMARC, a blocked sender) says nothing about the address, so it is reported as a sender problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from enum import StrEnum

STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
ADDRESS_RE = re.compile(r"<?([A-Za-z0-9._%+\-=]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})>?")
SENDER_SIDE_RE = re.compile(r"\b(spf|dkim|dmarc|sender (?:address|domain|policy)|not allowed to send)\b", re.I)
AUTO_REPLY_SUBJECT_RE = re.compile(r"^(automatic reply|auto(?:matic)?[- ]?reply|out of (?:the )?office)", re.I)
MESSAGE_ID_RE = re.compile(r"^Message-I[Dd]:\s*(<[^>]+>)", re.M)


class BounceKind(StrEnum):
    HARD = "hard"  # the address does not work: mark it bad
    SOFT = "soft"  # try again later (mailbox full, greylisting)
    SENDER = "sender"  # our side's fault (SPF, DKIM...): fix the sending setup, keep the address


@dataclass(frozen=True)
class Bounce:
    recipient: str
    kind: BounceKind
    status: str
    diagnostic: str
    original_message_id: str


def _kind(status: str, action: str, diagnostic: str) -> BounceKind:
    if SENDER_SIDE_RE.search(diagnostic) or status.startswith("5.7."):
        return BounceKind.SENDER
    if status.startswith("5.") or (not status and action == "failed"):
        return BounceKind.HARD
    return BounceKind.SOFT


def _address(value: str) -> str:
    found = ADDRESS_RE.search(value.split(";", 1)[-1])
    return found.group(1).lower() if found else ""


def _original_id(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload(0) if part.is_multipart() else None
            if inner is not None and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
            text = part.get_payload(decode=True) or b""
            match = MESSAGE_ID_RE.search(text.decode("utf-8", "replace"))
            if match:
                return match.group(1)
    return ""


def _dsn_groups(part) -> list[dict[str, str]]:
    """The per-recipient field groups of a message/delivery-status part (the first group is per-message)."""
    groups = []
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    for block in blocks:
        groups.append({k.lower(): " ".join(str(v).split()) for k, v in block.items()})
    if not groups:  # some parsers leave it as text
        text = part.get_payload(decode=True) or b""
        for chunk in re.split(r"\n\s*\n", text.decode("utf-8", "replace")):
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.+(?:\n[ \t].+)*)", chunk, re.M))
            groups.append({k.lower(): " ".join(v.split()) for k, v in fields.items()})
    return groups


def bounces_in(raw: bytes) -> list[Bounce]:
    """The failed recipients a bounce message reports (empty for anything that is not a bounce)."""
    message = message_from_bytes(raw, policy=policy.default)
    original = _original_id(message)
    found: list[Bounce] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for group in _dsn_groups(part):
            recipient = _address(group.get("original-recipient", "")) or _address(group.get("final-recipient", ""))
            if not recipient:
                continue
            action = group.get("action", "").lower()
            if action in ("delivered", "relayed", "expanded"):
                continue
            status, diagnostic = group.get("status", ""), group.get("diagnostic-code", "")
            found.append(Bounce(recipient, _kind(status, action, diagnostic), status, diagnostic, original))
    if found:
        if not original:
            # Some servers (Exchange Online) quote the returned headers in the human-readable part instead.
            quoted = next((m.group(1) for t in _texts(message) if (m := MESSAGE_ID_RE.search(t))), "")
            found = [Bounce(b.recipient, b.kind, b.status, b.diagnostic, quoted) for b in found]
        return found
    # Without a delivery-status part, an out-of-office reply (which MTAs also mark auto-replied) is no bounce.
    if AUTO_REPLY_SUBJECT_RE.match(str(message.get("Subject", ""))) or message.get("X-Auto-Response-Suppress"):
        return []
    failed = str(message.get("X-Failed-Recipients", ""))
    body = _text(message)
    notice = re.split(r"^-{2,}\s*(?:Original message|Below this line)", body, maxsplit=1, flags=re.M | re.I)[0]
    recipients = [a.strip().lower() for a in failed.split(",") if a.strip()]
    if not recipients and re.search(r"unable to deliver|failed permanently|undeliverable", notice, re.I):
        recipients = sorted({m.lower() for m in ADDRESS_RE.findall(notice)})
    if not recipients:
        return []
    status_match = STATUS_RE.search(notice)
    status = status_match.group(0) if status_match else ""
    diagnostic = next((line.strip() for line in notice.splitlines() if status and status in line), "")
    if not original:
        match = MESSAGE_ID_RE.search(body)
        original = match.group(1) if match else ""
    kind = _kind(status, "failed" if "permanent" in notice.lower() or status.startswith("5") else "", diagnostic)
    return [Bounce(r, kind, status, diagnostic, original) for r in recipients]


def _texts(message: EmailMessage) -> list[str]:
    texts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            try:
                texts.append(part.get_content())
            except (LookupError, UnicodeDecodeError):
                texts.append((part.get_payload(decode=True) or b"").decode("latin-1"))
    return texts


def _text(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            try:
                return part.get_content()
            except (LookupError, UnicodeDecodeError):
                return (part.get_payload(decode=True) or b"").decode("latin-1")
    return ""
