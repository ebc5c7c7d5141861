"""Reads for the guard: the facts about a debtor, their recent attempts, and what the guard blocked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Min

from recoup.activity.models import Dispute, DisputeStatus
from recoup.compliance.locate import candidate_time_zones, in_new_york_city, state_of
from recoup.compliance.models import (
    BlockedContact,
    BlockedRule,
    ComplianceSettings,
    ContactAttempt,
    ContactPermission,
    DebtorProfile,
    Direction,
    PermissionKind,
)
from recoup.core.compliance import (
    Attempt,
    Channel,
    ContractKind,
    Debt,
    DebtorFacts,
    DebtType,
    DisputeState,
    LocalWindow,
    Mode,
    Permission,
    PhoneLine,
    Policy,
    policy_with,
)
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus, Customer, CustomerKind, Invoice
from recoup.organisations.models import Organisation

HISTORY_DAYS = 31  # the longest window any rule counts over is 30 days


def settings_of(organisation: Organisation) -> ComplianceSettings:
    found = ComplianceSettings.objects.filter(organisation=organisation).first()
    return found or ComplianceSettings(organisation=organisation)


def policy_of(organisation: Organisation) -> Policy:
    found = settings_of(organisation)
    return policy_with({**(found.overrides or {}), "federal_rules_everywhere": found.federal_rules_everywhere})


@dataclass(frozen=True)
class ContactDetails:
    """The debtor's usable addresses per channel, primary first, with phone line types."""

    phones: list[tuple[str, str]]  # (E.164, line)
    emails: list[str]
    addresses: list[str]
    postal_code: str
    region: str


def contact_details(customer: Customer) -> ContactDetails:
    points = list(
        ContactPoint.objects.filter(customer=customer)
        .exclude(status__in=[ContactStatus.BAD, ContactStatus.INVALID])
        .order_by("-is_primary", "id")
    )
    address = next((p for p in points if p.kind == ContactKind.ADDRESS), None)
    return ContactDetails(
        phones=[(p.value, p.line) for p in points if p.kind == ContactKind.PHONE],
        emails=[p.value for p in points if p.kind == ContactKind.EMAIL],
        addresses=[p.value for p in points if p.kind == ContactKind.ADDRESS],
        postal_code=address.postal_code if address else "",
        region=address.region if address else "",
    )


def _windows(raw: list[dict]) -> tuple[LocalWindow, ...]:
    windows = []
    for item in raw or []:
        windows.append(
            LocalWindow(
                time.fromisoformat(item["start"]),
                time.fromisoformat(item["end"]),
                frozenset(item.get("days") or ()),
                item.get("note", ""),
            )
        )
    return tuple(windows)


def _disputes(invoice_ids: list[int], as_of: datetime) -> dict[int, tuple[DisputeState, date | None, date | None]]:
    """The state of each invoice's latest dispute at ``as_of``: open, verified (with the day), or none
    once resolved. A dispute closed after ``as_of`` was still open then."""
    latest: dict[int, tuple[DisputeState, date | None, date | None]] = {}
    disputes = Dispute.objects.filter(invoice_id__in=invoice_ids, opened_at__lte=as_of).order_by("opened_at", "id")
    for dispute in disputes:
        opened = dispute.opened_at.date()
        if dispute.status == DisputeStatus.OPEN or dispute.closed_at is None or dispute.closed_at > as_of:
            latest[dispute.invoice_id] = (DisputeState.OPEN, opened, None)
        elif dispute.status == DisputeStatus.VERIFIED:
            latest[dispute.invoice_id] = (DisputeState.VERIFIED, opened, dispute.closed_at.date())
        else:
            latest.pop(dispute.invoice_id, None)
    return latest


