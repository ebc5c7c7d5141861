"""The guard's facts for many debtors at once, in a fixed number of queries.

``selectors.debtor_facts`` asks for one debtor through this same loader, so the customer page, the
collection cycle and the benchmark all build facts with one piece of code. Ids are read in chunks so a
100,000-account cycle stays under SQLite's parameter limit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection

from recoup.activity.models import DisputeStatus
from recoup.compliance.locate import candidate_time_zones, in_new_york_city, state_of
from recoup.compliance.models import (
    ComplianceSettings,
    ContactAttempt,
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
from recoup.ledger.models import ContactKind, ContactStatus, CustomerKind
from recoup.organisations.models import Organisation

HISTORY_DAYS = 31  # the longest window any rule counts over is 30 days
CHUNK = 5_000  # ids are inlined (ints), so no parameter limit applies
ONE_DAY = timedelta(days=1)
fromisoformat = date.fromisoformat


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


@dataclass(frozen=True, slots=True)
class Profile:
    """The debtor-profile columns the guard reads (``DebtorProfile`` without the model machinery)."""

    debt_type: str = ""
    contract: str = ""
    cease_requested_at: datetime | None = None
    attorney_represented: bool = False
    bankruptcy_filed_on: date | None = None
    deceased_on: date | None = None
    workplace_contact_prohibited: bool = False
    inconvenient_times: tuple = ()
    validation_notice_sent_on: date | None = None


NO_PROFILE = Profile()


def _aware(value) -> datetime | None:
    """SQLite hands back naive UTC datetimes (or text for expressions); PostgreSQL aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return fromisoformat(value[:10])


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


