"""Reminder ladders as data, and the one function that decides what an account gets today.

Words used here (GLOSSARY.md has the trade's versions):

* **account**: one customer's open items in one currency. One reminder covers all of them.
* **anchor**: the due date of the account's oldest unpaid, undisputed invoice. Step offsets count from it
  (negative offsets are before the due date). When that invoice is paid the next-oldest becomes the anchor
  and a new **period** begins: the ladder is keyed on the oldest unpaid invoice, as in Upflow.
* **occurrence**: one send of a step, ``(step key, attempt)``, due on a date. A step that repeats ("every
  14 days while in 31-60") has several attempts, until ``max_attempts`` or until the next step is due.
* **catch-up**: when several occurrences fell due since the last run (the cycle was off for ten days),
  only the latest one is sent, never the backlog.
* **re-anchoring**: a payment received after the last touch restarts the wait to the next step from the
  payment date. The next step is delayed, never skipped (Kill Bill #2297 skipped one).

``plan`` is pure: the cycle (``recoup.outreach``) loads accounts in bulk, asks ``plan`` for each, passes the
touch through the compliance guard and records it under a unique key, so a re-run never sends twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from recoup.core.compliance.facts import Channel

NEW_PERIOD_GRACE_DAYS = 7
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


class LadderError(ValueError):
    """A ladder that cannot work; ``problems`` lists every reason, each naming where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Tone(StrEnum):
    """How firm the message is. Templates pick their wording by it (UX.md: good faith, then a date, then the
    terms' consequence)."""

    FRIENDLY = "friendly"
    FIRM = "firm"
    FINAL = "final"


class Relative(StrEnum):
    DUE = "due"  # offset counts from the anchor's due date
    PREVIOUS = "previous"  # offset counts from when the previous step went out


class Escalation(StrEnum):
    """What else happens when a step is reached, besides its message."""

    NONE = "none"
    CALL_TASK = "call_task"  # also put a call in a collector's queue
    REVIEW = "review"  # flag the account for a person (e.g. agency placement review)


class PauseKind(StrEnum):
    DISPUTE = "dispute"
    PROMISE = "promise"
    PLAN = "plan"
    AGENCY = "agency"
    BANKRUPTCY = "bankruptcy"
    MANUAL = "manual"
    OFF = "off"  # chasing turned off for this customer


PAUSE_WORDS = {
    PauseKind.DISPUTE: "disputed",
    PauseKind.PROMISE: "promised to pay",
    PauseKind.PLAN: "on a payment plan",
    PauseKind.AGENCY: "placed with an agency",
    PauseKind.BANKRUPTCY: "in bankruptcy",
    PauseKind.MANUAL: "paused",
    PauseKind.OFF: "chasing turned off",
}


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a step applies. Empty sets mean "any"."""

    min_balance: Mapping[str, int] = field(default_factory=dict)  # currency -> minor units
    segments: frozenset[str] = frozenset()
    buckets: frozenset[str] = frozenset()  # aging bucket label of the anchor: Current, 1-30, ...
    customer_kinds: frozenset[str] = frozenset()  # person, business
    score_bands: frozenset[str] = frozenset()  # an account without a band yet passes

    def failure(self, account: AccountState, bucket: str) -> str | None:
        """Why the step does not apply to ``account``, or None when it does."""
        minimum = self.min_balance.get(account.currency)
        if minimum is not None and account.open_cents < minimum:
            return "below the minimum balance"
        if self.segments and account.segment not in self.segments:
            return f"segment {account.segment or '(none)'} is not chased by this step"
        if self.buckets and bucket not in self.buckets:
            return f"this step is for {', '.join(sorted(self.buckets))} days; the account is in {bucket}"
        if self.customer_kinds and account.kind not in self.customer_kinds:
            return f"this step is for {', '.join(sorted(self.customer_kinds))} customers"
        if self.score_bands and account.score_band and account.score_band not in self.score_bands:
            return f"score band {account.score_band} is not chased by this step"
        return None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    channel: Channel
    template: str
    offset_days: int
    relative_to: Relative = Relative.DUE
    name: str = ""
    tone: Tone = Tone.FRIENDLY
    conditions: Conditions = Conditions()
    repeat_every_days: int | None = None
    max_attempts: int = 1
    escalation: Escalation = Escalation.NONE

    @property
    def title(self) -> str:
        return self.name or self.key.replace("-", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Ladder:
    key: str
    name: str
    steps: tuple[Step, ...]
    min_gap_days: int = 3  # never two touches on one account closer than this
    call_after_open_days: int | None = None  # opened a reminder, unpaid N days later: call task
    segments: frozenset[str] = frozenset()  # which customers get this ladder by default
    customer_kinds: frozenset[str] = frozenset()

    # Derived once, for the cycle's hot loop: each occurrence's (step, index, attempt, nominal day), its key,
    # and whether it is a reminder before the due date.
    offsets: tuple[tuple[Step, int, int, int], ...] = field(default=(), init=False, repr=False, compare=False)
    keys: tuple[tuple[str, int], ...] = field(default=(), init=False, repr=False, compare=False)
    before_due: tuple[bool, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = ladder_problems(self)
        if problems:
            raise LadderError(problems)
        offsets = tuple(_nominal_offsets(self))
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "keys", tuple((step.key, attempt) for step, _, attempt, _ in offsets))
        early = tuple(step.relative_to is Relative.DUE and step.offset_days < 0 for step, _, _, _ in offsets)
        object.__setattr__(self, "before_due", early)

    def nominal_days(self) -> list[int]:
        """Each step's first send, in days from the due date, when every step goes out on time."""
        days: list[int] = []
        for step in self.steps:
            after_previous = step.relative_to is Relative.PREVIOUS and days
            days.append(days[-1] + step.offset_days if after_previous else step.offset_days)
        return days

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)


