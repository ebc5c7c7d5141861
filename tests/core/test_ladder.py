"""The reminder ladder: schedule, catch-up, re-anchoring after a payment, pauses, conditions, repeats."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.core.compliance.facts import Channel
from recoup.core.ladder import (
    AccountState,
    Conditions,
    Ladder,
    LadderError,
    Outcome,
    Pause,
    PauseKind,
    Relative,
    SentTouch,
    Step,
    Tone,
    bucket_of,
    plan,
)

DUE = date(2026, 3, 14)


def ladder(**changes) -> Ladder:
    steps = (
        Step("upcoming", Channel.EMAIL, "upcoming", -3),
        Step("overdue", Channel.EMAIL, "overdue", 3),
        Step("follow-up", Channel.EMAIL, "follow_up", 10, tone=Tone.FIRM),
        Step("letter", Channel.LETTER, "letter", 21, tone=Tone.FIRM),
        Step("final", Channel.EMAIL, "final", 35, tone=Tone.FINAL, repeat_every_days=14, max_attempts=3),
    )
    return Ladder(**{"key": "b2b", "name": "B2B", "steps": steps, **changes})


def account(**changes) -> AccountState:
    return AccountState(**{"customer_id": 1, "currency": "USD", "anchor_due": DUE, "open_cents": 124_000, **changes})


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def run(lad: Ladder, acct: AccountState, days: list[int]) -> tuple[AccountState, list[tuple[int, str]]]:
    """Run the plan on each of ``days`` (relative to the due date), recording what was sent."""
    sent = []
    for n in days:
        result = plan(lad, acct, day(n))
        if result.outcome is Outcome.SEND:
            touch = result.touch
            acct = replace(
                acct,
                sent=(*acct.sent, SentTouch(touch.step.key, touch.attempt, day(n))),
                last_touch_on=day(n),
            )
            sent.append((n, touch.key))
    return acct, sent


def test_daily_runs_send_each_step_on_its_day_once():
    _, sent = run(ladder(), account(), list(range(-10, 80)))
    assert sent == [
        (-3, "upcoming#0"),
        (3, "overdue#0"),
        (10, "follow-up#0"),
        (21, "letter#0"),
        (35, "final#0"),
        (49, "final#1"),
        (63, "final#2"),
    ]


def test_a_reminder_before_the_due_date_lapses_once_the_date_has_passed():
    result = plan(ladder(), account(), day(1))  # first run one day after the due date
    assert result.outcome is Outcome.WAIT
    assert result.next.key == "overdue#0"
    assert plan(ladder(), account(), day(0)).touch.key == "upcoming#0"  # on the due date it still makes sense
    assert plan(ladder(), account(), day(-1)).touch.key == "upcoming#0"


def test_running_twice_on_the_same_day_sends_once():
    acct, sent = run(ladder(), account(), [3, 3])
    assert sent == [(3, "overdue#0")]
    again = plan(ladder(), acct, day(3))
    assert again.outcome is Outcome.WAIT
    assert again.next.key == "follow-up#0" and again.next_on == day(10)


def test_catch_up_after_ten_days_off_sends_only_the_step_due_now():
    acct, _ = run(ladder(), account(), [3])
    result = plan(ladder(), acct, day(3 + 10 + 10))  # off from day 4 to day 22: follow-up and letter fell due
    assert result.outcome is Outcome.SEND
    assert result.touch.key == "letter#0"
    assert [o.key for o in result.caught_up] == ["follow-up#0"]
    acct, sent = run(ladder(), acct, list(range(23, 40)))
    # The skipped follow-up never goes out late, and the final notice keeps its 14 days after the letter.
    assert sent == [(23, "letter#0"), (37, "final#0")]


def test_a_partial_payment_delays_the_next_step_and_never_skips_it():
    acct, _ = run(ladder(), account(), [3])
    paid = replace(acct, last_payment_on=day(9), open_cents=60_000)  # paid half the day before the follow-up
    result = plan(ladder(), paid, day(10))
    assert result.outcome is Outcome.WAIT
    assert result.next.key == "follow-up#0"
    assert result.next_on == day(9 + 7)  # the follow-up's own spacing (day 3 -> day 10) from the payment
    _, sent = run(ladder(), paid, list(range(10, 40)))
    assert sent[0] == (16, "follow-up#0")
    assert sent[1] == (27, "letter#0")  # everything after moved by the same six days


def test_a_payment_before_the_latest_touch_changes_nothing():
    acct, _ = run(ladder(), account(last_payment_on=day(1)), [3])
    assert plan(ladder(), acct, day(10)).touch.key == "follow-up#0"


def test_a_promise_pauses_until_its_date_and_then_resumes():
    acct, _ = run(ladder(), account(), [3])
    promised = replace(acct, pause=Pause(PauseKind.PROMISE, until=day(20)))
    paused = plan(ladder(), promised, day(10))
    assert paused.outcome is Outcome.PAUSED
    assert paused.reason == "promised to pay until 03 Apr 2026"
    assert paused.next_on == day(21)
    assert plan(ladder(), promised, day(20)).outcome is Outcome.PAUSED
    resumed = plan(ladder(), promised, day(21))
    assert resumed.outcome is Outcome.SEND and resumed.touch.key == "letter#0"


def test_a_dispute_pauses_without_an_end():
    result = plan(ladder(), account(pause=Pause(PauseKind.DISPUTE)), day(30))
    assert result.outcome is Outcome.PAUSED and result.next_on is None
    assert result.reason == "disputed"


def test_the_minimum_gap_between_contacts_holds_across_periods():
    # Another invoice's reminder went out yesterday: this period's first step waits two more days.
    result = plan(ladder(), account(last_touch_on=day(2)), day(3))
    assert result.outcome is Outcome.WAIT
    assert result.next_on == day(5)
    assert "waits until 2026-03-19: the gap after the last contact (2026-03-16)" in result.reason


def test_paying_the_chased_invoice_gives_the_next_one_a_week_before_reminders():
    # The oldest invoice was chased until day 22 and paid on day 22; the next one (due the same day) starts a
    # new period with nothing sent, and its follow-up is already due: it waits a week from the payment.
    fresh = account(last_touch_on=day(21), last_payment_on=day(22))
    waiting = plan(ladder(), fresh, day(22))
    assert waiting.outcome is Outcome.WAIT and waiting.next_on == day(29)
    assert plan(ladder(), fresh, day(29)).outcome is Outcome.SEND
    # Without a payment after the last contact there is no such wait.
    assert plan(ladder(), account(last_touch_on=day(10)), day(22)).outcome is Outcome.SEND


def test_a_step_below_its_minimum_balance_is_skipped_with_the_reason():
    small = ladder(
        steps=(
            Step("overdue", Channel.EMAIL, "overdue", 3),
            Step("letter", Channel.LETTER, "letter", 21, conditions=Conditions(min_balance={"USD": 5_000})),
        )
    )
    acct, _ = run(small, account(open_cents=2_500), [3])
    result = plan(small, acct, day(21))
    assert result.outcome is Outcome.SKIPPED
    assert result.reason == "Letter is due but below the minimum balance"
    # A minimum in another currency does not apply to a USD account.
    assert plan(small, replace(acct, currency="EUR"), day(21)).outcome is Outcome.SEND


def test_bucket_conditions_follow_the_anchor_age():
    only_late = ladder(
        steps=(Step("late", Channel.EMAIL, "late", 1, conditions=Conditions(buckets=frozenset({"31-60"}))),)
    )
    assert plan(only_late, account(), day(20)).outcome is Outcome.SKIPPED
    assert plan(only_late, account(), day(31)).outcome is Outcome.SEND


def test_repeats_stop_when_the_next_step_is_due():
    lad = ladder(
        steps=(
            Step("nudge", Channel.EMAIL, "nudge", 1, repeat_every_days=7, max_attempts=10),
            Step("letter", Channel.LETTER, "letter", 20),
        )
    )
    _, sent = run(lad, account(), list(range(0, 30)))
    assert sent == [(1, "nudge#0"), (8, "nudge#1"), (15, "nudge#2"), (20, "letter#0")]


def test_steps_after_the_previous_one_count_from_when_it_went_out():
    lad = ladder(steps=(Step("first", Channel.EMAIL, "a", 5), Step("second", Channel.EMAIL, "b", 7, Relative.PREVIOUS)))
    acct, sent = run(lad, account(), [9, 10, 15, 16])  # the first went out late, on day 9
    assert sent == [(9, "first#0"), (16, "second#0")]
    assert plan(lad, acct, day(30)).outcome is Outcome.DONE


def test_nothing_owed_means_nothing_sent():
    assert plan(ladder(), account(open_cents=0), day(10)).outcome is Outcome.NOTHING_OWED


def test_a_bad_ladder_reports_every_problem():
    with pytest.raises(LadderError) as caught:
        Ladder(
            "x",
            "X",
            (
                Step("a", Channel.EMAIL, "", 5),
                Step("a", Channel.EMAIL, "t", 3),
                Step("c", Channel.EMAIL, "t", 9, max_attempts=2),
            ),
        )
    problems = caught.value.problems
    assert "steps[0] (a): a step needs a template" in problems
    assert "steps[1] (a): the key 'a' is used twice" in problems
    assert "steps[2] (c): a step sent more than once needs repeat_every_days" in problems
    with pytest.raises(LadderError, match="must be lower-case letters"):
        Ladder("B2B ladder!", "X", (Step("a", Channel.EMAIL, "t", 5),))
    with pytest.raises(LadderError, match="steps\\[0\\] \\(" + "x" * 51):
        Ladder("x", "X", (Step("x" * 51, Channel.EMAIL, "t", 5),))
    with pytest.raises(LadderError, match=r"day \+3 is not after the step before it \(day \+5\)"):
        Ladder("x", "X", (Step("a", Channel.EMAIL, "t", 5), Step("b", Channel.EMAIL, "t", 3)))


@pytest.mark.parametrize(
    ("days", "label"), [(-5, "Current"), (0, "Current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (121, "120+")]
)
def test_bucket_edges_are_inclusive_at_the_top(days, label):
    assert bucket_of(days) == label


# --- Properties over random ladders, run calendars and payments. ---


@st.composite
def ladders(draw):
    gap = draw(st.integers(0, 5))
    count = draw(st.integers(1, 6))
    day_ = draw(st.integers(-10, 5))
    steps = []
    for n in range(count):
        repeats = draw(st.integers(1, 3))
        every = draw(st.integers(max(gap, 1), 15)) if repeats > 1 else None
        steps.append(Step(f"s{n}", Channel.EMAIL, "t", day_, repeat_every_days=every, max_attempts=repeats))
        day_ += draw(st.integers(max(gap, 1), 20))
    return Ladder("p", "P", tuple(steps), min_gap_days=gap)


@settings(max_examples=300, deadline=None)
@given(
    lad=ladders(),
    run_days=st.sets(st.integers(-15, 120), max_size=60),
    payment_day=st.none() | st.integers(-15, 120),
)
def test_properties_of_any_run(lad, run_days, payment_day):
    acct = account()
    sent: list[tuple[date, str]] = []
    for n in sorted(run_days):
        if payment_day is not None and n == payment_day:
            acct = replace(acct, last_payment_on=day(n), open_cents=acct.open_cents // 2)
        result = plan(lad, acct, day(n))
        assert (result.outcome is Outcome.SEND) == (result.touch is not None)
        if result.touch is None:
            if result.next_on is not None and result.outcome is Outcome.WAIT:
                assert result.next_on > day(n)
            continue
        assert result.touch.due_on <= day(n)
        acct = replace(
            acct,
            sent=(*acct.sent, SentTouch(result.touch.step.key, result.touch.attempt, day(n))),
            last_touch_on=day(n),
        )
        sent.append((day(n), result.touch.key))
    keys = [key for _, key in sent]
    assert len(keys) == len(set(keys)), "an occurrence went out twice"
    dates = [on for on, _ in sent]
    assert all((b - a).days >= max(lad.min_gap_days, 1) for a, b in zip(dates, dates[1:], strict=False))
    order = [key for _, key in sent]
    all_keys = [f"{s.key}#{a}" for s in lad.steps for a in range(s.max_attempts)]
    assert order == sorted(order, key=all_keys.index), "the ladder went backwards"


@settings(max_examples=200, deadline=None)
@given(lad=ladders(), payment_offset=st.integers(0, 30))
def test_daily_runs_never_skip_the_step_after_a_payment(lad, payment_offset):
    acct, sent = run(lad, account(), list(range(-15, 1)))
    if not sent:
        return
    last_day = sent[-1][0]
    paid_on = max(last_day + payment_offset, 0)  # from the due date on, so no pre-due reminder lapses meanwhile
    acct = replace(acct, last_payment_on=day(paid_on))
    after = plan(lad, acct, day(paid_on))
    if after.outcome is Outcome.DONE:
        return
    expected_next = after.next if after.outcome is not Outcome.SEND else after.touch
    _, later = run(lad, acct, list(range(paid_on, paid_on + 200)))
    if later:
        assert later[0][1] == expected_next.key
        assert not plan(lad, acct, day(paid_on)).caught_up
