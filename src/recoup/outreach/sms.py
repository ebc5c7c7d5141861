"""Text messages behind a provider interface. ``SMS_URL`` picks one: ``console:`` (print), ``file:///DIR``
(one JSON line per text in DIR/sms.jsonl, the embedded default) or ``twilio://ACCOUNT_SID:AUTH_TOKEN@FROM``.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send ``body`` to the E.164 number ``to``; return the provider's message id."""


class ConsoleSms:
    def send(self, *, to: str, body: str) -> str:
        sid = "console-" + secrets.token_hex(6)
        print(f"SMS to {to}: {body}", file=sys.stdout)
        return sid


class FileSms:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, *, to: str, body: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        sid = "file-" + secrets.token_hex(6)
        with (self.folder / "sms.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps({"sid": sid, "to": to, "body": body}) + "\n")
        return sid


class TwilioSms:
    """Twilio's REST API through its client library; never called in tests (no live calls)."""

    def __init__(self, account_sid: str, auth_token: str, sender: str) -> None:
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender

    def send(self, *, to: str, body: str) -> str:
        from twilio.rest import Client

        return Client(self.account_sid, self.auth_token).messages.create(to=to, from_=self.sender, body=body).sid


def sms_provider() -> SmsProvider:
    url = urlsplit(settings.SMS_URL)
    if url.scheme == "console":
        return ConsoleSms()
    if url.scheme == "file":
        path = unquote(url.path)
        return FileSms(Path(path[1:] if path.startswith("/./") else path))
    if url.scheme == "twilio":
        return TwilioSms(unquote(url.username or ""), unquote(url.password or ""), unquote(url.hostname or ""))
    raise ValueError(f"SMS_URL {settings.SMS_URL!r}: use console:, file:///folder or twilio://SID:TOKEN@+1555...")
