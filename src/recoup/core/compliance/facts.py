"""What the guard needs to know: the proposed action, the debtor and their debts, and past attempts.

All records are immutable. Datetimes are timezone-aware (the guard compares instants, and converts to
each candidate zone itself); dates are plain dates. Nothing here touches a database: the compliance app
builds these from its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"


CHANNELS = tuple(Channel)
PHONE_CHANNELS = frozenset({Channel.CALL, Channel.SMS})
ELECTRONIC_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL})


class Mode(StrEnum):
    """Who is collecting. A creditor collecting its own debt in its own name is first-party; an agency,
    a debt buyer, or a creditor using another name is third-party (an FDCPA "debt collector")."""

    FIRST_PARTY = "first_party"
    THIRD_PARTY = "third_party"


class DebtType(StrEnum):
    MEDICAL = "medical"
    DENTAL = "dental"
    UTILITY = "utility"
    TUITION = "tuition"
    RENT = "rent"
    TRADE = "trade"
    SERVICES = "services"
    MEMBERSHIP = "membership"
    SENIOR_CARE = "senior_care"
    OTHER = "other"


# Debts the bureaus' medical-collection policy and the state medical-reporting bans treat as medical.
MEDICAL_DEBT_TYPES = frozenset({DebtType.MEDICAL, DebtType.DENTAL, DebtType.SENIOR_CARE})


class ContractKind(StrEnum):
    """For the statute of limitations: a signed written contract, or an open account (running credit
    without one, e.g. a practice billing after each visit)."""

    WRITTEN = "written"
    OPEN_ACCOUNT = "open_account"


class DisputeState(StrEnum):
    NONE = "none"
    OPEN = "open"
    VERIFIED = "verified"


class PhoneLine(StrEnum):
    CELL = "cell"
    HOME = "home"
    WORK = "work"
    UNKNOWN = "unknown"


class Purpose(StrEnum):
    """Why a message is sent. Most are collection; a few are allowed where collection is not."""

    COLLECTION = "collection"
    VALIDATION_NOTICE = "validation_notice"
    DISPUTE_RESPONSE = "dispute_response"
    # After a cease request, only these two may be sent (1006.6(c)(2)).
    EFFORTS_TERMINATED = "efforts_terminated"
    REMEDY_NOTICE = "remedy_notice"


AFTER_CEASE_PURPOSES = frozenset({Purpose.EFFORTS_TERMINATED, Purpose.REMEDY_NOTICE})


class Recipient(StrEnum):
    DEBTOR = "debtor"
    ATTORNEY = "attorney"
    ESTATE_REPRESENTATIVE = "estate_representative"


@dataclass(frozen=True, slots=True)
class Debt:
    """One debt (an invoice) of the debtor.

    Attributes:
        id: the invoice number.
        original_cents: the amount first owed, in minor units.
        balance_cents: what is still owed.
        delinquent_since: the date of first delinquency (the day after the due date it was missed).
        last_payment_on: the latest payment, if any.
        debt_type: medical, utility, tuition, ...; None means the debtor's default.
        contract: written contract or open account, for the statute of limitations.
        dispute: no dispute, an open one, or one verified (collection may resume after ``verified_on``).
    """

    id: str
    original_cents: int
    balance_cents: int
    delinquent_since: date | None
    last_payment_on: date | None = None
    debt_type: DebtType | None = None
    contract: ContractKind = ContractKind.OPEN_ACCOUNT
    dispute: DisputeState = DisputeState.NONE
    dispute_opened_on: date | None = None
    dispute_verified_on: date | None = None

    @property
    def paid(self) -> bool:
        return self.balance_cents <= 0


@dataclass(frozen=True, slots=True)
class LocalWindow:
    """A time the debtor said is inconvenient, in their own local time: ``weekdays`` (0 = Monday)
    from ``start`` to ``end``. An empty ``weekdays`` means every day."""

    start: time
    end: time
    weekdays: frozenset[int] = frozenset()
    note: str = ""

    def covers(self, moment: datetime) -> bool:
        if self.weekdays and moment.weekday() not in self.weekdays:
            return False
        clock = moment.time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end  # overnight, e.g. 22:00-06:00


@dataclass(frozen=True, slots=True)
class Permission:
    """An opt-out or a consent for one channel; ``address`` '' means every address on that channel."""

    channel: Channel
    address: str = ""

    def matches(self, channel: Channel, address: str) -> bool:
        return self.channel == channel and (not self.address or self.address == address)


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    """Everything about the debtor the rules read.

    Attributes:
        consumer: a person's personal, family or household debt (FDCPA, Reg F and most state laws
            cover only these); False for a business debtor.
        mode: first-party or third-party collection.
        state: two-letter US state of the debtor's address ('' when unknown).
        nyc: the address is in one of New York City's five boroughs.
        time_zones: every IANA zone the debtor may be in (from ZIP, phone area codes and state).
        debt_type: the account's default debt type.
        uses_other_name: a creditor collecting under a name other than its own (then it is a
            third-party collector under 1692a(6), and Washington's agency act reaches it).
        validation_notice_sent_on / first_communication_at: for third-party mode (F9, F10).
        opt_outs: channels and addresses the debtor opted out of (STOP, unsubscribe, a request).
        consents: prior express consent for texts and autodialed or prerecorded calls (T1), still
            in force (revoked ones are left out).
        employer_emails: email addresses the debtor's employer provided (F4).
    """

    consumer: bool
    mode: Mode = Mode.FIRST_PARTY
    state: str = ""
    nyc: bool = False
    time_zones: tuple[str, ...] = ()
    debt_type: DebtType = DebtType.OTHER
    uses_other_name: bool = False
    debts: tuple[Debt, ...] = ()
    cease_requested_at: datetime | None = None
    attorney_represented: bool = False
    bankruptcy_filed_on: date | None = None
    deceased: bool = False
    workplace_contact_prohibited: bool = False
    inconvenient_times: tuple[LocalWindow, ...] = ()
    opt_outs: tuple[Permission, ...] = ()
    consents: tuple[Permission, ...] = ()
    employer_emails: frozenset[str] = frozenset()
    validation_notice_sent_on: date | None = None
    first_communication_at: datetime | None = None

    @property
    def third_party(self) -> bool:
        return self.mode == Mode.THIRD_PARTY or self.uses_other_name

    def debt_type_of(self, debt: Debt) -> DebtType:
        return debt.debt_type or self.debt_type


@dataclass(frozen=True, slots=True)
class Action:
    """A contact the system or a person proposes to make.

    Attributes:
        debt_ids: the debts it is about; empty means the whole account (every debt).
        address: the phone number (E.164), email address or postal address used.
        line: for calls and texts, what kind of line the number is (unknown is treated as a cell).
        autodialed: an autodialer, or a prerecorded or artificial voice (T1). Texts always need consent.
        includes_opt_out: an email or text carries a simple way to opt out (F7).
        to_workplace: the contact reaches the debtor at work.
        threatens_suit: the template says or implies a lawsuit (refused for time-barred debt, F15).
        reply_to_consumer: a reply, in the same medium, to a message the debtor just sent (F2 exception).
        pay_by: a deadline the message sets for payment (F11 forbids one inside the validation period).
    """

    channel: Channel
    debt_ids: frozenset[str] = frozenset()
    address: str = ""
    line: PhoneLine = PhoneLine.UNKNOWN
    autodialed: bool = False
    purpose: Purpose = Purpose.COLLECTION
    recipient: Recipient = Recipient.DEBTOR
    includes_opt_out: bool = True
    to_workplace: bool = False
    threatens_suit: bool = False
    reply_to_consumer: bool = False
    pay_by: date | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One contact attempt or conversation already in the attempt ledger.

    Attributes:
        connected: False for a call that never connected (busy, invalid, network failure); those do
            not count toward call caps. An unanswered call that rang, or a voicemail, did connect.
        conversation: the collector spoke with the debtor about the debt (starts F1's 7-day quiet period).
        inbound: the debtor initiated it (not counted toward caps, but a conversation still starts the clock).
    """

    channel: Channel
    at: datetime
    debt_ids: frozenset[str] = frozenset()
    address: str = ""
    line: PhoneLine = PhoneLine.UNKNOWN
    connected: bool = True
    conversation: bool = False
    inbound: bool = False
    to_workplace: bool = False

    def concerns(self, debt_id: str) -> bool:
        return not self.debt_ids or debt_id in self.debt_ids


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str
    citation: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The guard's answer. ``next_allowed_at`` is the earliest lawful moment for the same action, or None
    when no amount of waiting makes it lawful (a cease request, a missing consent, an open dispute)."""

    allowed: bool
    violations: tuple[Violation, ...] = ()
    next_allowed_at: datetime | None = None
    rules_applied: frozenset[str] = field(default_factory=frozenset)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.violations))
