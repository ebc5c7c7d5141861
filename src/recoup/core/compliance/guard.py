"""The compliance guard: may this contact be made now, and if not, why and when?

``check(action, facts, history, as_of)`` applies every rule that reaches the account (``rules_for``) and
returns a ``Decision``. Violations come in two kinds:

- *lasting* ones, which waiting does not cure (a cease request, a missing consent, an open dispute, a
  suit threat on a time-barred debt): ``next_allowed_at`` is None;
- *timed* ones (calling hours, call caps, quiet periods), each of which knows the moment it lifts.

``next_allowed_at`` is found by jumping to the latest moment any current timed violation lifts and
checking again, until nothing is violated; the answer is therefore itself an allowed moment, by
construction. ``history`` needs the attempts of the last 30 days at least (the longest window, S2's);
older ones are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from recoup.core.compliance.facts import (
    AFTER_CEASE_PURPOSES,
    ELECTRONIC_CHANNELS,
    PHONE_CHANNELS,
    Action,
    Attempt,
    Channel,
    Debt,
    DebtorFacts,
    Decision,
    DisputeState,
    PhoneLine,
    Purpose,
    Recipient,
    Violation,
)
from recoup.core.compliance.limitations import is_time_barred, limitations_expire_on
from recoup.core.compliance.rules import RULES, Policy, rules_for
from recoup.core.compliance.validation import validation_period_end
from recoup.core.compliance.zones import ALL_STATES_ZONES

ACCOUNT = "*"  # the whole account, when the action names no debt and the debtor has none on file
MAX_STEPS = 200
HORIZON = timedelta(days=400)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def violation(rule: str, message: str) -> Violation:
    return Violation(rule, message, RULES[rule].citation)


def candidate_zones(facts: DebtorFacts) -> tuple[str, ...]:
    return facts.time_zones or ALL_STATES_ZONES


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _targets(action: Action, facts: DebtorFacts) -> list[str]:
    if action.debt_ids:
        return sorted(action.debt_ids)
    return [d.id for d in facts.debts] or [ACCOUNT]


def _concerns(attempt: Attempt, debt_id: str) -> bool:
    return debt_id == ACCOUNT or attempt.concerns(debt_id)


def check(
    action: Action,
    facts: DebtorFacts,
    history: Iterable[Attempt],
    as_of: datetime,
    policy: Policy = Policy(),
) -> Decision:
    """Whether ``action`` may be taken at ``as_of`` (a timezone-aware instant)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    applied = rules_for(facts, policy)
    attempts = [a for a in history if as_of - timedelta(days=31) < a.at <= as_of]
    lasting = _lasting(action, facts, as_of, applied, policy)
    timed = _timed(action, facts, attempts, as_of, applied, policy)
    if not lasting and not timed:
        return Decision(True, (), as_of, applied)
    violations = tuple(lasting) + tuple(v for v, _ in timed)
    if lasting:
        return Decision(False, violations, None, applied)
    return Decision(False, violations, _next_allowed(action, facts, attempts, as_of, applied, policy, timed), applied)


def _next_allowed(action, facts, attempts, as_of, applied, policy, timed) -> datetime | None:
    moment = as_of
    for _ in range(MAX_STEPS):
        if not timed:
            return moment
        lifted = max(frees for _, frees in timed)
        if lifted <= moment or lifted - as_of > HORIZON:
            return None  # no convenient moment exists (e.g. the candidate zones share no daytime)
        moment = lifted
        timed = _timed(action, facts, attempts, moment, applied, policy)
    return None


# --- Lasting violations: waiting does not help. ---


