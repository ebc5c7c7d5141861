"""The collection cycle: plan every account, ask the guard, execute and record one touch per account.

1. Load every chaseable account in bulk (``accounts.accounts_of``) and ask ``core.ladder.plan`` what each
   gets today: one touch (catching up to the step due now), or why nothing.
2. For the accounts with a touch, build the guard's facts in bulk and check the touch.
3. Unless it is a dry run, claim the touch's unique key (account, period, step, attempt), then send it
   through ``compliance.services.contact_make``, which locks the debtor, re-checks and records the attempt
   or the block. A second cycle running at the same moment fails to claim the key and moves on.

Deferred touches (the guard said "not now, but at 8:00 their time") are retried by any later run; run the
cycle hourly and they go out as soon as they may. Emails go to the outbox and are delivered at the end.
"""

from __future__ import annotations

import contextlib
import logging
import time as clock
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from recoup.clock import today
from recoup.compliance import selectors as compliance_selectors
from recoup.compliance.explain import channel_action
from recoup.compliance.facts_loader import FactsLoader
from recoup.core.compliance import Channel, Decision, check
from recoup.core.ladder import Outcome, Plan, plan
from recoup.imports.progress import NoProgress, Progress
from recoup.ledger.models import Customer, Invoice
from recoup.organisations.models import Organisation
from recoup.outreach.accounts import Account, accounts_of, ladders_of
from recoup.outreach.delivery import outbox_deliver
from recoup.outreach.models import Touch, TouchStatus
from recoup.outreach.opened import opened_unpaid, opened_unpaid_calls
from recoup.outreach.sending import ADDRESS_WORDS, deliver_touch
from recoup.outreach.setup import ladders_ensure_defaults, outreach_settings_of

FACTS_CHUNK = 5_000
log = logging.getLogger(__name__)


@dataclass
class PlannedTouch:
    account: Account
    ladder_key: str
    plan: Plan
    decision: Decision | None = None
    status: str = ""  # what happened (or, in a dry run, would happen)
    reason: str = ""


@dataclass
class CycleResult:
    as_of: date
    at: datetime
    dry_run: bool
    accounts: int = 0
    outcomes: Counter = field(default_factory=Counter)
    touches: list[PlannedTouch] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    blocked_by_rule: Counter = field(default_factory=Counter)
    retried: int = 0
    opened_calls: int = 0  # calls queued because a reminder was opened but not paid
    delivered: int = 0
    delivery_failures: int = 0
    seconds: float = 0.0
    plan_seconds: float = 0.0
    before_send_hour: bool = False

    @property
    def accounts_per_second(self) -> float:
        return self.accounts / self.plan_seconds if self.plan_seconds else 0.0


def cycle_moment(organisation: Organisation, as_of: date) -> datetime:
    """When a run for ``as_of`` acts: now if it is today where the business is, else the send hour that day."""
    if as_of == today(organisation.timezone):
        return timezone.now()
    hour = outreach_settings_of(organisation).send_hour
    local = datetime(as_of.year, as_of.month, as_of.day, hour, tzinfo=ZoneInfo(organisation.timezone))
    return local.astimezone(UTC)


def _before_send_hour(organisation: Organisation, as_of: date) -> bool:
    if as_of != today(organisation.timezone):
        return False
    local = timezone.localtime(timezone.now(), ZoneInfo(organisation.timezone))
    return local.hour < outreach_settings_of(organisation).send_hour


def plan_accounts(organisation: Organisation, as_of: date, result: CycleResult) -> list[PlannedTouch]:
    ladders = ladders_of(organisation)
    edges = tuple(organisation.aging_edges or (30, 60, 90, 120))
    accounts = accounts_of(organisation, as_of)
    result.accounts = len(accounts)
    due: list[PlannedTouch] = []
    for account in accounts:
        state = account.state
        ladder = ladders.for_customer(state.customer_id, state.segment, state.kind)
        if ladder is None:
            result.outcomes["no ladder"] += 1
            continue
        decided = plan(ladder, state, as_of, edges)
        result.outcomes[decided.outcome.value] += 1
        if decided.outcome is Outcome.SEND:
            due.append(PlannedTouch(account, ladder.key, decided))
    return due