def ladder_problems(ladder: Ladder) -> list[str]:
    problems: list[str] = []
    if not ladder.key.strip():
        problems.append("key: a ladder needs a key")
    elif not KEY_RE.fullmatch(ladder.key):
        problems.append(f"key: {ladder.key!r} must be lower-case letters, digits, - or _, at most 50")
    if len(ladder.name) > 200:
        problems.append("name: at most 200 characters")
    if not ladder.steps:
        problems.append("steps: a ladder needs at least one step")
    if ladder.min_gap_days < 0:
        problems.append("min_gap_days: cannot be negative")
    if ladder.call_after_open_days is not None and ladder.call_after_open_days < 1:
        problems.append("call_after_open_days: at least 1 day")
    seen: set[str] = set()
    for n, step in enumerate(ladder.steps):
        where = f"steps[{n}] ({step.key or 'no key'})"
        if not step.key.strip():
            problems.append(f"{where}: a step needs a key")
        elif step.key in seen:
            problems.append(f"{where}: the key {step.key!r} is used twice")
        elif not KEY_RE.fullmatch(step.key):
            problems.append(f"{where}: the key must be lower-case letters, digits, - or _, at most 50")
        if len(step.name) > 180:
            problems.append(f"{where}: the name is at most 180 characters")
        seen.add(step.key)
        if not step.template.strip():
            problems.append(f"{where}: a step needs a template")
        if n == 0 and step.relative_to is Relative.PREVIOUS:
            problems.append(f"{where}: the first step counts from the due date")
        if step.relative_to is Relative.PREVIOUS and step.offset_days < 1:
            problems.append(f"{where}: a step after the previous one needs an offset of at least 1 day")
        if step.max_attempts < 1:
            problems.append(f"{where}: max_attempts is at least 1")
        if step.max_attempts > 1 and not (step.repeat_every_days and step.repeat_every_days >= 1):
            problems.append(f"{where}: a step sent more than once needs repeat_every_days")
        if step.repeat_every_days is not None and step.repeat_every_days < 1:
            problems.append(f"{where}: repeat_every_days is at least 1")
    if not problems:
        days = ladder.nominal_days()
        for n in range(1, len(days)):
            if days[n] <= days[n - 1]:
                problems.append(
                    f"steps[{n}] ({ladder.steps[n].key}): day {days[n]:+d} is not after the step before it "
                    f"(day {days[n - 1]:+d})"
                )
    return problems


@dataclass(frozen=True, slots=True)
class Pause:
    kind: PauseKind
    until: date | None = None  # inclusive; None = until lifted
    note: str = ""

    def active(self, as_of: date) -> bool:
        return self.until is None or as_of <= self.until

    def describe(self) -> str:
        words = PAUSE_WORDS[self.kind]
        if self.until is not None:
            return f"{words} until {self.until:%d %b %Y}"
        return words