def _lasting(action: Action, facts: DebtorFacts, as_of: datetime, applied, policy: Policy) -> list[Violation]:
    found: list[Violation] = []
    day = as_of.date()
    targets = _targets(action, facts)
    debts = {d.id: d for d in facts.debts}
    fdcpa = "F6" in applied  # the federal-style rules reach this account
    own_rule = "F6" if fdcpa else "P1"

    if facts.bankruptcy_filed_on is not None and facts.bankruptcy_filed_on <= day:
        found.append(
            violation(
                "B1",
                f"The debtor filed for bankruptcy on {facts.bankruptcy_filed_on}: "
                "the automatic stay stops all collection.",
            )
        )
    if facts.deceased and "F20" in applied and action.recipient != Recipient.ESTATE_REPRESENTATIVE:
        found.append(
            violation(
                "F20",
                "The debtor has died: contact only the estate's executor, administrator or personal representative.",
            )
        )
    if facts.attorney_represented and "F5" in applied and action.recipient != Recipient.ATTORNEY:
        found.append(violation("F5", "The debtor has an attorney for this debt: contact the attorney instead."))
    cease = facts.cease_requested_at
    # Every account honours a stop request: under F6 where the federal-style rules reach, as policy elsewhere.
    if cease is not None and cease <= as_of and action.purpose not in AFTER_CEASE_PURPOSES:
        found.append(
            violation(
                own_rule,
                f"The debtor asked to stop all communication on {cease.date()}: only "
                "an 'efforts terminated' or 'specific remedy' notice may be sent.",
            )
        )
    found += _opt_outs_and_consent(action, facts, applied, own_rule)
    if action.channel in ELECTRONIC_CHANNELS and not action.includes_opt_out and ("F7" in applied or "S4" in applied):
        found.append(
            violation("F7", f"This {action.channel} has no way to opt out: add 'reply STOP' or an unsubscribe link.")
        )
    if "F4" in applied:
        if action.to_workplace and facts.workplace_contact_prohibited:
            found.append(violation("F4", "The debtor's employer prohibits contact at work."))
        if action.channel == Channel.EMAIL and action.address.lower() in facts.employer_emails:
            found.append(violation("F4", f"{action.address} was provided by the debtor's employer."))
    found += _disputes(action, targets, debts, day, applied)
    found += _validation(action, facts, as_of, applied, policy)
    if action.threatens_suit:
        barred = [
            d for d in (debts.get(t) for t in targets) if d is not None and is_time_barred(d, facts.state, day, policy)
        ]
        for debt in barred:
            rule = "F15" if "F15" in applied else "P1"
            expired = limitations_expire_on(debt, facts.state, policy)
            found.append(
                violation(
                    rule,
                    f"{debt.id} is time-barred (limitations ran out on {expired}): "
                    "a message may not threaten or imply a lawsuit.",
                )
            )
    return found


def _opt_outs_and_consent(action: Action, facts: DebtorFacts, applied, own_rule: str) -> list[Violation]:
    found = []
    autodialed_call = action.channel == Channel.CALL and action.autodialed
    for opt_out in facts.opt_outs:
        if opt_out.matches(action.channel, action.address):
            where = opt_out.address or f"every {action.channel}"
            rule = "T2" if action.channel == Channel.SMS or autodialed_call else own_rule
            found.append(violation(rule, f"The debtor opted out of {where}."))
            break
    # An unknown line may be a cell phone, so it is treated as one.
    needs_consent = action.channel == Channel.SMS or (
        autodialed_call and action.line in (PhoneLine.CELL, PhoneLine.UNKNOWN)
    )
    if needs_consent and not any(c.matches(action.channel, action.address) for c in facts.consents):
        what = "texts" if action.channel == Channel.SMS else "autodialed or prerecorded calls"
        found.append(
            violation("T1", f"No prior express consent on file for {what} to {action.address or 'this number'}.")
        )
    return found


def _disputes(action: Action, targets: list[str], debts: dict[str, Debt], day: date, applied) -> list[Violation]:
    if action.purpose in (Purpose.DISPUTE_RESPONSE, Purpose.VALIDATION_NOTICE, *AFTER_CEASE_PURPOSES):
        return []
    rule = "F12" if "F12" in applied else "P1"
    found = []
    for debt in (debts.get(t) for t in targets):
        if debt is None:
            continue
        paused = debt.dispute == DisputeState.OPEN or (
            debt.dispute == DisputeState.VERIFIED
            and (debt.dispute_verified_on is None or debt.dispute_verified_on > day)
        )
        if paused:
            found.append(
                violation(
                    rule,
                    f"{debt.id} is disputed: collection of it waits until the verification "
                    "is sent. Name only undisputed invoices to collect the rest.",
                )
            )
    return found


def _validation(action: Action, facts: DebtorFacts, as_of: datetime, applied, policy: Policy) -> list[Violation]:
    if not facts.third_party or "F9" not in applied or not facts.consumer:
        return []
    sent = facts.validation_notice_sent_on
    if sent is None:
        if action.purpose == Purpose.VALIDATION_NOTICE:
            return []
        if policy.validation_notice_first:
            return [violation("F9", "The validation notice has not been sent: send it before anything else.")]
        first = facts.first_communication_at
        if first is not None and as_of > first + timedelta(days=policy.validation_within_days):
            return [
                violation(
                    "F9",
                    f"The validation notice was due within {policy.validation_within_days} days "
                    f"of the first communication ({first.date()}).",
                )
            ]
        return []
    if action.pay_by is not None:
        ends = validation_period_end(sent, policy)
        if action.pay_by <= ends:
            return [
                violation(
                    "F11",
                    f"A payment deadline of {action.pay_by} falls inside the validation period "
                    f"(it ends {ends}) and would overshadow the right to dispute.",
                )
            ]
    return []


# --- Timed violations: each lifts at a known moment. ---