def guard_preview(organisation: Organisation, due: list[PlannedTouch], at: datetime, progress: Progress) -> None:
    """The guard's answer for each planned touch, from facts loaded in bulk, without recording anything."""
    policy = compliance_selectors.policy_of(organisation)
    progress.stage("Asking the guard", len(due))
    for start in range(0, len(due), FACTS_CHUNK):
        part = due[start : start + FACTS_CHUNK]
        loader = FactsLoader(organisation, [t.account.state.customer_id for t in part], at)
        for touch in part:
            customer_id = touch.account.state.customer_id
            facts = loader.facts(customer_id)
            channel = touch.plan.touch.step.channel
            action = channel_action(facts, loader.details[customer_id], channel)
            if action is None:
                touch.status, touch.reason = TouchStatus.SKIPPED, f"no usable {ADDRESS_WORDS[channel]}"
                continue
            touch.decision = check(action, facts, loader.history.get(customer_id, []), at, policy)
            touch.status, touch.reason = _status_for(touch.plan.touch.step.channel, touch.decision)
        progress.advance(len(part))


def _status_for(channel: Channel, decision: Decision) -> tuple[str, str]:
    if decision.allowed:
        done = {Channel.CALL: TouchStatus.TASK, Channel.LETTER: TouchStatus.QUEUED}.get(channel, TouchStatus.SENT)
        return done, ""
    words = "; ".join(f"{v.rule}: {v.message}" for v in decision.violations)
    if decision.next_allowed_at is not None:
        return TouchStatus.DEFERRED, f"{words} (may go at {decision.next_allowed_at.isoformat(timespec='minutes')})"
    return TouchStatus.BLOCKED, words


def cycle_run(
    organisation: Organisation,
    as_of: date | None = None,
    *,
    dry_run: bool = False,
    at: datetime | None = None,
    progress: Progress | None = None,
    deliver: bool = True,
    any_hour: bool = False,
) -> CycleResult:
    """One run of the cycle for ``as_of`` (default: today where the business is)."""
    progress = progress or NoProgress()
    started = clock.perf_counter()
    as_of = as_of or today(organisation.timezone)
    early = at is None and not dry_run and not any_hour and _before_send_hour(organisation, as_of)
    at = at or cycle_moment(organisation, as_of)
    result = CycleResult(as_of=as_of, at=at, dry_run=dry_run, before_send_hour=early)
    if not dry_run:
        ladders_ensure_defaults(organisation)
        result.retried = retry_deferred(organisation, at)
    # An hourly cron run before the send hour only delivers what is owed from earlier; new reminders wait,
    # so a business's customers are not emailed at midnight.
    due = [] if early else plan_accounts(organisation, as_of, result)
    if dry_run:
        guard_preview(organisation, due, at, progress)
    result.plan_seconds = clock.perf_counter() - started
    if dry_run:
        result.opened_calls = len(opened_unpaid(organisation, as_of))
    else:
        progress.stage("Sending", len(due))
        for touch in due:
            touch_execute(organisation, touch, as_of, at)
            progress.advance(1)
        result.opened_calls = opened_unpaid_calls(organisation, as_of, at)
        if deliver:
            delivered = outbox_deliver(organisation, at)
            result.delivered, result.delivery_failures = delivered.sent, delivered.failed
    for touch in due:
        result.statuses[touch.status] += 1
        if touch.status in (TouchStatus.SENT, TouchStatus.QUEUED, TouchStatus.TASK):
            result.by_channel[touch.plan.touch.step.channel.value] += 1
        if touch.decision is not None and not touch.decision.allowed:
            result.blocked_by_rule.update(touch.decision.rule_ids)
    result.touches = due
    result.seconds = clock.perf_counter() - started
    return result


def touch_execute(organisation: Organisation, touch: PlannedTouch, as_of: date, at: datetime) -> None:
    """Claim the touch's key, then send it through the guard. A key someone else holds means it is done.

    A touch that fails for any other reason (a template that breaks on this account's data, a provider
    error) is recorded as failed with the error, so the ladder moves on and the rest of the run goes on."""
    state, occurrence = touch.account.state, touch.plan.touch
    fields = dict(
        organisation=organisation,
        customer_id=state.customer_id,
        currency=state.currency,
        period=state.anchor_due,
        ladder_key=touch.ladder_key,
        step_key=occurrence.step.key,
        attempt=occurrence.attempt,
        step_name=occurrence.describe()[:200],
        channel=occurrence.step.channel.value,
        planned_on=as_of,
        amount_cents=state.open_cents,
        created_at=at,
    )
    try:
        with transaction.atomic():
            row = Touch.objects.create(**fields, status=TouchStatus.DEFERRED, reason="claimed")
            touch.status, touch.reason, touch.decision = deliver_touch(row, at)
    except IntegrityError:
        touch.status, touch.reason = "already done", "another run has this touch"
    except Exception as error:  # noqa: BLE001 (one account's failure must not stop the cycle)
        log.exception("touch %s for customer %s failed", occurrence.key, state.customer_id)
        touch.status, touch.reason = TouchStatus.FAILED, f"{type(error).__name__}: {error}"[:400]
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Touch.objects.create(**fields, status=TouchStatus.FAILED, reason=touch.reason, done_at=at)


