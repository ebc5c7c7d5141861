"""Writes for compliance: checking and recording contacts, and the facts the guard reads.

``contact_make`` is the one door for an outbound contact: it locks the debtor, asks the guard, and
either records the attempt or records the block, in one transaction, so two workers can never both
take the 7th call slot. ``contact_check`` asks without contacting (and, by default, logs a block).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recoup.audit.services import actor_label, audit_record
from recoup.compliance import selectors
from recoup.compliance.errors import ComplianceError
from recoup.compliance.models import (
    AttemptSource,
    BlockedContact,
    BlockedRule,
    ComplianceSettings,
    ContactAttempt,
    ContactPermission,
    DebtorProfile,
    Direction,
    PermissionKind,
)
from recoup.core.compliance import Action, Channel, Decision, check, policy_with
from recoup.ledger.models import Customer, Invoice

CHANNEL_VALUES = frozenset(c.value for c in Channel)


def _aware(moment: datetime | None) -> datetime:
    moment = moment or timezone.now()
    if moment.tzinfo is None:
        raise ComplianceError("times must be timezone-aware")
    return moment


@transaction.atomic
def contact_check(
    *,
    customer: Customer,
    action: Action,
    at: datetime | None = None,
    record: bool = True,
    source: str = AttemptSource.STAFF,
    actor=None,
) -> Decision:
    """The guard's decision for ``action`` at ``at`` (default now). A refusal is logged unless ``record``
    is False (a preview, such as the customer page's panel)."""
    at = _aware(at)
    facts = selectors.debtor_facts(customer, at)
    decision = check(
        action, facts, selectors.attempt_history(customer, at), at, selectors.policy_of(customer.organisation)
    )
    if not decision.allowed and record:
        block_record(customer=customer, action=action, decision=decision, at=at, source=source, actor=actor)
    return decision


def block_record(*, customer: Customer, action: Action, decision: Decision, at: datetime, source: str, actor) -> None:
    blocked = BlockedContact.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        channel=action.channel,
        address=action.address,
        purpose=action.purpose,
        blocked_at=at,
        rules=list(decision.rule_ids),
        violations=[asdict(v) for v in decision.violations],
        next_allowed_at=decision.next_allowed_at,
        source=source,
        actor_label=actor_label(actor),
    )
    BlockedRule.objects.bulk_create(
        BlockedRule(organisation_id=customer.organisation_id, blocked=blocked, rule=rule, blocked_at=at)
        for rule in decision.rule_ids
    )


@transaction.atomic
def contact_make(
    *,
    customer: Customer,
    action: Action,
    at: datetime | None = None,
    source: str = AttemptSource.STAFF,
    actor=None,
    connected: bool = True,
    conversation: bool = False,
    outcome: str = "",
    invoice: Invoice | None = None,
) -> tuple[Decision, ContactAttempt | None]:
    """Ask the guard and, if it allows, record the attempt; otherwise record the block."""
    at = _aware(at)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one contact decision at a time per debtor
    facts = selectors.debtor_facts(customer, at)
    history = selectors.attempt_history(customer, at)
    decision = check(action, facts, history, at, selectors.policy_of(customer.organisation))
    if not decision.allowed:
        block_record(customer=customer, action=action, decision=decision, at=at, source=source, actor=actor)
        return decision, None
    attempt = attempt_record(
        customer=customer,
        channel=action.channel,
        at=at,
        address=action.address,
        line=action.line,
        purpose=action.purpose,
        invoice=invoice,
        connected=connected,
        conversation=conversation,
        to_workplace=action.to_workplace,
        autodialed=action.autodialed,
        threatens_suit=action.threatens_suit,
        covers=sorted(action.debt_ids),
        outcome=outcome,
        source=source,
        actor=actor,
        time_zones=list(facts.time_zones),
    )
    return decision, attempt


def attempt_record(
    *,
    customer: Customer,
    channel: str,
    at: datetime,
    direction: str = Direction.OUTBOUND,
    address: str = "",
    line: str = "unknown",
    purpose: str = "collection",
    invoice: Invoice | None = None,
    connected: bool = True,
    conversation: bool = False,
    to_workplace: bool = False,
    autodialed: bool = False,
    threatens_suit: bool = False,
    covers: list[str] | None = None,
    outcome: str = "",
    source: str = AttemptSource.STAFF,
    actor=None,
    time_zones: list[str] | None = None,
) -> ContactAttempt:
    """Add a row to the attempt ledger: a contact that happened (outbound or inbound)."""
    if channel not in CHANNEL_VALUES:
        raise ComplianceError(f"unknown channel {channel!r}")
    if time_zones is None:
        time_zones = list(selectors.debtor_facts(customer, _aware(at)).time_zones)
    return ContactAttempt.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        invoice=invoice,
        channel=channel,
        direction=direction,
        address=address,
        line=line,
        purpose=purpose,
        attempted_at=_aware(at),
        connected=connected,
        conversation=conversation,
        to_workplace=to_workplace,
        autodialed=autodialed,
        threatens_suit=threatens_suit,
        covers=covers or [],
        outcome=outcome,
        source=source,
        actor_label=actor_label(actor),
        time_zones=time_zones,
    )