def _timed(action, facts, attempts: Sequence[Attempt], at: datetime, applied, policy: Policy):
    found: list[tuple[Violation, datetime]] = []
    found += _hours(action, facts, at, applied, policy)
    targets = _targets(action, facts)
    if action.channel == Channel.CALL and "F1" in applied:
        found += _federal_call_caps(attempts, targets, at, policy)
    if "S2" in applied and action.channel in PHONE_CHANNELS:
        found += _massachusetts(action, attempts, targets, at, policy)
    outbound = [a for a in attempts if not a.inbound and a.connected and a.at <= at]
    if "S4" in applied and action.channel != Channel.LETTER:
        counted = [a for a in outbound if a.channel != Channel.LETTER]
        found += _cap("S4", counted, at, 7, policy.nyc_per_7_days, "communications with this account")
    if "S6" in applied:
        found += _cap("S6", outbound, at, 7, policy.wa_per_week, "communications to the debtor")
        if action.to_workplace:
            at_work = [a for a in outbound if a.to_workplace]
            found += _cap("S6", at_work, at, 7, policy.wa_work_per_week, "communications at work")
    return found


def _hours(action: Action, facts: DebtorFacts, at: datetime, applied, policy: Policy):
    if action.channel == Channel.LETTER or action.reply_to_consumer:
        return []
    if "F2" in applied:
        rule = "F2"
    elif "S5" in applied and action.channel in PHONE_CHANNELS:
        rule = "S5"
    else:
        return []
    zones = candidate_zones(facts)
    if len(zones) > 1 and rule == "F2":
        rule = "F3"
    found = []
    for name in zones:
        local = at.astimezone(_zone(name))
        clock = local.time()
        if clock < policy.day_starts or clock >= policy.day_ends:
            opens = local.date() if clock < policy.day_starts else local.date() + timedelta(days=1)
            frees = datetime.combine(opens, policy.day_starts, tzinfo=_zone(name)).astimezone(UTC)
            found.append(
                (
                    violation(
                        rule,
                        f"It is {clock:%H:%M} in {name}: contact only from "
                        f"{policy.day_starts:%H:%M} to {policy.day_ends:%H:%M} local time.",
                    ),
                    frees,
                )
            )
        if "F2" in applied:
            for window in facts.inconvenient_times:
                if window.covers(local):
                    found.append(
                        (
                            violation(
                                "F2",
                                f"The debtor said {window.start:%H:%M}-{window.end:%H:%M} is "
                                f"inconvenient{': ' + window.note if window.note else ''}.",
                            ),
                            _window_end(local, window.start, window.end, name),
                        )
                    )
    return found


def _window_end(local: datetime, start: time, end: time, zone: str) -> datetime:
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # an overnight window ends tomorrow morning
    return datetime.combine(day, end, tzinfo=_zone(zone)).astimezone(UTC)


def _federal_call_caps(attempts: Sequence[Attempt], targets: list[str], at: datetime, policy: Policy):
    found = []
    window = timedelta(days=policy.call_window_days)
    quiet = timedelta(days=policy.quiet_days_after_conversation)
    for debt_id in targets:
        calls = sorted(
            a.at
            for a in attempts
            if a.channel == Channel.CALL
            and not a.inbound
            and a.connected
            and _concerns(a, debt_id)
            and at - window < a.at <= at
        )
        if len(calls) >= policy.calls_per_window:
            frees = calls[len(calls) - policy.calls_per_window] + window
            found.append(
                (
                    violation(
                        "F1",
                        f"{len(calls)} calls about {_label(debt_id)} in the last "
                        f"{policy.call_window_days} days: the limit is {policy.calls_per_window}.",
                    ),
                    frees,
                )
            )
        talks = [
            a.at
            for a in attempts
            if a.channel == Channel.CALL and a.conversation and _concerns(a, debt_id) and at - quiet < a.at <= at
        ]
        if talks:
            last = max(talks)
            found.append(
                (
                    violation(
                        "F1",
                        f"A phone conversation about {_label(debt_id)} on {_stamp(last)}: no "
                        f"calls for {policy.quiet_days_after_conversation} days after it.",
                    ),
                    last + quiet,
                )
            )
    return found


def _massachusetts(action: Action, attempts: Sequence[Attempt], targets: list[str], at: datetime, policy: Policy):
    other_number = action.line == PhoneLine.WORK
    days, cap = (30, policy.ma_other_per_30_days) if other_number else (7, policy.ma_home_cell_per_7_days)
    found = []
    for debt_id in targets:
        counted = [
            a
            for a in attempts
            if a.channel in PHONE_CHANNELS
            and not a.inbound
            and a.connected
            and _concerns(a, debt_id)
            and (a.line == PhoneLine.WORK) == other_number
        ]
        where = "other numbers" if other_number else "home and cell numbers"
        found += _cap("S2", counted, at, days, cap, f"phone communications about {_label(debt_id)} to {where}")
    return found


def _cap(rule: str, attempts: Sequence[Attempt], at: datetime, days: int, cap: int, what: str):
    window = timedelta(days=days)
    times = sorted(a.at for a in attempts if at - window < a.at <= at)
    if len(times) < cap:
        return []
    frees = times[len(times) - cap] + window
    return [(violation(rule, f"{len(times)} {what} in the last {days} days: the limit is {cap}."), frees)]


def _label(debt_id: str) -> str:
    return "this account" if debt_id == ACCOUNT else debt_id
