"""What the guard would say about contacting a debtor now, on each channel, and why.

Used by ``recoup compliance explain``, the customer page's panel and the API. It previews: nothing is
recorded. Each channel is tried with the debtor's primary address for it, about every open invoice that
is not disputed (so one disputed invoice does not hide that the rest may be collected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from recoup.compliance import selectors
from recoup.core.compliance import (
    CHANNELS,
    Action,
    Channel,
    DebtorFacts,
    Decision,
    DisputeState,
    PhoneLine,
    check,
    validation_period_end,
)
from recoup.core.compliance.guard import candidate_zones
from recoup.core.compliance.limitations import limitations_expire_on
from recoup.ledger.contacts import display_phone
from recoup.ledger.models import Customer

CHANNEL_LABELS = {Channel.CALL: "Call", Channel.SMS: "Text", Channel.EMAIL: "Email", Channel.LETTER: "Letter"}


@dataclass
class ChannelVerdict:
    channel: Channel
    address: str
    decision: Decision | None  # None when there is no address for the channel

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @property
    def display(self) -> str:
        """The address as people write it: (303) 555-0106 rather than +13035550106."""
        if self.channel in (Channel.CALL, Channel.SMS):
            return display_phone(self.address)
        return self.address


@dataclass
class Explanation:
    customer: Customer
    at: datetime
    facts: DebtorFacts
    zones: list[tuple[str, datetime]]  # each candidate zone and its local time
    zones_assumed: bool  # nothing on file says where the debtor is
    channels: list[ChannelVerdict]
    flags: list[str] = field(default_factory=list)
    rules_applied: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def channel_action(facts: DebtorFacts, details: selectors.ContactDetails, channel: Channel) -> Action | None:
    """The contact the guard is asked about for ``channel``: the primary usable address, covering the
    undisputed debts (or all, when none is disputed). None when there is no address for it."""
    collectable = frozenset(d.id for d in facts.debts if d.dispute == DisputeState.NONE)
    debt_ids = collectable if collectable and len(collectable) < len(facts.debts) else frozenset()
    if channel is Channel.CALL:
        phone = details.phones[0] if details.phones else None
        return Action(Channel.CALL, debt_ids, phone[0], PhoneLine(phone[1])) if phone else None
    if channel is Channel.SMS:
        cell = next((p for p in details.phones if p[1] in (PhoneLine.CELL, PhoneLine.UNKNOWN)), None)
        return Action(Channel.SMS, debt_ids, cell[0], PhoneLine(cell[1])) if cell else None
    if channel is Channel.EMAIL:
        return Action(Channel.EMAIL, debt_ids, details.emails[0]) if details.emails else None
    return Action(Channel.LETTER, debt_ids, details.addresses[0]) if details.addresses else None


def channel_actions(facts: DebtorFacts, details: selectors.ContactDetails) -> dict[Channel, Action | None]:
    return {channel: channel_action(facts, details, channel) for channel in CHANNELS}


def explain(customer: Customer, at: datetime) -> Explanation:
    details = selectors.contact_details(customer)
    facts = selectors.debtor_facts(customer, at, details)
    history = selectors.attempt_history(customer, at)
    policy = selectors.policy_of(customer.organisation)
    actions = channel_actions(facts, details)
    verdicts = []
    rules: set[str] = set()
    for channel in CHANNELS:
        action = actions[channel]
        decision = check(action, facts, history, at, policy) if action else None
        if decision:
            rules |= decision.rules_applied
        verdicts.append(ChannelVerdict(channel, action.address if action else "", decision))
    zones = [(name, at.astimezone(ZoneInfo(name))) for name in candidate_zones(facts)]
    explanation = Explanation(
        customer=customer,
        at=at,
        facts=facts,
        zones=zones,
        zones_assumed=not facts.time_zones,
        channels=verdicts,
        flags=_flags(facts),
        rules_applied=sorted(rules),
    )
    explanation.notes = _notes(facts, at, policy)
    return explanation


def _flags(facts: DebtorFacts) -> list[str]:
    flags = ["consumer debt" if facts.consumer else "business debt", facts.mode.replace("_", "-") + " collection"]
    if facts.state:
        flags.append(f"state {facts.state}" + (" (New York City)" if facts.nyc else ""))
    if facts.debt_type:
        flags.append(f"{facts.debt_type.replace('_', ' ')} debt")
    if facts.cease_requested_at:
        flags.append(f"asked to stop contact on {facts.cease_requested_at.date()}")
    if facts.attorney_represented:
        flags.append("represented by an attorney")
    if facts.bankruptcy_filed_on:
        flags.append(f"bankruptcy filed {facts.bankruptcy_filed_on}")
    if facts.deceased:
        flags.append("deceased")
    if facts.workplace_contact_prohibited:
        flags.append("no contact at work")
    for window in facts.inconvenient_times:
        flags.append(
            f"inconvenient {window.start:%H:%M}-{window.end:%H:%M}" + (f" ({window.note})" if window.note else "")
        )
    for opt_out in facts.opt_outs:
        flags.append(f"opted out of {opt_out.channel}" + (f" to {opt_out.address}" if opt_out.address else ""))
    for consent in facts.consents:
        flags.append(f"consented to {consent.channel}" + (f" at {consent.address}" if consent.address else ""))
    for debt in facts.debts:
        if debt.dispute == DisputeState.OPEN:
            flags.append(f"{debt.id} disputed (open)")
        elif debt.dispute == DisputeState.VERIFIED:
            flags.append(f"{debt.id} dispute verified {debt.dispute_verified_on}")
    return flags


def _notes(facts: DebtorFacts, at: datetime, policy) -> list[str]:
    notes = []
    if facts.third_party and facts.validation_notice_sent_on:
        ends = validation_period_end(facts.validation_notice_sent_on, policy)
        notes.append(f"Validation notice sent {facts.validation_notice_sent_on}; the validation period ends {ends}.")
    for debt in facts.debts:
        expires = limitations_expire_on(debt, facts.state, policy)
        if expires and expires <= at.date():
            notes.append(f"{debt.id} is time-barred since {expires}: no threat of suit.")
    return notes


def explanation_document(explanation: Explanation) -> dict:
    """The JSON form: ``{"time_zones": [...], "channels": {"call": {"allowed", "violations",
    "next_allowed_at"}, ...}}`` plus the flags and the local times."""
    channels = {}
    for verdict in explanation.channels:
        decision = verdict.decision
        if decision is None:
            channels[verdict.channel.value] = {
                "allowed": False,
                "address": "",
                "violations": [{"rule": "", "message": f"No {verdict.channel} address on file.", "citation": ""}],
                "next_allowed_at": None,
            }
            continue
        channels[verdict.channel.value] = {
            "allowed": decision.allowed,
            "address": verdict.address,
            "violations": [{"rule": v.rule, "message": v.message, "citation": v.citation} for v in decision.violations],
            "next_allowed_at": decision.next_allowed_at.isoformat() if decision.next_allowed_at else None,
        }
    return {
        "account": explanation.customer.external_id,
        "name": explanation.customer.name,
        "at": explanation.at.isoformat(),
        "time_zones": [name for name, _ in explanation.zones],
        "local_times": {name: local.isoformat() for name, local in explanation.zones},
        "time_zones_assumed": explanation.zones_assumed,
        "flags": explanation.flags,
        "rules_applied": explanation.rules_applied,
        "notes": explanation.notes,
        "channels": channels,
    }