# --- The facts the guard reads. ---

PROFILE_FIELDS = {
    "debt_type",
    "contract",
    "cease_requested_at",
    "attorney_name",
    "attorney_contact",
    "attorney_since",
    "bankruptcy_filed_on",
    "bankruptcy_case",
    "deceased_on",
    "estate_representative",
    "workplace_contact_prohibited",
    "inconvenient_times",
    "inconvenient_places",
    "validation_notice_sent_on",
}


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _check_windows(windows: list[dict]) -> None:
    for window in windows:
        try:
            time.fromisoformat(window["start"])
            time.fromisoformat(window["end"])
        except (KeyError, TypeError, ValueError):
            raise ComplianceError("an inconvenient time needs a start and an end, like 12:00 and 13:30") from None
        days = window.get("days") or []
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ComplianceError("inconvenient days are 0 (Monday) to 6 (Sunday)")


@transaction.atomic
def profile_update(*, customer: Customer, changes: dict, actor) -> DebtorProfile:
    """Change the debtor's compliance facts (cease, attorney, bankruptcy, ...), audited."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ComplianceError(f"unknown debtor facts: {', '.join(sorted(unknown))}")
    if "inconvenient_times" in changes:
        _check_windows(changes["inconvenient_times"])
    profile, _ = DebtorProfile.objects.select_for_update().get_or_create(customer=customer)
    before = {k: _jsonable(getattr(profile, k)) for k in changes}
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.save()
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="debtor.facts_changed",
        target=customer,
        before=before,
        after={k: _jsonable(v) for k, v in changes.items()},
    )
    return profile


@transaction.atomic
def permission_record(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    address: str = "",
    source: str,
    actor,
    at: datetime | None = None,
    note: str = "",
) -> ContactPermission:
    """Record an opt-out or a consent (with where it came from). An opt-out also ends any consent for the
    same channel and address: a STOP revokes consent (T2)."""
    if kind not in PermissionKind.values:
        raise ComplianceError("choose opt-out or consent")
    if channel not in CHANNEL_VALUES:
        raise ComplianceError(f"unknown channel {channel!r}")
    if not source.strip():
        raise ComplianceError("say where it came from (e.g. 'replied STOP', 'signed the intake form')")
    at = _aware(at)
    if kind == PermissionKind.OPT_OUT:
        ended = ContactPermission.objects.filter(
            customer=customer, kind=PermissionKind.CONSENT, channel=channel, revoked_at__isnull=True
        )
        if address:
            ended = ended.filter(address__in=[address, ""])
        ended.update(revoked_at=at)
    permission = ContactPermission.objects.create(
        customer=customer,
        kind=kind,
        channel=channel,
        address=address.strip(),
        source=source.strip(),
        recorded_at=at,
        note=note.strip(),
    )
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action=f"debtor.{kind}",
        target=customer,
        after={"channel": channel, "address": address, "source": source},
    )
    return permission


@transaction.atomic
def permission_revoke(*, permission: ContactPermission, actor, at: datetime | None = None) -> None:
    """End an opt-out (the debtor opted back in) or a consent (they withdrew it)."""
    if permission.revoked_at is not None:
        return
    permission.revoked_at = _aware(at)
    permission.save(update_fields=["revoked_at"])
    audit_record(
        organisation=permission.customer.organisation,
        actor=actor,
        action=f"debtor.{permission.kind}_ended",
        target=permission.customer,
        before={"channel": permission.channel, "address": permission.address},
    )


def sms_stop_received(*, customer: Customer, number: str, at: datetime | None = None) -> ContactPermission:
    """The debtor texted STOP (or similar) from ``number``: no more texts to it."""
    return permission_record(
        customer=customer,
        kind=PermissionKind.OPT_OUT,
        channel=Channel.SMS,
        address=number,
        source="replied STOP",
        actor="debtor",
        at=at,
    )


@transaction.atomic
def settings_update(*, organisation, changes: dict, actor) -> ComplianceSettings:
    allowed = {"mode", "uses_other_name", "debt_type", "contract", "federal_rules_everywhere", "overrides"}
    unknown = set(changes) - allowed
    if unknown:
        raise ComplianceError(f"unknown settings: {', '.join(sorted(unknown))}")
    if "overrides" in changes:
        try:
            policy_with(changes["overrides"])
        except ValueError as exc:
            raise ComplianceError(str(exc)) from None
    found, _ = ComplianceSettings.objects.select_for_update().get_or_create(organisation=organisation)
    before = {k: getattr(found, k) for k in changes}
    for name, value in changes.items():
        setattr(found, name, value)
    try:
        found.full_clean(exclude=["organisation"])
    except ValidationError as exc:
        raise ComplianceError("; ".join(exc.messages)) from None
    found.save()
    audit_record(
        organisation=organisation,
        actor=actor,
        action="compliance.settings_changed",
        target=found,
        before=before,
        after=changes,
    )
    return found
