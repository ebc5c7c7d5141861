"""Webhooks out: an owner subscribes a URL to events; each event becomes a delivery, sent with an HMAC
signature and retried with backoff until the receiver answers 2xx."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from recoup.organisations.models import Organisation


class EventType(models.TextChoices):
    INVOICE_PAID = "invoice.paid", "An invoice was paid in full"
    PAYMENT_RECORDED = "payment.recorded", "A payment was recorded"
    CUSTOMER_DISPUTED = "customer.disputed", "A customer disputed an invoice"
    DISPUTE_CLOSED = "dispute.closed", "A dispute was verified or resolved"
    IMPORT_APPLIED = "import.applied", "An import was applied"


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, help_text="Signs every delivery (HMAC-SHA256)")
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Given up"


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="uniq_delivery_event")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint}"
