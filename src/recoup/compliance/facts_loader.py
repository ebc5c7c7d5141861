"""The guard's facts for many debtors at once, in a fixed number of queries.

``selectors.debtor_facts`` asks for one debtor through this same loader, so the customer page, the
collection cycle and the benchmark all build facts with one piece of code. Ids are read in chunks so a
100,000-account cycle stays under SQLite's parameter limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import F, Min

from recoup.activity.models import Dispute, DisputeStatus
from recoup.compliance.locate import candidate_time_zones, in_new_york_city, state_of
from recoup.compliance.models import (
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
)
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus, Customer, CustomerKind, Invoice
from recoup.organisations.models import Organisation

HISTORY_DAYS = 31  # the longest window any rule counts over is 30 days
CHUNK = 900
INVOICE_FIELDS = (
    *("id", "customer_id", "number", "amount_cents", "applied_cents"),
    *("due_date", "last_applied_on", "disputed"),
)


def chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class ContactDetails:
    """A debtor's usable addresses per channel, primary first, with phone line types."""

    __slots__ = ("phones", "emails", "addresses", "postal_code", "region")

    def __init__(self) -> None:
        self.phones: list[tuple[str, str]] = []  # (E.164, line)
        self.emails: list[str] = []
        self.addresses: list[str] = []
        self.postal_code = ""
        self.region = ""


def _windows(raw: list[dict]) -> tuple[LocalWindow, ...]:
    return tuple(
        LocalWindow(
            time.fromisoformat(item["start"]),
            time.fromisoformat(item["end"]),
            frozenset(item.get("days") or ()),
            item.get("note", ""),
        )
        for item in raw or []
    )


class FactsLoader:
    """Loads what the guard reads about ``customer_ids`` as of ``at``; ``facts(id)`` assembles one debtor."""

    def __init__(self, organisation: Organisation, customer_ids: Iterable[int], at: datetime) -> None:
        self.organisation, self.at = organisation, at
        ids = sorted(set(customer_ids))
        self.settings = ComplianceSettings.objects.filter(organisation=organisation).first() or ComplianceSettings(
            organisation=organisation
        )
        self.kinds: dict[int, str] = {}
        self.details: dict[int, ContactDetails] = defaultdict(ContactDetails)
        self.employer_emails: dict[int, set[str]] = defaultdict(set)
        self.profiles: dict[int, DebtorProfile] = {}
        self.permissions: dict[int, list[ContactPermission]] = defaultdict(list)
        self.invoices: dict[int, list[dict]] = defaultdict(list)
        self.disputes: dict[int, tuple[DisputeState, date | None, date | None]] = {}
        self.first_contact: dict[int, datetime] = {}
        self.history: dict[int, list[Attempt]] = defaultdict(list)
        for part in chunks(ids):
            self._load(part)

    def _load(self, ids: list[int]) -> None:
        at = self.at
        self.kinds.update(Customer.objects.filter(id__in=ids).values_list("id", "kind"))
        points = (
            ContactPoint.objects.filter(customer_id__in=ids)
            .exclude(status__in=[ContactStatus.BAD, ContactStatus.INVALID])
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "kind", "value", "line", "postal_code", "region", "employer_provided")
        )
        for customer_id, kind, value, line, postal_code, region, employer in points:
            details = self.details[customer_id]
            if kind == ContactKind.PHONE:
                details.phones.append((value, line))
            elif kind == ContactKind.EMAIL:
                details.emails.append(value)
                if employer:
                    self.employer_emails[customer_id].add(value)
            elif kind == ContactKind.ADDRESS:
                if not details.addresses:
                    details.postal_code, details.region = postal_code, region
                details.addresses.append(value)
        self.profiles.update((p.customer_id, p) for p in DebtorProfile.objects.filter(customer_id__in=ids))
        for permission in ContactPermission.objects.filter(
            customer_id__in=ids, revoked_at__isnull=True, recorded_at__lte=at
        ):
            self.permissions[permission.customer_id].append(permission)
        open_invoices = (
            Invoice.objects.filter(customer_id__in=ids, settled_on__isnull=True, amount_cents__gt=F("applied_cents"))
            .order_by("customer_id", "due_date", "id")
            .values(*INVOICE_FIELDS)
        )
        for invoice in open_invoices:
            self.invoices[invoice["customer_id"]].append(invoice)
        self._load_disputes([i["id"] for i in self.invoices_for(ids)])
        first = (
            ContactAttempt.objects.filter(customer_id__in=ids, direction=Direction.OUTBOUND)
            .values("customer_id")
            .annotate(first=Min("attempted_at"))
        )
        self.first_contact.update((row["customer_id"], row["first"]) for row in first)
        recent = ContactAttempt.objects.filter(
            customer_id__in=ids, attempted_at__gt=at - timedelta(days=HISTORY_DAYS), attempted_at__lte=at
        ).select_related("invoice")
        for row in recent:
            self.history[row.customer_id].append(attempt_from_row(row, row.invoice.number if row.invoice_id else None))

    def invoices_for(self, ids: list[int]) -> list[dict]:
        return [invoice for customer_id in ids for invoice in self.invoices.get(customer_id, ())]

    def _load_disputes(self, invoice_ids: list[int]) -> None:
        """The state of each invoice's latest dispute at ``at``: open, verified (with the day), or none once
        resolved. A dispute closed after ``at`` was still open then."""
        for part in chunks(invoice_ids):
            disputes = Dispute.objects.filter(invoice_id__in=part, opened_at__lte=self.at).order_by("opened_at", "id")
            for dispute in disputes:
                opened = dispute.opened_at.date()
                if dispute.status == DisputeStatus.OPEN or dispute.closed_at is None or dispute.closed_at > self.at:
                    self.disputes[dispute.invoice_id] = (DisputeState.OPEN, opened, None)
                elif dispute.status == DisputeStatus.VERIFIED:
                    self.disputes[dispute.invoice_id] = (DisputeState.VERIFIED, opened, dispute.closed_at.date())
                else:
                    self.disputes.pop(dispute.invoice_id, None)

    def facts(self, customer_id: int) -> DebtorFacts:
        org_settings = self.settings
        profile = self.profiles.get(customer_id) or DebtorProfile(customer_id=customer_id)
        details = self.details[customer_id]
        state = state_of(details.postal_code, details.region)
        default_contract = ContractKind(profile.contract or org_settings.contract)
        debts = []
        for invoice in self.invoices.get(customer_id, ()):
            # An invoice imported as disputed has no dispute record yet: it is an open dispute all the same.
            unrecorded = (DisputeState.OPEN if invoice["disputed"] else DisputeState.NONE, None, None)
            dispute, opened, verified = self.disputes.get(invoice["id"], unrecorded)
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
        permissions = self.permissions.get(customer_id, ())
        return DebtorFacts(
            consumer=self.kinds.get(customer_id) == CustomerKind.PERSON,
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
            opt_outs=tuple(
                Permission(Channel(p.channel), p.address) for p in permissions if p.kind == PermissionKind.OPT_OUT
            ),
            consents=tuple(
                Permission(Channel(p.channel), p.address) for p in permissions if p.kind == PermissionKind.CONSENT
            ),
            employer_emails=frozenset(self.employer_emails.get(customer_id, ())),
            validation_notice_sent_on=profile.validation_notice_sent_on,
            first_communication_at=self.first_contact.get(customer_id),
        )


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