def debtor_facts(customer: Customer, as_of: datetime, details: ContactDetails | None = None) -> DebtorFacts:
    """Everything the guard needs to know about ``customer``, built from the ledger and the profile."""
    organisation = customer.organisation
    org_settings = settings_of(organisation)
    profile = DebtorProfile.objects.filter(customer=customer).first() or DebtorProfile(customer=customer)
    details = details or contact_details(customer)
    state = state_of(details.postal_code, details.region)
    default_contract = ContractKind(profile.contract or org_settings.contract)
    open_invoices = list(
        Invoice.objects.filter(customer=customer, settled_on__isnull=True, amount_cents__gt=F("applied_cents"))
        .order_by("due_date", "id")
        .values("id", "number", "amount_cents", "applied_cents", "due_date", "last_applied_on", "disputed")
    )
    disputes = _disputes([i["id"] for i in open_invoices], as_of)
    debts = []
    for invoice in open_invoices:
        # An invoice imported as disputed has no dispute record yet: it is an open dispute all the same.
        unrecorded = (DisputeState.OPEN if invoice["disputed"] else DisputeState.NONE, None, None)
        dispute, opened, verified = disputes.get(invoice["id"], unrecorded)
        debts.append(
            Debt(
                id=invoice["number"],
                original_cents=invoice["amount_cents"],
                balance_cents=invoice["amount_cents"] - invoice["applied_cents"],
                delinquent_since=invoice["due_date"] + timedelta(days=1),
                last_payment_on=invoice["last_applied_on"],
                contract=default_contract,
                dispute=dispute,
                dispute_opened_on=opened,
                dispute_verified_on=verified,
            )
        )
    permissions = ContactPermission.objects.filter(customer=customer, revoked_at__isnull=True, recorded_at__lte=as_of)
    opt_outs = tuple(Permission(Channel(p.channel), p.address) for p in permissions if p.kind == PermissionKind.OPT_OUT)
    consents = tuple(Permission(Channel(p.channel), p.address) for p in permissions if p.kind == PermissionKind.CONSENT)
    employer_emails = frozenset(
        ContactPoint.objects.filter(customer=customer, kind=ContactKind.EMAIL, employer_provided=True).values_list(
            "value", flat=True
        )
    )
    first_contact = (
        ContactAttempt.objects.filter(customer=customer, direction=Direction.OUTBOUND)
        .aggregate(first=Min("attempted_at"))
        .get("first")
    )
    return DebtorFacts(
        consumer=customer.kind == CustomerKind.PERSON,
        mode=Mode(org_settings.mode),
        state=state,
        nyc=in_new_york_city(details.postal_code),
        time_zones=candidate_time_zones(details.postal_code, [p for p, _ in details.phones], state),
        debt_type=DebtType(profile.debt_type or org_settings.debt_type),
        uses_other_name=org_settings.uses_other_name,
        debts=tuple(debts),
        cease_requested_at=profile.cease_requested_at,
        attorney_represented=profile.attorney_represented,
        bankruptcy_filed_on=profile.bankruptcy_filed_on,
        deceased=profile.deceased_on is not None,
        workplace_contact_prohibited=profile.workplace_contact_prohibited,
        inconvenient_times=_windows(profile.inconvenient_times),
        opt_outs=opt_outs,
        consents=consents,
        employer_emails=employer_emails,
        validation_notice_sent_on=profile.validation_notice_sent_on,
        first_communication_at=first_contact,
    )


def attempt_history(customer: Customer, as_of: datetime, days: int = HISTORY_DAYS) -> list[Attempt]:
    rows = ContactAttempt.objects.filter(
        customer=customer, attempted_at__gt=as_of - timedelta(days=days), attempted_at__lte=as_of
    ).select_related("invoice")
    return [attempt_from_row(row, row.invoice.number if row.invoice_id else None) for row in rows]


def attempt_from_row(row: ContactAttempt, invoice_number: str | None) -> Attempt:
    debt_ids = frozenset(row.covers or ()) or (frozenset({invoice_number}) if invoice_number else frozenset())
    return Attempt(
        channel=Channel(row.channel),
        at=row.attempted_at,
        debt_ids=debt_ids,
        address=row.address,
        line=PhoneLine(row.line),
        connected=row.connected,
        conversation=row.conversation,
        inbound=row.direction == Direction.INBOUND,
        to_workplace=row.to_workplace,
    )


def attempts_recent(customer: Customer, limit: int = 20) -> list[ContactAttempt]:
    return list(ContactAttempt.objects.filter(customer=customer).order_by("-attempted_at", "-id")[:limit])


def permissions_of(customer: Customer) -> list[ContactPermission]:
    return list(ContactPermission.objects.filter(customer=customer).order_by("-recorded_at", "-id"))


def blocked_by_rule(organisation: Organisation, start: datetime, end: datetime) -> list[tuple[str, int]]:
    """How many contacts each rule blocked in [start, end), most first."""
    rows = (
        BlockedRule.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
        .values("rule")
        .annotate(blocked=Count("id"))
        .order_by("-blocked", "rule")
    )
    return [(row["rule"], row["blocked"]) for row in rows]


def blocked_recent(organisation: Organisation, start: datetime, end: datetime, limit: int = 50) -> list[BlockedContact]:
    return list(
        BlockedContact.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
        .select_related("customer")
        .order_by("-blocked_at", "-id")[:limit]
    )


def blocked_totals(organisation: Organisation, start: datetime, end: datetime) -> dict:
    found = BlockedContact.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
    return found.aggregate(contacts=Count("id"), customers=Count("customer", distinct=True), last=Max("blocked_at"))