def retry_deferred(organisation: Organisation, at: datetime) -> int:
    """Send the touches the guard deferred whose time has come, if the account still owes and is not paused;
    otherwise they are skipped with the reason. Returns how many were tried."""
    tried = 0
    ids = list(
        Touch.objects.filter(
            organisation=organisation, status=TouchStatus.DEFERRED, retry_at__isnull=False, retry_at__lte=at
        ).values_list("id", flat=True)
    )
    for touch_id in ids:
        try:
            with transaction.atomic():
                row = Touch.objects.select_for_update().filter(pk=touch_id, status=TouchStatus.DEFERRED).first()
                if row is None or row.retry_at is None or row.retry_at > at:
                    continue  # another run took it
                stale = _no_longer_due(organisation, row, at)
                if stale:
                    row.status, row.reason, row.retry_at, row.done_at = TouchStatus.SKIPPED, stale, None, at
                    row.save(update_fields=["status", "reason", "retry_at", "done_at"])
                else:
                    deliver_touch(row, at)
                tried += 1
        except Exception as error:  # noqa: BLE001 (as in touch_execute)
            log.exception("deferred touch %s failed", touch_id)
            Touch.objects.filter(pk=touch_id).update(
                status=TouchStatus.FAILED, reason=f"{type(error).__name__}: {error}"[:400], retry_at=None, done_at=at
            )
    return tried


def _no_longer_due(organisation: Organisation, row: Touch, at: datetime) -> str:
    """Why a deferred touch should not go out any more ("" when it should): paid, paused, or a new period."""
    as_of = timezone.localtime(at, ZoneInfo(organisation.timezone)).date()
    account = next(
        (a for a in accounts_of(organisation, as_of, [row.customer_id]) if a.state.currency == row.currency), None
    )
    if account is None:
        return "nothing is owed any more"
    if account.state.pause is not None and account.state.pause.active(as_of):
        return f"paused: {account.state.pause.describe()}"
    if account.state.anchor_due != row.period:
        return "the oldest invoice was paid since; a new period began"
    return ""


def explain_next(customer: Customer, as_of: date) -> list[str]:
    """Per currency, the account's next step and date or why nothing will go out (the customer page)."""
    organisation = customer.organisation
    accounts = accounts_of(organisation, as_of, [customer.pk])
    if not accounts:
        if Invoice.objects.filter(customer=customer, settled_on__isnull=True, disputed=True).exists():
            return ["Paused: every open invoice is disputed; chasing resumes when the dispute is closed."]
        return ["Nothing to chase: no open invoices."]
    ladders = ladders_of(organisation, [customer.pk])
    lines = []
    for account in accounts:
        state = account.state
        ladder = ladders.for_customer(state.customer_id, state.segment, state.kind)
        if ladder is None:
            lines.append(f"{state.currency}: no ladder applies; set a default ladder.")
            continue
        decided = plan(ladder, state, as_of, tuple(organisation.aging_edges or (30, 60, 90, 120)))
        lines.append(_sentence(decided, ladder.name, customer, as_of))
    return lines


def _sentence(decided: Plan, ladder_name: str, customer: Customer, as_of: date) -> str:
    if decided.outcome is Outcome.SEND:
        occurrence = decided.touch
        now = timezone.now()
        loader = FactsLoader(customer.organisation, [customer.pk], now)
        facts = loader.facts(customer.pk)
        action = channel_action(facts, loader.details[customer.pk], occurrence.step.channel)
        if action is None:
            return f"{occurrence.describe()} is due, but there is no usable {ADDRESS_WORDS[occurrence.step.channel]}."
        policy = compliance_selectors.policy_of(customer.organisation)
        verdict = check(action, facts, loader.history.get(customer.pk, []), now, policy)
        if not verdict.allowed:
            rules = ", ".join(verdict.rule_ids)
            until = f" until {verdict.next_allowed_at:%d %b %H:%M} UTC" if verdict.next_allowed_at else ""
            return f"{occurrence.describe()} is due, but the guard blocks it ({rules}){until}."
        return f"Next: {occurrence.describe()} ({occurrence.step.channel}) in the next cycle · {ladder_name}"
    if decided.outcome is Outcome.WAIT and decided.next_on:
        return f"Next: {decided.next.describe()} · {decided.next_on:%d %b %Y} · {ladder_name}"
    if decided.outcome is Outcome.PAUSED:
        resume = f"; resumes {decided.next_on:%d %b %Y}" if decided.next_on else ""
        return f"Paused: {decided.reason}{resume}."
    return decided.reason[:1].upper() + decided.reason[1:] + "."
