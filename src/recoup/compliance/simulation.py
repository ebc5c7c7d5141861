"""A year of naive collection passed through the guard: the guard's audit.

The naive policy contacts every debtor with an open balance every day: three calls, a text, an email
and a letter, at random minutes of the day, some letters threatening suit. Every proposal goes through
``recoup.core.compliance.check`` with the debtor's facts as they stand at that moment; what is allowed
goes into the attempt ledger, what is refused into the blocked log. Debtors react as debtors do: calls
ring out or connect, some become conversations, some debtors dispute an invoice (verified ten days later,
or not), text STOP, unsubscribe, ask to stop all contact, hire an attorney, or call in themselves.

Afterwards ``recoup.compliance.audit.attempt_ledger_audit`` re-reads the ledger from the database with its
own code and must find no violation.
"""

from __future__ import annotations

import random
import time as clock
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from django.db import transaction

from recoup.activity.models import Dispute, DisputeStatus
from recoup.compliance import selectors
from recoup.compliance.explain import channel_actions
from recoup.compliance.models import (
    AttemptSource,
    BlockedContact,
    BlockedRule,
    ContactAttempt,
    ContactPermission,
    DebtorProfile,
    Direction,
    PermissionKind,
)
from recoup.core.compliance import Action, Attempt, Channel, DebtorFacts, DisputeState, Permission, check
from recoup.imports.progress import NoProgress, Progress
from recoup.ledger.models import Customer, Invoice
from recoup.organisations.models import Organisation

CALLS_PER_DAY = 3
WINDOW = timedelta(days=31)
SOURCE = AttemptSource.SIMULATION


@dataclass
class Debtor:
    customer: Customer
    facts: DebtorFacts
    actions: dict
    history: list[Attempt] = field(default_factory=list)
    invoice_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class SimulationResult:
    days: int
    debtors: int
    proposed: int = 0
    allowed: int = 0
    blocked: int = 0
    blocked_by_rule: Counter = field(default_factory=Counter)
    allowed_by_channel: Counter = field(default_factory=Counter)
    events: Counter = field(default_factory=Counter)
    seconds: float = 0.0