@dataclass(frozen=True, slots=True)
class SentTouch:
    """An occurrence that counts as done in this period: sent, or refused for good by the guard."""

    step_key: str
    attempt: int
    on: date


@dataclass(frozen=True, slots=True)
class AccountState:
    customer_id: int
    currency: str
    anchor_due: date
    open_cents: int  # what the reminder asks for: undisputed open balance
    segment: str = ""
    kind: str = ""
    score_band: str = ""
    last_payment_on: date | None = None
    sent: tuple[SentTouch, ...] = ()  # this period's touches (same anchor)
    last_touch_on: date | None = None  # the latest touch on the account, any period
    pause: Pause | None = None


class Occurrence(NamedTuple):
    """One send of a step (a tuple: the cycle makes one per step for every account, so it must be cheap)."""

    step: Step
    step_index: int
    attempt: int
    due_on: date

    @property
    def key(self) -> str:
        return f"{self.step.key}#{self.attempt}"

    def describe(self) -> str:
        suffix = f" (repeat {self.attempt})" if self.attempt else ""
        return f"{self.step.title}{suffix}"


class Outcome(StrEnum):
    SEND = "send"  # send ``touch`` now
    WAIT = "wait"  # nothing due yet; ``next`` on ``next_on``
    PAUSED = "paused"
    SKIPPED = "skipped"  # a step is due but its conditions do not hold
    DONE = "done"  # every step has gone out; escalation is up to people
    NOTHING_OWED = "nothing_owed"


@dataclass(frozen=True, slots=True)
class Plan:
    outcome: Outcome
    reason: str
    touch: Occurrence | None = None
    next: Occurrence | None = None
    next_on: date | None = None
    caught_up: tuple[Occurrence, ...] = ()  # due occurrences passed over in favour of ``touch``


def bucket_of(days_past_due: int, edges: tuple[int, ...] = (30, 60, 90, 120)) -> str:
    """The due-basis bucket label for an age, as in ``recoup.core.aging``."""
    if days_past_due <= 0:
        return "Current"
    lower = 1
    for edge in edges:
        if days_past_due <= edge:
            return f"{lower}-{edge}"
        lower = edge + 1
    return f"{edges[-1]}+"


def _nominal_offsets(ladder: Ladder):
    """(step, step index, attempt, days from the due date) of every occurrence when all go out on time."""
    days = ladder.nominal_days()
    for n, step in enumerate(ladder.steps):
        following = days[n + 1] if n + 1 < len(days) else None
        for attempt in range(step.max_attempts):
            offset = days[n] + (step.repeat_every_days or 0) * attempt
            if attempt and following is not None and offset >= following:
                break
            if attempt and step.offset_days < 0 and step.relative_to is Relative.DUE and offset >= 0:
                break  # a reminder before the due date does not repeat past it
            yield step, n, attempt, offset


def _schedule_days(ladder: Ladder, account: AccountState) -> list[int]:
    """Day numbers (proleptic ordinals) on which each of ``ladder.offsets`` is due for this account; the rules
    are in ``schedule``. Plain integers: the cycle runs this for every account every day."""
    anchor = account.anchor_due.toordinal()
    nominal = [anchor + entry[3] for entry in ladder.offsets]
    if not account.sent:
        return nominal  # nothing sent in this period: every date is nominal
    sent = {(t.step_key, t.attempt): t.on.toordinal() for t in account.sent}
    keys = ladder.keys
    position = max((i for i, key in enumerate(keys) if key in sent), default=-1)
    payment = account.last_payment_on.toordinal() if account.last_payment_on else None
    reanchor = payment is not None and payment >= max(sent.values())
    days: list[int] = []
    for i, nominal_day in enumerate(nominal):
        on = sent.get(keys[i])
        if on is None:
            on = nominal_day
            if i:
                spacing = max(nominal_day - nominal[i - 1], 1)
                on = max(on, days[-1] + spacing)
                if reanchor and i == position + 1:
                    on = max(on, payment + max(spacing, ladder.min_gap_days))
        days.append(on)
    return days


