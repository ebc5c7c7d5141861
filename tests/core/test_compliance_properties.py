"""Properties of the guard over random debtors, histories and moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.core.compliance import (
    Action,
    Attempt,
    Channel,
    Debt,
    DebtorFacts,
    Mode,
    PhoneLine,
    Policy,
    check,
)
from recoup.core.compliance.guard import candidate_zones

US_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Indiana/Indianapolis",
]
STATES = ["NY", "MA", "WA", "CA", "FL", "TX", "HI", ""]
START = datetime(2026, 1, 1, tzinfo=UTC)

moments = st.integers(min_value=0, max_value=365 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
debt_ids = st.sampled_from(["INV-1", "INV-2"])


@st.composite
def debtors(draw):
    zones = tuple(draw(st.lists(st.sampled_from(US_ZONES), max_size=3, unique=True)))
    return DebtorFacts(
        consumer=True,
        mode=draw(st.sampled_from(list(Mode))),
        state=draw(st.sampled_from(STATES)),
        nyc=draw(st.booleans()),
        time_zones=zones,
        debts=(Debt("INV-1", 90_000, 90_000, date(2025, 6, 1)), Debt("INV-2", 20_000, 20_000, date(2025, 9, 1))),
        validation_notice_sent_on=date(2025, 12, 1),
    )


@st.composite
def histories(draw, as_of: datetime):
    attempts = []
    for _ in range(draw(st.integers(0, 25))):
        minutes_ago = draw(st.integers(1, 35 * 24 * 60))
        attempts.append(
            Attempt(
                draw(st.sampled_from(list(Channel))),
                as_of - timedelta(minutes=minutes_ago),
                frozenset(draw(st.lists(debt_ids, max_size=2, unique=True))),
                line=draw(st.sampled_from(list(PhoneLine))),
                connected=draw(st.booleans()),
                conversation=draw(st.booleans()) and draw(st.booleans()),
                inbound=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return attempts


@st.composite
def cases(draw):
    as_of = draw(moments)
    action = Action(
        draw(st.sampled_from([Channel.CALL, Channel.CALL, Channel.EMAIL, Channel.LETTER])),
        frozenset(draw(st.lists(debt_ids, max_size=2, unique=True))),
        line=draw(st.sampled_from(list(PhoneLine))),
    )
    return action, draw(debtors()), draw(histories(as_of)), as_of


def in_daytime_everywhere(moment: datetime, facts: DebtorFacts, policy: Policy) -> bool:
    for zone in candidate_zones(facts):
        clock = moment.astimezone(ZoneInfo(zone)).time()
        if not policy.day_starts <= clock < policy.day_ends:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(cases())
def test_an_allowed_call_is_in_daytime_in_every_candidate_zone(case):
    action, facts, history, as_of = case
    decision = check(action, facts, history, as_of)
    if decision.allowed and action.channel == Channel.CALL:
        assert in_daytime_everywhere(as_of, facts, Policy())


@settings(max_examples=400, deadline=None)
@given(cases())
def test_next_allowed_at_is_itself_allowed_and_not_in_the_past(case):
    action, facts, history, as_of = case
    decision = check(action, facts, history, as_of)
    if decision.next_allowed_at is None:
        return
    assert decision.next_allowed_at >= as_of
    later = check(action, facts, history, decision.next_allowed_at)
    assert later.allowed, later.violations
    if action.channel == Channel.CALL:
        assert in_daytime_everywhere(decision.next_allowed_at, facts, Policy())


@settings(max_examples=200, deadline=None)
@given(cases())
def test_the_guard_is_deterministic_and_ignores_history_order(case):
    action, facts, history, as_of = case
    assert check(action, facts, history, as_of) == check(action, facts, list(reversed(history)), as_of)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_a_timed_block_has_a_next_moment_and_a_lasting_one_does_not(case):
    action, facts, history, as_of = case
    decision = check(action, facts, history, as_of)
    timed_only = {"F1", "F2", "F3", "S2", "S4", "S5", "S6"}
    if not decision.allowed and set(decision.rule_ids) <= timed_only:
        assert decision.next_allowed_at is not None
    if not decision.allowed and not set(decision.rule_ids) <= timed_only:
        assert decision.next_allowed_at is None
