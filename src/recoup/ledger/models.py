"""The receivables ledger: who owes what, what was paid, and what was applied where.

Amounts are integer minor units (``*_cents``; for a zero-decimal currency the unit is the whole yen) with
the ISO currency beside them. Nothing here sums across currencies.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from recoup.core.compliance.facts import PhoneLine
from recoup.organisations.models import Organisation


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    BUSINESS = "business", "Business"


class Customer(models.Model):
    """A debtor account: a person or a business the creditor sells to on account.

    ``external_id`` is the id in the creditor's accounting system, the natural key for imports.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="customers", db_index=False)
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True, default="")
    kind = models.CharField(max_length=10, choices=CustomerKind.choices, default=CustomerKind.BUSINESS)
    segment = models.CharField(max_length=50, blank=True, default="")
    terms_days = models.PositiveIntegerField(null=True, blank=True)
    credit_limit_cents = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # What the customer owes in the organisation's currency, and since when: copied from their
    # CustomerBalance by services.customer_balances_refresh, so the customer list sorts a hundred
    # thousand customers by balance through an index.
    open_cents = models.BigIntegerField(default=0, db_default=0)
    oldest_due_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_id"], name="uniq_customer_external_id"),
            models.CheckConstraint(
                condition=Q(credit_limit_cents__isnull=True) | Q(credit_limit_cents__gte=0),
                name="customer_credit_limit_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "name"], name="customer_org_name"),
            # Key columns match CUSTOMER_SORTS, id included: a deep page is an index-only walk.
            models.Index(fields=["organisation", "-open_cents", "name", "id"], name="customer_org_open"),
            models.Index(fields=["organisation", "oldest_due_date", "name", "id"], name="customer_org_oldest"),
            models.Index(fields=["organisation", "segment"], name="customer_org_segment"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class ContactKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    ADDRESS = "address", "Postal address"


class ContactStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BAD = "bad", "Bad (bounced, returned or wrong)"
    INVALID = "invalid", "Invalid"


class ContactSource(models.TextChoices):
    IMPORT = "import", "Imported"
    MANUAL = "manual", "Entered by staff"
    DEBTOR = "debtor", "Given by the debtor"
    SKIP_TRACE = "skip_trace", "Skip-trace vendor"
    DEMO = "demo", "Demo data"


PHONE_LINES = [(line.value, line.value.capitalize()) for line in PhoneLine]


class ContactPoint(models.Model):
    """An email address, phone number or postal address of a customer, normalised.

    ``value`` is the normal form and the key: a lower-case email, an E.164 phone number, or a one-line
    US address rebuilt from its parsed parts. ``raw`` keeps what the source said.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points", db_index=False)
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    value = models.CharField(max_length=400)
    raw = models.CharField(max_length=400, blank=True, default="")
    is_primary = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ContactStatus.choices, default=ContactStatus.ACTIVE)
    verified_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=ContactSource.choices, default=ContactSource.IMPORT)
    # For phones: a cell, home or work line (texts and autodialed calls to cells need consent; an unknown
    # line is treated as a cell). For emails: whether the debtor's employer provided the address.
    line = models.CharField(
        max_length=8, choices=PHONE_LINES, default=PhoneLine.UNKNOWN.value, db_default=PhoneLine.UNKNOWN.value
    )
    employer_provided = models.BooleanField(default=False, db_default=False)
    # Parsed postal address parts (kind == address); empty when the address could not be parsed.
    line1 = models.CharField(max_length=200, blank=True, default="")
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=50, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="uniq_contact_point"),
            models.UniqueConstraint(
                fields=["customer", "kind"], condition=Q(is_primary=True), name="one_primary_contact_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class Invoice(models.Model):
    """A receivable. ``number`` is unique per organisation and is the natural key for imports.

    Three fields are derived from the invoice's allocations and kept in step with them by
    ``services.invoices_refresh_applied``, so that aging a million invoices never sums a million
    allocations: ``applied_cents`` (all payments and credits applied), ``last_applied_on`` (the latest
    allocation date) and ``settled_on`` (the day the allocations first covered the amount; null while a
    balance remains). As of any date on or after ``last_applied_on`` the open balance is simply
    ``amount_cents - applied_cents``; only older as-of dates need the allocations themselves.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invoices", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invoices", db_index=False)
    number = models.CharField(max_length=64)
    issue_date = models.DateField()
    due_date = models.DateField()
    terms_days = models.PositiveIntegerField(null=True, blank=True)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    disputed = models.BooleanField(default=False)
    applied_cents = models.BigIntegerField(default=0, db_default=0)
    last_applied_on = models.DateField(null=True, blank=True)
    settled_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="uniq_invoice_number"),
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="invoice_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(applied_cents__gte=0, applied_cents__lte=models.F("amount_cents")),
                name="invoice_applied_within_amount",
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("issue_date")), name="invoice_due_after_issue"),
        ]
        indexes = [
            models.Index(fields=["customer", "due_date"], name="invoice_customer_due"),
            models.Index(fields=["organisation", "issue_date"], name="invoice_org_issue"),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """Money received from a customer. What is not allocated to invoices is unapplied cash.

    ``external_key`` makes re-imports idempotent: the bank or accounting reference when there is one,
    otherwise a key derived from the row's contents.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="payments", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payments", db_index=False)
    payment_date = models.DateField()
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=30, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    external_key = models.CharField(max_length=320)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_key"], name="uniq_payment_key"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["customer", "payment_date"], name="payment_customer_date")]


class CreditNote(models.Model):
    """A credit to a customer (a return, a correction, a goodwill discount), applied to invoices."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="credit_notes", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="credit_notes")
    number = models.CharField(max_length=64)
    issue_date = models.DateField()
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="uniq_credit_note_number"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="credit_note_amount_positive"),
        ]