def schedule(ladder: Ladder, account: AccountState) -> list[Occurrence]:
    """Every occurrence of the ladder for this account's period, in order, with the date each is due.

    Sent occurrences keep the date they went out. An unsent one is due on its nominal day, but never sooner
    after the occurrence before it than the ladder spaces them, so a late send pushes the rest back instead
    of bunching them. Re-anchoring: a payment on or after the latest touch moves the next occurrence to the
    payment date plus that spacing; the ones after it follow through the same rule.
    """
    days = _schedule_days(ladder, account)
    return [_occurrence(ladder, i, days) for i in range(len(days))]


def _occurrence(ladder: Ladder, i: int, days: list[int]) -> Occurrence:
    step, n, attempt, _ = ladder.offsets[i]
    return Occurrence(step, n, attempt, date.fromordinal(days[i]))


def plan(ladder: Ladder, account: AccountState, as_of: date, edges: tuple[int, ...] = (30, 60, 90, 120)) -> Plan:
    """What ``account`` gets on ``as_of``: one touch, or why none, and what comes next."""
    if account.open_cents <= 0:
        return Plan(Outcome.NOTHING_OWED, "nothing is owed")
    if account.pause is not None and account.pause.active(as_of):
        resume = account.pause.until + timedelta(days=1) if account.pause.until else None
        return Plan(Outcome.PAUSED, account.pause.describe(), next_on=resume)
    days = _schedule_days(ladder, account)
    keys, before_due = ladder.keys, ladder.before_due
    done = {(t.step_key, t.attempt) for t in account.sent}
    position = max((i for i, key in enumerate(keys) if key in done), default=-1) if done else -1
    # A reminder before the due date makes no sense once the date has passed: it lapses unsent.
    today_number = as_of.toordinal()
    lapsed = as_of > account.anchor_due
    remaining = [i for i in range(position + 1, len(days)) if keys[i] not in done and not (lapsed and before_due[i])]
    if not remaining:
        last = _occurrence(ladder, len(days) - 1, days)
        return Plan(Outcome.DONE, f"every step has gone out (last: {last.describe()} on {last.due_on.isoformat()})")
    due = [i for i in remaining if days[i] <= today_number]
    future = next((i for i in remaining if days[i] > today_number), None)
    upcoming = _occurrence(ladder, future, days) if future is not None else None
    gap_until = account.last_touch_on + timedelta(days=ladder.min_gap_days) if account.last_touch_on else None
    paid = account.last_payment_on
    if not account.sent and paid and account.last_touch_on and paid >= account.last_touch_on:
        # The payment cleared the invoice we were chasing and a new period began: the next-oldest invoice's
        # reminders wait a week from the payment instead of firing the same day.
        grace = paid + timedelta(days=max(ladder.min_gap_days, NEW_PERIOD_GRACE_DAYS))
        gap_until = max(gap_until, grace) if gap_until else grace
    if not due:
        on = max(upcoming.due_on, gap_until) if gap_until else upcoming.due_on
        return Plan(Outcome.WAIT, f"next: {upcoming.describe()} on {on.isoformat()}", next=upcoming, next_on=on)
    bucket = bucket_of(today_number - account.anchor_due.toordinal(), edges)
    eligible = [i for i in due if ladder.offsets[i][0].conditions.failure(account, bucket) is None]
    if not eligible:
        latest = _occurrence(ladder, due[-1], days)
        why = latest.step.conditions.failure(account, bucket)
        return Plan(
            Outcome.SKIPPED,
            f"{latest.describe()} is due but {why}",
            next=upcoming,
            next_on=upcoming.due_on if upcoming else None,
        )
    pick = _occurrence(ladder, eligible[-1], days)
    if gap_until is not None and as_of < gap_until:
        return Plan(
            Outcome.WAIT,
            f"{pick.describe()} waits until {gap_until.isoformat()}: the gap after the last contact "
            f"({account.last_touch_on.isoformat()}) or a payment",
            next=pick,
            next_on=gap_until,
        )
    caught_up = tuple(_occurrence(ladder, i, days) for i in due if days[i] <= days[eligible[-1]] and i != eligible[-1])
    return Plan(
        Outcome.SEND,
        f"{pick.describe()} is due (day {(pick.due_on - account.anchor_due).days:+d})",
        touch=pick,
        next=upcoming,
        next_on=upcoming.due_on if upcoming else None,
        caught_up=caught_up,
    )
