"""What the compliance guard reads and writes: per-organisation settings, the facts about each debtor,
opt-outs and consents, the attempt ledger, and every contact the guard blocked."""

from __future__ import annotations

from django.db import models

from recoup.core.compliance import Channel, ContractKind, DebtType, Mode, PhoneLine, Purpose
from recoup.ledger.models import Customer, Invoice
from recoup.organisations.models import Organisation

CHANNEL_CHOICES = [(c.value, c.value.upper() if c == Channel.SMS else c.value.capitalize()) for c in Channel]


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


class ComplianceSettings(models.Model):
    """How an organisation collects. ``overrides`` changes rule parameters (``recoup.core.compliance.Policy``
    field names), e.g. ``{"calls_per_window": 5}`` for a stricter in-house limit."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="compliance_settings")
    mode = models.CharField(max_length=12, choices=_choices(Mode), default=Mode.FIRST_PARTY)
    uses_other_name = models.BooleanField(default=False)
    debt_type = models.CharField(max_length=12, choices=_choices(DebtType), default=DebtType.OTHER)
    contract = models.CharField(max_length=12, choices=_choices(ContractKind), default=ContractKind.OPEN_ACCOUNT)
    federal_rules_everywhere = models.BooleanField(default=True)
    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class DebtorProfile(models.Model):
    """The facts about one debtor the rules need, beyond the ledger. Blank fields mean "not known" or
    "the organisation's default"."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="compliance_profile")
    debt_type = models.CharField(max_length=12, choices=_choices(DebtType), blank=True, default="")
    contract = models.CharField(max_length=12, choices=_choices(ContractKind), blank=True, default="")
    cease_requested_at = models.DateTimeField(null=True, blank=True)
    attorney_name = models.CharField(max_length=200, blank=True, default="")
    attorney_contact = models.CharField(max_length=300, blank=True, default="")
    attorney_since = models.DateField(null=True, blank=True)
    bankruptcy_filed_on = models.DateField(null=True, blank=True)
    bankruptcy_case = models.CharField(max_length=100, blank=True, default="")
    deceased_on = models.DateField(null=True, blank=True)
    estate_representative = models.CharField(max_length=300, blank=True, default="")
    workplace_contact_prohibited = models.BooleanField(default=False)
    # [{"days": [0, 1, 2, 3, 4], "start": "12:00", "end": "13:30", "note": "lunch"}], local to the debtor.
    inconvenient_times = models.JSONField(default=list, blank=True)
    inconvenient_places = models.TextField(blank=True, default="")
    validation_notice_sent_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def attorney_represented(self) -> bool:
        return bool(self.attorney_name or self.attorney_since)


class PermissionKind(models.TextChoices):
    OPT_OUT = "opt_out", "Opted out"
    CONSENT = "consent", "Consent"


class ContactPermission(models.Model):
    """An opt-out of, or a consent to, one channel (and one address, or every address when blank),
    with where it came from. Revoking keeps the row: the history is evidence."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_permissions")
    kind = models.CharField(max_length=8, choices=PermissionKind.choices)
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    address = models.CharField(max_length=400, blank=True, default="")
    source = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["customer", "kind"], name="permission_customer_kind")]


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "We contacted them"
    INBOUND = "inbound", "They contacted us"


class AttemptSource(models.TextChoices):
    STAFF = "staff", "Staff"
    CYCLE = "cycle", "Collection cycle"
    SIMULATION = "simulation", "Simulation"
    DEBTOR = "debtor", "Debtor"


class ContactAttempt(models.Model):
    """The attempt ledger: every contact attempt and conversation, by any channel. The guard's counters
    are computed from these rows; nothing is counted by hand. What it was about is ``covers`` (invoice
    numbers), or ``invoice`` when it was about one, or the whole account when both are empty."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_attempts", db_index=False)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    address = models.CharField(max_length=400, blank=True, default="")
    line = models.CharField(max_length=8, choices=_choices(PhoneLine), default=PhoneLine.UNKNOWN)
    purpose = models.CharField(max_length=20, choices=_choices(Purpose), default=Purpose.COLLECTION)
    attempted_at = models.DateTimeField()
    connected = models.BooleanField(default=True)
    conversation = models.BooleanField(default=False)
    to_workplace = models.BooleanField(default=False)
    autodialed = models.BooleanField(default=False)
    threatens_suit = models.BooleanField(default=False)
    # The invoice numbers the contact was about, when it named some; empty means the whole account.
    covers = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=40, blank=True, default="")
    source = models.CharField(max_length=12, choices=AttemptSource.choices, default=AttemptSource.STAFF)
    actor_label = models.CharField(max_length=200, blank=True, default="")
    # The instants the guard checked, kept with the row so an auditor can re-check it independently.
    time_zones = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "attempted_at"], name="attempt_customer_time"),
            models.Index(fields=["organisation", "attempted_at"], name="attempt_org_time"),
        ]


class BlockedContact(models.Model):
    """A contact the guard refused, with the rules that refused it: what the guard prevented."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="blocked_contacts", db_index=False)
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    address = models.CharField(max_length=400, blank=True, default="")
    purpose = models.CharField(max_length=20, choices=_choices(Purpose), default=Purpose.COLLECTION)
    blocked_at = models.DateTimeField()
    rules = models.JSONField(default=list)
    violations = models.JSONField(default=list)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=AttemptSource.choices, default=AttemptSource.STAFF)
    actor_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "blocked_at"], name="blocked_org_time"),
            models.Index(fields=["customer", "blocked_at"], name="blocked_customer_time"),
        ]


class BlockedRule(models.Model):
    """One rule that blocked a contact: the counts by rule are a GROUP BY over these rows."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    blocked = models.ForeignKey(BlockedContact, on_delete=models.CASCADE, related_name="rule_rows")
    rule = models.CharField(max_length=8)
    blocked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "blocked_at", "rule"], name="blocked_rule_org_time")]