class Allocation(models.Model):
    """Part of a payment or credit note applied to an invoice on a date.

    Exactly one of ``payment`` and ``credit_note`` is set. The services never let the allocations of an
    invoice exceed its amount, nor those of a payment or credit note exceed theirs.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="allocations", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="allocations", db_index=False)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations")
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    amount_cents = models.BigIntegerField()
    applied_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_one_source",
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "applied_on"], name="allocation_invoice_date"),
            models.Index(fields=["organisation", "applied_on"], name="allocation_org_date"),
        ]


BALANCE_BUCKETS = 8
"""How many aging buckets a customer balance keeps (Current plus up to seven edges)."""


class CustomerBalance(models.Model):
    """What a customer owes in one currency as of ``as_of`` (the business's today when it was computed),
    with the amount in each aging bucket of the organisation's scheme, by due date.

    Kept in step with the ledger by ``services.customer_balances_refresh`` after every change to a
    customer's invoices or payments, and for every customer once a day (the daily snapshot), so that the
    customer list and today's aging read a hundred thousand customers without adding up a million
    invoices. Only customers with an open balance have a row.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="balances", db_index=False)
    currency = models.CharField(max_length=3)
    open_cents = models.BigIntegerField()
    open_invoices = models.PositiveIntegerField()
    oldest_due_date = models.DateField()
    disputed_invoices = models.PositiveIntegerField(default=0)
    as_of = models.DateField()
    past_due_cents = models.BigIntegerField(default=0)
    over_90_cents = models.BigIntegerField(default=0)
    b0 = models.BigIntegerField(default=0)
    b1 = models.BigIntegerField(default=0)
    b2 = models.BigIntegerField(default=0)
    b3 = models.BigIntegerField(default=0)
    b4 = models.BigIntegerField(default=0)
    b5 = models.BigIntegerField(default=0)
    b6 = models.BigIntegerField(default=0)
    b7 = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="uniq_customer_balance"),
            models.CheckConstraint(condition=Q(open_cents__gt=0), name="customer_balance_positive"),
        ]
        indexes = [
            models.Index(fields=["organisation", "currency", "open_cents", "customer"], name="balance_org_open"),
            models.Index(fields=["organisation", "currency", "oldest_due_date", "customer"], name="balance_org_oldest"),
            models.Index(
                fields=["organisation", "currency", "past_due_cents", "customer"], name="balance_org_past_due"
            ),
            models.Index(fields=["organisation", "as_of"], name="balance_org_as_of"),
            # Covers the aging totals: summing it reads the index alone, not a row per customer.
            models.Index(
                fields=["organisation", "currency", "open_invoices", "past_due_cents", "over_90_cents"]
                + [f"b{k}" for k in range(BALANCE_BUCKETS)],
                name="balance_org_totals",
            ),
        ]
