"""Emitting events and delivering them.

``webhook_emit`` is called by the services that make events happen, inside their transaction: the
deliveries are stored with the change (an outbox), so an event is never lost and never sent for a change
that rolled back. After the commit, Recoup tries to send them at once; what fails is retried with
exponential backoff by ``webhooks_deliver_due`` (``recoup webhooks deliver``, run it from cron).

Each request is a POST of the JSON event with the headers ``Recoup-Event``, ``Recoup-Delivery`` and
``Recoup-Signature: t=TIMESTAMP,v1=HEX``, where HEX is HMAC-SHA256(secret, "TIMESTAMP.BODY").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from recoup.audit.services import audit_record
from recoup.organisations.models import Organisation
from recoup.webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 30
TIMEOUT_SECONDS = 5
SIGNATURE_TOLERANCE_SECONDS = 300


class WebhookError(ValueError):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """What a receiver does: check the signature and that it is fresh (replays are refused)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@transaction.atomic
def endpoint_create(*, organisation: Organisation, url: str, events: list[str], actor=None) -> WebhookEndpoint:
    if not url.startswith(("https://", "http://")):
        raise WebhookError("The URL must start with https:// (or http:// on a private network).")
    unknown = set(events) - set(EventType.values)
    if unknown or not events:
        raise WebhookError(f"Choose events from {', '.join(EventType.values)}.")
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        events=sorted(set(events)),
        secret=secrets.token_hex(32),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="webhook.created",
        target=endpoint,
        after={"url": url, "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor=None) -> None:
    audit_record(
        organisation=endpoint.organisation,
        actor=actor,
        action="webhook.deleted",
        target=endpoint,
        before={"url": endpoint.url, "events": endpoint.events},
    )
    endpoint.delete()


def subscribers(organisation_id: int, event_type: str) -> list[WebhookEndpoint]:
    return [
        e
        for e in WebhookEndpoint.objects.filter(organisation_id=organisation_id, active=True)
        if event_type in e.events
    ]


def webhook_emit(organisation_id: int, event_type: str, data: dict) -> list[WebhookDelivery]:
    """Queue the event for every endpoint subscribed to it; sent after the surrounding commit."""
    endpoints = subscribers(organisation_id, event_type)
    if not endpoints:
        return []
    now = timezone.now()
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event_type=event_type, next_attempt_at=now, payload={})
        delivery.payload = {"id": str(delivery.event_id), "type": event_type, "created": now.isoformat(), "data": data}
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _deliver_ids(ids))
    return deliveries


def _deliver_ids(ids: list[int]) -> None:
    for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related("endpoint"):
        deliver(delivery)


def deliver(delivery: WebhookDelivery) -> bool:
    """Send one delivery now; on failure schedule the next attempt (30 s, 1 min, 2 min, ... then give up)."""
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Recoup-Webhooks/1",
            "Recoup-Event": delivery.event_type,
            "Recoup-Delivery": str(delivery.event_id),
            "Recoup-Signature": sign(delivery.endpoint.secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - owner's URL
            delivery.last_status_code = response.status
            delivery.last_error = ""
    except urllib.error.HTTPError as error:
        delivery.last_status_code, delivery.last_error = error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        delivery.last_status_code, delivery.last_error = None, str(getattr(error, "reason", error))[:300]
    ok = delivery.last_status_code is not None and 200 <= delivery.last_status_code < 300
    now = timezone.now()
    if ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = now + timedelta(seconds=BASE_DELAY_SECONDS * 2 ** (delivery.attempts - 1))
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
    )
    return ok


def webhooks_deliver_due(limit: int = 500) -> tuple[int, int]:
    """Send every pending delivery whose time has come. Returns (delivered, still failing)."""
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
    delivered = failing = 0
    for delivery in due.select_related("endpoint").order_by("next_attempt_at")[:limit]:
        if deliver(delivery):
            delivered += 1
        else:
            failing += 1
    return delivered, failing
