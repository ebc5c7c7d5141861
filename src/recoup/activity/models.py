"""What collectors do on an account: notes, calls with their outcome, and disputes.

Together with the ledger's payments, credits and invoices these make the customer's timeline: the record
of everything that happened on the account, which is also the business's defence if a debtor sues.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recoup.ledger.models import Customer, Invoice
from recoup.organisations.models import Organisation


class Note(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=200)
    body = models.TextField()
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"note on {self.customer}"


class CallOutcome(models.TextChoices):
    PROMISE_TO_PAY = "promise_to_pay", "Promise to pay"
    PAID_ON_PHONE = "paid_on_phone", "Paid on the phone"
    REFUSED = "refused", "Refused to pay"
    DISPUTE = "dispute", "Disputes the debt"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"
    CALLBACK_REQUESTED = "callback_requested", "Asked to be called back"


# Outcomes in which the debtor was actually reached (a "conversation"), which later rules count.
CONNECTED_OUTCOMES = frozenset(
    {
        CallOutcome.PROMISE_TO_PAY,
        CallOutcome.PAID_ON_PHONE,
        CallOutcome.REFUSED,
        CallOutcome.DISPUTE,
        CallOutcome.CALLBACK_REQUESTED,
    }
)


class Call(models.Model):
    """A call made to a customer and how it went."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="calls")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, blank=True, default="")
    outcome = models.CharField(max_length=24, choices=CallOutcome.choices)
    notes = models.TextField(blank=True, default="")
    promise_date = models.DateField(null=True, blank=True)
    promise_amount_cents = models.BigIntegerField(null=True, blank=True)
    called_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-called_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(promise_amount_cents__isnull=True) | models.Q(promise_amount_cents__gt=0),
                name="call_promise_positive",
            )
        ]

    def __str__(self) -> str:
        return f"call to {self.customer}: {self.get_outcome_display()}"

    @property
    def connected(self) -> bool:
        return self.outcome in CONNECTED_OUTCOMES


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    VERIFIED = "verified", "Verified (debt confirmed)"
    RESOLVED = "resolved", "Resolved"


class Dispute(models.Model):
    """The debtor contests an invoice. While it is open the invoice is marked disputed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="disputes")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="disputes")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_by_label = models.CharField(max_length=200)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"dispute of invoice {self.invoice}"
