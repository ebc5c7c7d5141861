"""What the collection cycle keeps: ladders, per-customer choices and pauses, and every touch it made.

A ``Touch`` is one occurrence of a ladder step for one account (customer and currency) in one period (the
anchor's due date). Its unique key is what makes the cycle idempotent and safe to run twice at once: the
second process's insert fails and it moves on. A touch that was sent, or refused for good by the guard,
counts as done; one the guard deferred (calling hours, a cap that lifts) is retried when it may go.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from recoup.core.compliance.facts import Channel
from recoup.core.ladder import PauseKind
from recoup.ledger.models import Customer
from recoup.organisations.models import Organisation

CHANNEL_CHOICES = [(c.value, c.value) for c in Channel]


def new_token() -> str:
    return secrets.token_urlsafe(18)


class LadderPolicy(models.Model):
    """A ladder as data (``recoup.core.ladder_data``), editable in the web app and as YAML."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ladders")
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    is_default = models.BooleanField(default=False)  # for customers no other ladder claims
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="uniq_ladder_key")]

    def __str__(self) -> str:
        return self.name


class CustomerLadder(models.Model):
    """A per-customer override: this customer follows ``ladder`` whatever its segment."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="ladder_choice")
    ladder = models.ForeignKey(LadderPolicy, on_delete=models.CASCADE, related_name="+")
    chosen_at = models.DateTimeField(auto_now=True)


class AccountPause(models.Model):
    """Chasing stops for a customer until ``until`` (inclusive), or until lifted."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=12, choices=[(k.value, k.value) for k in PauseKind])
    until = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True, default="")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "lifted_at"], name="pause_org_lifted")]


class TouchStatus(models.TextChoices):
    SENT = "sent", "Sent"
    QUEUED = "queued", "Queued"  # letters waiting for the print batch, emails waiting for the outbox
    TASK = "task", "Call task"
    DEFERRED = "deferred", "Deferred by the guard"
    BLOCKED = "blocked", "Blocked by the guard"
    SKIPPED = "skipped", "Skipped"  # no usable address
    FAILED = "failed", "Failed"


# Statuses after which the ladder moves on.
DONE_STATUSES = (
    TouchStatus.SENT,
    TouchStatus.QUEUED,
    TouchStatus.TASK,
    TouchStatus.BLOCKED,
    TouchStatus.SKIPPED,
    TouchStatus.FAILED,
)


class Touch(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touches", db_index=False)
    currency = models.CharField(max_length=3)
    period = models.DateField()  # the anchor invoice's due date
    ladder_key = models.CharField(max_length=50)
    step_key = models.CharField(max_length=50)
    attempt = models.PositiveSmallIntegerField(default=0)
    step_name = models.CharField(max_length=200, blank=True, default="")
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    planned_on = models.DateField()
    status = models.CharField(max_length=10, choices=TouchStatus.choices)
    address = models.CharField(max_length=400, blank=True, default="")
    amount_cents = models.BigIntegerField(default=0)
    invoices = models.JSONField(default=list, blank=True)  # invoice numbers the message lists
    reason = models.CharField(max_length=400, blank=True, default="")
    rules = models.JSONField(default=list, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency", "period", "step_key", "attempt"], name="uniq_touch_occurrence"
            ),
            models.UniqueConstraint(fields=["customer", "currency", "planned_on"], name="uniq_touch_per_day"),
        ]
        indexes = [
            models.Index(fields=["organisation", "planned_on"], name="touch_org_planned"),
            models.Index(fields=["organisation", "status", "retry_at"], name="touch_org_status"),
        ]


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"  # claimed by a delivery run (with a lease in next_try_at)
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    CANCELLED = "cancelled", "Cancelled"  # the guard refused it for good before it went out


class Message(models.Model):
    """An email, text or letter the cycle produced; the outbox."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="messages")
    touch = models.OneToOneField(Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="message")
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    to_address = models.CharField(max_length=400)
    subject = models.CharField(max_length=300, blank=True, default="")
    body_text = models.TextField()
    body_html = models.TextField(blank=True, default="")
    token = models.CharField(max_length=40, unique=True, default=new_token)
    message_id = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    bounced_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "next_try_at"], name="message_org_status"),
            models.Index(fields=["message_id"], name="message_message_id"),
        ]


class CallTaskStatus(models.TextChoices):
    OPEN = "open", "To call"
    DONE = "done", "Called"
    CANCELLED = "cancelled", "Cancelled"


class CallTask(models.Model):
    """A call a collector should make: from a ladder step, or because a reminder was opened but not paid."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="call_tasks")
    touch = models.OneToOneField(Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_task")
    due_on = models.DateField()
    reason = models.CharField(max_length=300)
    script = models.TextField()
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=CallTaskStatus.choices, default=CallTaskStatus.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    call = models.ForeignKey("activity.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["organisation", "status", "due_on"], name="calltask_org_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status="open"), name="uniq_open_call_task_per_customer"
            )
        ]


class MessageTemplate(models.Model):
    """An organisation's own version of a template; the shipped defaults apply where there is none."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=50)
    subject = models.CharField(max_length=300, blank=True, default="")
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="uniq_template_key")]


class OutreachSettings(models.Model):
    """Per-organisation sender and send-time settings."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="outreach_settings")
    sender_name = models.CharField(max_length=200, blank=True, default="")
    sender_email = models.EmailField(blank=True, default="")
    reply_to = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    postal_address = models.TextField(blank=True, default="")
    pay_url = models.URLField(blank=True, default="")
    send_hour = models.PositiveSmallIntegerField(default=10)  # local hour a dated run sends at