class Simulation:
    def __init__(self, organisation: Organisation, start: date, days: int, seed: int) -> None:
        self.organisation, self.start, self.days = organisation, start, days
        self.rng = random.Random(seed)
        self.policy = selectors.policy_of(organisation)
        self.attempts: list[ContactAttempt] = []
        self.blocked: list[tuple[BlockedContact, tuple[str, ...]]] = []
        self.profile_changes: dict[int, dict] = {}
        self.permissions: list[ContactPermission] = []
        self.disputes: list[tuple[int, int, datetime, datetime | None]] = []  # customer, invoice, opened, verified
        self.pending: list[tuple[datetime, str, Debtor, dict]] = []
        self.revoked_consents: list[tuple[int, str, datetime]] = []

    def debtors(self, at: datetime) -> list[Debtor]:
        customers = Customer.objects.filter(organisation=self.organisation, open_cents__gt=0).order_by("id")
        found = []
        for customer in customers:
            details = selectors.contact_details(customer)
            facts = selectors.debtor_facts(customer, at, details)
            if not facts.debts:
                continue
            invoice_ids = dict(
                Invoice.objects.filter(customer=customer, number__in=[d.id for d in facts.debts]).values_list(
                    "number", "id"
                )
            )
            found.append(Debtor(customer, facts, channel_actions(facts, details), invoice_ids=invoice_ids))
        return found

    def run(self, progress: Progress) -> SimulationResult:
        started = clock.perf_counter()
        begin = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        debtors = self.debtors(begin)
        result = SimulationResult(self.days, len(debtors))
        progress.stage(f"Simulating {self.days} days for {len(debtors)} debtors", self.days)
        for day in range(self.days):
            midnight = begin + timedelta(days=day)
            for debtor in debtors:
                self._day(debtor, midnight, result)
            progress.advance(1)
        progress.stage("Writing the attempt ledger and the blocked log")
        self._persist()
        result.seconds = clock.perf_counter() - started
        return result

    # --- one debtor, one day ---

    def _day(self, debtor: Debtor, midnight: datetime, result: SimulationResult) -> None:
        proposals: list[tuple[datetime, Action]] = []
        for channel, action in debtor.actions.items():
            if action is None:
                continue
            for _ in range(CALLS_PER_DAY if channel == Channel.CALL else 1):
                at = midnight + timedelta(minutes=self.rng.randrange(24 * 60))
                if channel == Channel.LETTER and self.rng.random() < 0.1:
                    action = replace(action, threatens_suit=True)
                proposals.append((at, action))
        if self.rng.random() < 0.01:  # the debtor calls in and talks about the bill
            proposals.append((midnight + timedelta(minutes=self.rng.randrange(8 * 60, 20 * 60)), None))
        for at, action in sorted(proposals, key=lambda p: p[0]):
            self._apply_due_events(debtor, at)
            if action is None:
                self._inbound_call(debtor, at, result)
                continue
            result.proposed += 1
            debtor.history = [a for a in debtor.history if a.at > at - WINDOW]
            decision = check(action, debtor.facts, debtor.history, at, self.policy)
            if not decision.allowed:
                result.blocked += 1
                result.blocked_by_rule.update(decision.rule_ids)
                self.blocked.append((self._blocked_row(debtor, action, at, decision), decision.rule_ids))
                continue
            result.allowed += 1
            result.allowed_by_channel[action.channel] += 1
            self._contact(debtor, action, at, result)

    def _contact(self, debtor: Debtor, action: Action, at: datetime, result: SimulationResult) -> None:
        connected, conversation = True, False
        if action.channel == Channel.CALL:
            connected = self.rng.random() < 0.85
            conversation = connected and self.rng.random() < 0.3
        attempt = Attempt(action.channel, at, action.debt_ids, action.address, action.line, connected, conversation)
        debtor.history.append(attempt)
        self.attempts.append(self._attempt_row(debtor, attempt, action))
        roll = self.rng.random()
        if action.channel == Channel.SMS and roll < 0.03:
            self._schedule(at + timedelta(minutes=2), "sms_stop", debtor, address=action.address)
        elif action.channel == Channel.EMAIL and roll < 0.005:
            self._schedule(at + timedelta(hours=1), "email_opt_out", debtor, address=action.address)
        elif action.channel == Channel.LETTER and roll < 0.002:
            self._schedule(at + timedelta(days=5), "cease", debtor)
        elif conversation:
            if roll < 0.03:
                self._schedule(at + timedelta(minutes=1), "dispute", debtor)
            elif roll < 0.04:
                self._schedule(at + timedelta(minutes=1), "cease", debtor)
            elif roll < 0.042:
                next_midnight = datetime.combine(at.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
                self._schedule(next_midnight, "attorney", debtor)

    def _inbound_call(self, debtor: Debtor, at: datetime, result: SimulationResult) -> None:
        attempt = Attempt(Channel.CALL, at, frozenset(), "", conversation=True, inbound=True)
        debtor.history.append(attempt)
        self.attempts.append(self._attempt_row(debtor, attempt, None))
        result.events["inbound call"] += 1

    def _schedule(self, at: datetime, kind: str, debtor: Debtor, **data) -> None:
        self.pending.append((at, kind, debtor, data))

    def _apply_due_events(self, debtor: Debtor, now: datetime) -> None:
        due = [e for e in self.pending if e[2] is debtor and e[0] <= now]
        if not due:
            return
        self.pending = [e for e in self.pending if not (e[2] is debtor and e[0] <= now)]
        for at, kind, _, data in sorted(due, key=lambda e: e[0]):
            self._event(debtor, at, kind, data)

    def _event(self, debtor: Debtor, at: datetime, kind: str, data: dict) -> None:
        facts = debtor.facts
        customer_id = debtor.customer.id
        if kind in ("sms_stop", "email_opt_out"):
            channel = Channel.SMS if kind == "sms_stop" else Channel.EMAIL
            opt_out = Permission(channel, data["address"])
            consents = tuple(
                c for c in facts.consents if not (c.channel == channel and c.address in ("", data["address"]))
            )
            debtor.facts = replace(facts, opt_outs=facts.opt_outs + (opt_out,), consents=consents)
            self.permissions.append(
                ContactPermission(
                    customer_id=customer_id,
                    kind=PermissionKind.OPT_OUT,
                    channel=channel,
                    address=data["address"],
                    source=f"simulation: {kind}",
                    recorded_at=at,
                )
            )
            if channel == Channel.SMS:
                self.revoked_consents.append((customer_id, data["address"], at))
        elif kind == "cease" and facts.cease_requested_at is None:
            debtor.facts = replace(facts, cease_requested_at=at)
            self.profile_changes.setdefault(customer_id, {})["cease_requested_at"] = at
        elif kind == "attorney" and not facts.attorney_represented:
            debtor.facts = replace(facts, attorney_represented=True)
            self.profile_changes.setdefault(customer_id, {}).update(
                attorney_name="Counsel (simulated)", attorney_since=at.date()
            )
        elif kind == "dispute":
            open_debts = [d for d in facts.debts if d.dispute == DisputeState.NONE]
            if not open_debts:
                return
            target = open_debts[0]
            debts = tuple(
                replace(d, dispute=DisputeState.OPEN, dispute_opened_on=at.date()) if d.id == target.id else d
                for d in facts.debts
            )
            debtor.facts = replace(facts, debts=debts)
            verified = at + timedelta(days=10) if self.rng.random() < 0.6 else None
            self.disputes.append((customer_id, debtor.invoice_ids[target.id], at, verified))
            if verified:
                self._schedule(verified, "verified", debtor, debt=target.id)
        elif kind == "verified":
            debts = tuple(
                replace(d, dispute=DisputeState.VERIFIED, dispute_verified_on=at.date()) if d.id == data["debt"] else d
                for d in facts.debts
            )
            debtor.facts = replace(facts, debts=debts)

    # --- rows ---

    def _attempt_row(self, debtor: Debtor, attempt: Attempt, action: Action | None) -> ContactAttempt:
        return ContactAttempt(
            organisation_id=self.organisation.id,
            customer_id=debtor.customer.id,
            invoice_id=debtor.invoice_ids[next(iter(attempt.debt_ids))] if len(attempt.debt_ids) == 1 else None,
            channel=attempt.channel,
            direction=Direction.INBOUND if attempt.inbound else Direction.OUTBOUND,
            address=attempt.address,
            line=attempt.line,
            attempted_at=attempt.at,
            connected=attempt.connected,
            conversation=attempt.conversation,
            autodialed=bool(action and action.autodialed),
            threatens_suit=bool(action and action.threatens_suit),
            covers=sorted(attempt.debt_ids),
            source=SOURCE,
            actor_label="simulation",
            time_zones=list(debtor.facts.time_zones),
        )

    def _blocked_row(self, debtor: Debtor, action: Action, at: datetime, decision) -> BlockedContact:
        return BlockedContact(
            organisation_id=self.organisation.id,
            customer_id=debtor.customer.id,
            channel=action.channel,
            address=action.address,
            purpose=action.purpose,
            blocked_at=at,
            rules=list(decision.rule_ids),
            violations=[{"rule": v.rule, "message": v.message, "citation": v.citation} for v in decision.violations],
            next_allowed_at=decision.next_allowed_at,
            source=SOURCE,
            actor_label="simulation",
        )

    @transaction.atomic
    def _persist(self) -> None:
        ContactAttempt.objects.bulk_create(self.attempts, batch_size=5_000)
        for start in range(0, len(self.blocked), 5_000):
            chunk = self.blocked[start : start + 5_000]
            rows = BlockedContact.objects.bulk_create([row for row, _ in chunk])
            BlockedRule.objects.bulk_create(
                [
                    BlockedRule(
                        organisation_id=self.organisation.id, blocked_id=row.pk, rule=rule, blocked_at=row.blocked_at
                    )
                    for row, rules in zip(rows, (r for _, r in chunk), strict=True)
                    for rule in rules
                ],
                batch_size=5_000,
            )
        for customer_id, address, at in self.revoked_consents:
            ContactPermission.objects.filter(
                customer_id=customer_id,
                kind=PermissionKind.CONSENT,
                channel=Channel.SMS,
                address__in=[address, ""],
                revoked_at__isnull=True,
                recorded_at__lte=at,
            ).update(revoked_at=at)
        ContactPermission.objects.bulk_create(self.permissions, batch_size=5_000)
        for customer_id, changes in self.profile_changes.items():
            DebtorProfile.objects.update_or_create(customer_id=customer_id, defaults=changes)
        for customer_id, invoice_id, opened, verified in self.disputes:
            dispute = Dispute.objects.create(
                organisation_id=self.organisation.id,
                customer_id=customer_id,
                invoice_id=invoice_id,
                reason="disputed on a call (simulation)",
                opened_by_label="simulation",
                status=DisputeStatus.VERIFIED if verified else DisputeStatus.OPEN,
                closed_at=verified,
            )
            Dispute.objects.filter(pk=dispute.pk).update(opened_at=opened)  # auto_now_add ignores a given value


def simulate(
    organisation: Organisation, start: date, days: int, seed: int = 2026, progress: Progress | None = None
) -> SimulationResult:
    simulation = Simulation(organisation, start, days, seed)
    simulation._revoked_consents = []
    return simulation.run(progress or NoProgress())