class FactsLoader:
    """Loads what the guard reads about ``customer_ids`` as of ``at``; ``facts(id)`` assembles one debtor.

    Plain SQL, a statement per table per chunk of ids: the cycle builds facts for tens of thousands of
    debtors, where model instances and the ORM's per-value work would cost more than the guard itself."""

    def __init__(self, organisation: Organisation, customer_ids: Iterable[int], at: datetime) -> None:
        self.organisation, self.at = organisation, at
        ids = sorted(set(customer_ids))
        self.settings = ComplianceSettings.objects.filter(organisation=organisation).first() or ComplianceSettings(
            organisation=organisation
        )
        self.kinds: dict[int, str] = {}
        self.details: dict[int, ContactDetails] = defaultdict(ContactDetails)
        self.employer_emails: dict[int, set[str]] = defaultdict(set)
        self.profiles: dict[int, Profile] = {}
        self.permissions: dict[int, list[tuple[str, str, str]]] = defaultdict(list)  # (kind, channel, address)
        self.invoices: dict[int, list[tuple]] = defaultdict(list)
        self.disputes: dict[int, tuple[DisputeState, date | None, date | None]] = {}
        self.first_contact: dict[int, datetime] = {}
        self.history: dict[int, list[Attempt]] = defaultdict(list)
        self._at = connection.ops.adapt_datetimefield_value(at)
        self._since = connection.ops.adapt_datetimefield_value(at - timedelta(days=HISTORY_DAYS))
        for part in chunks(ids):
            self._load(",".join(str(int(i)) for i in part))  # ints only: safe to inline

    def _rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.fetchall()

    def _load(self, ids: str) -> None:
        self.kinds.update(self._rows(f"SELECT id, kind FROM ledger_customer WHERE id IN ({ids})"))
        points = self._rows(
            "SELECT customer_id, kind, value, line, postal_code, region, employer_provided FROM ledger_contactpoint "
            f"WHERE customer_id IN ({ids}) AND status NOT IN (%s, %s) ORDER BY customer_id, is_primary DESC, id",
            [ContactStatus.BAD, ContactStatus.INVALID],
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
        for row in self._rows(
            "SELECT customer_id, debt_type, contract, cease_requested_at, attorney_name, attorney_since, "
            "bankruptcy_filed_on, deceased_on, workplace_contact_prohibited, inconvenient_times, "
            f"validation_notice_sent_on FROM compliance_debtorprofile WHERE customer_id IN ({ids})"
        ):
            customer_id, debt_type, contract, cease, attorney, since, bankrupt, deceased, no_work, times, notice = row
            self.profiles[customer_id] = Profile(
                debt_type=debt_type,
                contract=contract,
                cease_requested_at=_aware(cease),
                attorney_represented=bool(attorney or since),
                bankruptcy_filed_on=bankrupt,
                deceased_on=deceased,
                workplace_contact_prohibited=bool(no_work),
                inconvenient_times=_windows(_json(times)),
                validation_notice_sent_on=notice,
            )
        for customer_id, kind, channel, address in self._rows(
            "SELECT customer_id, kind, channel, address FROM compliance_contactpermission "
            f"WHERE customer_id IN ({ids}) AND revoked_at IS NULL AND recorded_at <= %s",
            [self._at],
        ):
            self.permissions[customer_id].append((kind, channel, address))
        # On SQLite dates come as text and are parsed here (several times faster than Django's per-value
        # converter); PostgreSQL's driver returns dates already, whatever the server's DateStyle.
        as_text = "CAST({} AS TEXT)" if connection.vendor == "sqlite" else "{}"
        for row in self._rows(
            "SELECT id, customer_id, number, amount_cents, applied_cents, "
            f"{as_text.format('due_date')}, {as_text.format('last_applied_on')}, disputed "
            f"FROM ledger_invoice WHERE customer_id IN ({ids}) AND settled_on IS NULL "
            "AND amount_cents > applied_cents ORDER BY customer_id, due_date, id"
        ):
            invoice_id, customer_id, number, amount, applied, due, last_applied, disputed = row
            self.invoices[customer_id].append(
                (
                    invoice_id,
                    number,
                    amount,
                    applied,
                    _day(due),
                    _day(last_applied),
                    disputed,
                )
            )
        self._load_disputes(ids)
        self.first_contact.update(
            (customer_id, _aware(first))
            for customer_id, first in self._rows(
                "SELECT customer_id, MIN(attempted_at) FROM compliance_contactattempt "
                f"WHERE customer_id IN ({ids}) AND direction = %s GROUP BY customer_id",
                [Direction.OUTBOUND],
            )
        )
        for row in self._rows(
            "SELECT a.customer_id, a.channel, a.attempted_at, a.covers, i.number, a.address, a.line, a.connected, "
            "a.conversation, a.direction, a.to_workplace FROM compliance_contactattempt a "
            "LEFT JOIN ledger_invoice i ON i.id = a.invoice_id "
            f"WHERE a.customer_id IN ({ids}) AND a.attempted_at > %s AND a.attempted_at <= %s",
            [self._since, self._at],
        ):
            customer_id, channel, at, covers, number, address, line, connected, talked, direction, work = row
            debt_ids = frozenset(_json(covers) or ()) or (frozenset({number}) if number else frozenset())
            self.history[customer_id].append(
                Attempt(
                    channel=Channel(channel),
                    at=_aware(at),
                    debt_ids=debt_ids,
                    address=address,
                    line=PhoneLine(line),
                    connected=bool(connected),
                    conversation=bool(talked),
                    inbound=direction == Direction.INBOUND,
                    to_workplace=bool(work),
                )
            )

    def _load_disputes(self, ids: str) -> None:
        """The state of each invoice's latest dispute at ``at``: open, verified (with the day), or none once
        resolved. A dispute closed after ``at`` was still open then."""
        for invoice_id, status, opened_at, closed_at in self._rows(
            "SELECT invoice_id, status, opened_at, closed_at FROM activity_dispute "
            f"WHERE customer_id IN ({ids}) AND opened_at <= %s ORDER BY opened_at, id",
            [self._at],
        ):
            opened, closed = _aware(opened_at), _aware(closed_at)
            if status == DisputeStatus.OPEN or closed is None or closed > self.at:
                self.disputes[invoice_id] = (DisputeState.OPEN, opened.date(), None)
            elif status == DisputeStatus.VERIFIED:
                self.disputes[invoice_id] = (DisputeState.VERIFIED, opened.date(), closed.date())
            else:
                self.disputes.pop(invoice_id, None)

    def facts(self, customer_id: int) -> DebtorFacts:
        org_settings = self.settings
        profile = self.profiles.get(customer_id, NO_PROFILE)
        details = self.details[customer_id]
        state = state_of(details.postal_code, details.region)
        default_contract = ContractKind(profile.contract or org_settings.contract)
        debts = []
        for invoice_id, number, amount, applied, due, last_applied, disputed in self.invoices.get(customer_id, ()):
            # An invoice imported as disputed has no dispute record yet: it is an open dispute all the same.
            unrecorded = (DisputeState.OPEN if disputed else DisputeState.NONE, None, None)
            dispute, opened, verified = self.disputes.get(invoice_id, unrecorded)
            debts.append(
                Debt(
                    id=number,
                    original_cents=amount,
                    balance_cents=amount - applied,
                    delinquent_since=due + ONE_DAY,
                    last_payment_on=last_applied,
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
            inconvenient_times=profile.inconvenient_times,
            opt_outs=tuple(Permission(Channel(c), a) for k, c, a in permissions if k == PermissionKind.OPT_OUT),
            consents=tuple(Permission(Channel(c), a) for k, c, a in permissions if k == PermissionKind.CONSENT),
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
