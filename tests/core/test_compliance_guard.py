"""The compliance guard at the boundaries of each rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recoup.core.compliance import (
    Action,
    Attempt,
    Channel,
    Debt,
    DebtorFacts,
    DisputeState,
    LocalWindow,
    Mode,
    Permission,
    PhoneLine,
    Policy,
    Purpose,
    Recipient,
    check,
    rules_for,
)
from recoup.core.compliance.zones import ALL_STATES_ZONES

NEW_YORK = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
DEBT = Debt("INV-1", 120_000, 120_000, date(2026, 1, 31))
NY_CONSUMER = DebtorFacts(consumer=True, state="NY", time_zones=("America/New_York",), debts=(DEBT,))
CALL = Action(Channel.CALL, address="+12125550100", line=PhoneLine.HOME)
SMS = Action(Channel.SMS, address="+12125550100", line=PhoneLine.CELL)


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def rules(decision) -> set[str]:
    return set(decision.rule_ids)


# --- F2/F3: calling hours in every candidate zone, with DST. ---


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 3, 7), "the Saturday before DST starts"),
        (date(2026, 3, 9), "the Monday after DST starts"),
        (date(2026, 10, 31), "the day before DST ends"),
        (date(2026, 11, 2), "the day after DST ends"),
    ],
)
def test_calling_hours_edges_hold_on_both_sides_of_dst(day, label):
    def allowed(hour, minute):
        return check(CALL, NY_CONSUMER, [], at(NEW_YORK, day.year, day.month, day.day, hour, minute)).allowed

    assert not allowed(7, 59), label
    assert allowed(8, 0), label
    assert allowed(20, 59), label
    assert not allowed(21, 0), label


def test_on_the_dst_change_day_the_window_is_local_time():
    # 2026-03-08: clocks jump from 02:00 to 03:00 in New York; 08:00 EDT is 12:00 UTC, not 13:00.
    assert check(CALL, NY_CONSUMER, [], datetime(2026, 3, 8, 12, 0, tzinfo=UTC)).allowed
    assert not check(CALL, NY_CONSUMER, [], datetime(2026, 3, 8, 11, 59, tzinfo=UTC)).allowed
    # 2026-11-01: clocks fall back; 21:00 EST is 02:00 UTC the next day.
    assert check(CALL, NY_CONSUMER, [], datetime(2026, 11, 2, 1, 59, tzinfo=UTC)).allowed
    assert not check(CALL, NY_CONSUMER, [], datetime(2026, 11, 2, 2, 0, tzinfo=UTC)).allowed


def test_before_eight_the_next_allowed_moment_is_eight_local():
    decision = check(CALL, NY_CONSUMER, [], at(NEW_YORK, 2026, 3, 9, 7, 59))
    assert rules(decision) == {"F2"}
    assert decision.next_allowed_at == at(NEW_YORK, 2026, 3, 9, 8, 0)
    late = check(CALL, NY_CONSUMER, [], at(NEW_YORK, 2026, 3, 9, 21, 0))
    assert late.next_allowed_at == at(NEW_YORK, 2026, 3, 10, 8, 0)


def test_hawaii_phone_and_new_york_address_need_daytime_in_both():
    facts = DebtorFacts(consumer=True, state="NY", time_zones=("America/New_York", "Pacific/Honolulu"))
    # Winter: Honolulu is 5 hours behind New York, so the shared window is 13:00-21:00 in New York.
    assert not check(CALL, facts, [], at(NEW_YORK, 2026, 1, 13, 12, 59)).allowed
    assert check(CALL, facts, [], at(NEW_YORK, 2026, 1, 13, 13, 0)).allowed
    assert check(CALL, facts, [], at(HONOLULU, 2026, 1, 13, 15, 59)).allowed  # 20:59 in New York
    decision = check(CALL, facts, [], at(HONOLULU, 2026, 1, 13, 16, 0))  # 21:00 in New York
    assert rules(decision) == {"F3"}
    assert decision.next_allowed_at == at(HONOLULU, 2026, 1, 14, 8, 0)
    # Summer: New York is on daylight time and Honolulu never is: 6 hours apart, 14:00-21:00 in New York.
    assert not check(CALL, facts, [], at(NEW_YORK, 2026, 7, 14, 13, 59)).allowed
    assert check(CALL, facts, [], at(NEW_YORK, 2026, 7, 14, 14, 0)).allowed


def test_unknown_location_means_every_state_zone():
    facts = DebtorFacts(consumer=True, debts=(DEBT,))
    # 10:00 in New York is 05:00 in Honolulu.
    assert not check(CALL, facts, [], at(NEW_YORK, 2026, 1, 13, 10, 0)).allowed
    assert check(CALL, facts, [], at(NEW_YORK, 2026, 1, 13, 14, 0)).allowed
    assert len(ALL_STATES_ZONES) >= 6


def test_letters_have_no_hours_and_email_does_for_the_federal_style_rules():
    night = at(NEW_YORK, 2026, 3, 9, 23, 30)
    assert check(Action(Channel.LETTER), NY_CONSUMER, [], night).allowed
    assert not check(Action(Channel.EMAIL, address="a@example.com"), NY_CONSUMER, [], night).allowed


def test_a_reply_to_the_debtors_own_message_may_go_at_night():
    night = at(NEW_YORK, 2026, 3, 9, 22, 0)
    reply = Action(Channel.EMAIL, address="a@example.com", reply_to_consumer=True)
    assert check(reply, NY_CONSUMER, [], night).allowed


def test_times_the_debtor_called_inconvenient_are_blocked_until_they_end():
    facts = DebtorFacts(
        consumer=True,
        state="NY",
        time_zones=("America/New_York",),
        inconvenient_times=(LocalWindow(time(12, 0), time(13, 30), frozenset(range(5)), "lunch at work"),),
    )
    monday_noon = at(NEW_YORK, 2026, 3, 9, 12, 15)
    decision = check(CALL, facts, [], monday_noon)
    assert rules(decision) == {"F2"} and "lunch at work" in decision.violations[0].message
    assert decision.next_allowed_at == at(NEW_YORK, 2026, 3, 9, 13, 30)
    assert check(CALL, facts, [], at(NEW_YORK, 2026, 3, 14, 12, 15)).allowed  # Saturday


# --- F1: 7 calls in 7 days per debt, and 7 quiet days after a conversation. ---


def calls(start: datetime, count: int, **kwargs) -> list[Attempt]:
    return [Attempt(Channel.CALL, start + timedelta(hours=2 * i), frozenset({"INV-1"}), **kwargs) for i in range(count)]


def test_the_seventh_call_is_allowed_and_the_eighth_is_not():
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    later = at(NEW_YORK, 2026, 3, 11, 10, 0)
    assert check(CALL, NY_CONSUMER, calls(monday, 6), later).allowed
    decision = check(CALL, NY_CONSUMER, calls(monday, 7), later)
    assert rules(decision) == {"F1"}
    # The window frees when the first of the seven calls is 7 days old.
    assert decision.next_allowed_at == monday + timedelta(days=7)
    assert check(CALL, NY_CONSUMER, calls(monday, 7), monday + timedelta(days=7)).allowed


def test_calls_that_never_connected_and_debtor_initiated_calls_do_not_count():
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    history = calls(monday, 6) + calls(monday, 3, connected=False) + calls(monday, 3, inbound=True)
    assert check(CALL, NY_CONSUMER, history, at(NEW_YORK, 2026, 3, 11, 10, 0)).allowed


def test_calls_about_another_debt_do_not_count_but_account_wide_calls_do():
    facts = DebtorFacts(
        consumer=True,
        state="NY",
        time_zones=("America/New_York",),
        debts=(DEBT, Debt("INV-2", 5_000, 5_000, date(2026, 2, 28))),
    )
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    other = [Attempt(Channel.CALL, monday + timedelta(hours=i), frozenset({"INV-2"})) for i in range(7)]
    later = at(NEW_YORK, 2026, 3, 11, 10, 0)
    assert check(Action(Channel.CALL, frozenset({"INV-1"})), facts, other, later).allowed
    assert not check(Action(Channel.CALL, frozenset({"INV-2"})), facts, other, later).allowed
    # A call about the whole account concerns both debts.
    assert not check(Action(Channel.CALL), facts, other, later).allowed
    account_wide = [Attempt(Channel.CALL, monday + timedelta(hours=i)) for i in range(7)]
    assert not check(Action(Channel.CALL, frozenset({"INV-1"})), facts, account_wide, later).allowed


def test_a_call_six_days_after_a_conversation_waits_and_seven_days_after_goes():
    talk = at(NEW_YORK, 2026, 3, 9, 10, 0)
    history = [Attempt(Channel.CALL, talk, frozenset({"INV-1"}), conversation=True)]
    decision = check(CALL, NY_CONSUMER, history, talk + timedelta(days=6))
    assert rules(decision) == {"F1"}
    assert decision.next_allowed_at == talk + timedelta(days=7)
    assert check(CALL, NY_CONSUMER, history, talk + timedelta(days=7)).allowed


def test_a_conversation_the_debtor_started_also_starts_the_quiet_period():
    talk = at(NEW_YORK, 2026, 3, 9, 10, 0)
    history = [Attempt(Channel.CALL, talk, conversation=True, inbound=True)]
    assert not check(CALL, NY_CONSUMER, history, talk + timedelta(days=3)).allowed


def test_the_call_cap_does_not_limit_letters_or_email():
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    later = at(NEW_YORK, 2026, 3, 11, 10, 0)
    assert check(Action(Channel.EMAIL, address="a@example.com"), NY_CONSUMER, calls(monday, 7), later).allowed


# --- S2 Massachusetts and S6 Washington. ---


def test_massachusetts_allows_two_phone_communications_in_seven_days_not_three():
    facts = DebtorFacts(consumer=True, state="MA", time_zones=("America/New_York",), debts=(DEBT,))
    monday = at(NEW_YORK, 2026, 3, 9, 9, 0)
    two = [
        Attempt(Channel.CALL, monday, line=PhoneLine.CELL),
        Attempt(Channel.SMS, monday + timedelta(days=1), line=PhoneLine.CELL),
    ]
    wednesday = at(NEW_YORK, 2026, 3, 11, 10, 0)
    assert check(CALL, facts, two[:1], wednesday).allowed
    decision = check(CALL, facts, two, wednesday)
    assert rules(decision) == {"S2"}
    assert decision.next_allowed_at == monday + timedelta(days=7)
    # Work numbers have their own cap: 2 in 30 days.
    work = Action(Channel.CALL, line=PhoneLine.WORK)
    assert check(work, facts, two, wednesday).allowed


def test_washington_agencies_get_three_communications_a_week():
    facts = DebtorFacts(
        consumer=True,
        mode=Mode.THIRD_PARTY,
        state="WA",
        time_zones=("America/Los_Angeles",),
        debts=(DEBT,),
        validation_notice_sent_on=date(2026, 2, 1),
    )
    la = ZoneInfo("America/Los_Angeles")
    monday = at(la, 2026, 3, 9, 9, 0)
    three = [
        Attempt(Channel.LETTER, monday),
        Attempt(Channel.EMAIL, monday + timedelta(hours=1)),
        Attempt(Channel.CALL, monday + timedelta(hours=2)),
    ]
    assert "S6" in rules_for(facts, Policy())
    assert check(CALL, facts, three[:2], at(la, 2026, 3, 10, 10, 0)).allowed
    assert rules(check(CALL, facts, three, at(la, 2026, 3, 10, 10, 0))) == {"S6"}
    # A first-party creditor in Washington is not an agency.
    own = DebtorFacts(consumer=True, state="WA", time_zones=("America/Los_Angeles",), debts=(DEBT,))
    assert "S6" not in rules_for(own, Policy())


# --- Lasting blocks: SMS consent and STOP, disputes, cease, attorney, and the rest. ---


def test_sms_needs_consent_and_stop_ends_it():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    assert rules(check(SMS, NY_CONSUMER, [], noon)) == {"T1"}
    consented = _with(NY_CONSUMER, consents=(Permission(Channel.SMS, SMS.address),))
    assert check(SMS, consented, [], noon).allowed
    stopped = _with(consented, opt_outs=(Permission(Channel.SMS, SMS.address),), consents=())
    decision = check(SMS, stopped, [], noon)
    assert {"T2", "T1"} <= rules(decision)
    assert decision.next_allowed_at is None
    # STOP on texts does not stop calls or email.
    assert check(CALL, stopped, [], noon).allowed


def test_an_opt_out_of_one_email_address_leaves_the_others():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    facts = _with(NY_CONSUMER, opt_outs=(Permission(Channel.EMAIL, "old@example.com"),))
    assert rules(check(Action(Channel.EMAIL, address="old@example.com"), facts, [], noon)) == {"F6"}
    assert check(Action(Channel.EMAIL, address="new@example.com"), facts, [], noon).allowed


def test_autodialed_calls_to_cells_need_consent_manual_calls_do_not():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    robo = Action(Channel.CALL, address="+12125550100", line=PhoneLine.CELL, autodialed=True)
    assert rules(check(robo, NY_CONSUMER, [], noon)) == {"T1"}
    assert check(Action(Channel.CALL, address="+12125550100", line=PhoneLine.CELL), NY_CONSUMER, [], noon).allowed
    landline = Action(Channel.CALL, address="+12125550100", line=PhoneLine.HOME, autodialed=True)
    assert check(landline, NY_CONSUMER, [], noon).allowed


def test_a_dispute_pauses_the_debt_until_verified():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    opened = Debt(
        "INV-1", 120_000, 120_000, date(2026, 1, 31), dispute=DisputeState.OPEN, dispute_opened_on=date(2026, 3, 2)
    )
    facts = _with(NY_CONSUMER, debts=(opened,))
    decision = check(CALL, facts, [], noon)
    assert rules(decision) == {"F12"} and decision.next_allowed_at is None
    assert check(Action(Channel.LETTER, purpose=Purpose.DISPUTE_RESPONSE), facts, [], noon).allowed
    verified = Debt(
        "INV-1",
        120_000,
        120_000,
        date(2026, 1, 31),
        dispute=DisputeState.VERIFIED,
        dispute_opened_on=date(2026, 3, 2),
        dispute_verified_on=date(2026, 3, 9),
    )
    assert check(CALL, _with(NY_CONSUMER, debts=(verified,)), [], noon).allowed
    assert not check(CALL, _with(NY_CONSUMER, debts=(verified,)), [], at(NEW_YORK, 2026, 3, 8, 12, 0)).allowed


def test_a_disputed_invoice_does_not_stop_collection_of_the_others_when_named():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    facts = _with(
        NY_CONSUMER,
        debts=(Debt("INV-1", 1, 1, date(2026, 1, 1), dispute=DisputeState.OPEN), Debt("INV-2", 1, 1, date(2026, 1, 1))),
    )
    assert not check(Action(Channel.LETTER), facts, [], noon).allowed  # the whole account
    assert check(Action(Channel.LETTER, frozenset({"INV-2"})), facts, [], noon).allowed


def test_cease_allows_only_the_closing_notices():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    facts = _with(NY_CONSUMER, cease_requested_at=at(NEW_YORK, 2026, 3, 2, 9, 0))
    assert rules(check(Action(Channel.LETTER), facts, [], noon)) == {"F6"}
    assert check(Action(Channel.LETTER, purpose=Purpose.EFFORTS_TERMINATED), facts, [], noon).allowed
    assert check(Action(Channel.LETTER), facts, [], at(NEW_YORK, 2026, 3, 1, 12, 0)).allowed  # before the request


def test_attorney_deceased_and_bankruptcy():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    lawyer = _with(NY_CONSUMER, attorney_represented=True)
    assert rules(check(CALL, lawyer, [], noon)) == {"F5"}
    assert check(Action(Channel.CALL, recipient=Recipient.ATTORNEY), lawyer, [], noon).allowed
    estate = _with(NY_CONSUMER, deceased=True)
    assert rules(check(Action(Channel.LETTER), estate, [], noon)) == {"F20"}
    assert check(Action(Channel.LETTER, recipient=Recipient.ESTATE_REPRESENTATIVE), estate, [], noon).allowed
    bankrupt = _with(NY_CONSUMER, bankruptcy_filed_on=date(2026, 3, 1))
    assert rules(check(Action(Channel.LETTER), bankrupt, [], noon)) == {"B1"}


def test_workplace_and_employer_email():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    facts = _with(NY_CONSUMER, workplace_contact_prohibited=True, employer_emails=frozenset({"jo@acme.com"}))
    assert rules(check(Action(Channel.CALL, to_workplace=True), facts, [], noon)) == {"F4"}
    assert rules(check(Action(Channel.EMAIL, address="jo@acme.com"), facts, [], noon)) == {"F4"}
    assert check(Action(Channel.EMAIL, address="jo@home.net"), facts, [], noon).allowed


def test_email_and_sms_must_carry_an_opt_out():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    assert rules(check(Action(Channel.EMAIL, address="a@b.com", includes_opt_out=False), NY_CONSUMER, [], noon)) == {
        "F7"
    }


def test_validation_notice_comes_first_for_agencies_and_no_deadline_overshadows_it():
    noon = at(NEW_YORK, 2026, 3, 9, 12, 0)
    agency = _with(NY_CONSUMER, mode=Mode.THIRD_PARTY)
    assert rules(check(CALL, agency, [], noon)) == {"F9"}
    assert check(Action(Channel.LETTER, purpose=Purpose.VALIDATION_NOTICE), agency, [], noon).allowed
    sent = _with(agency, validation_notice_sent_on=date(2026, 3, 2))
    assert check(CALL, sent, [], noon).allowed
    # Sent Monday 2 March: received Monday 9 March (5 business days), period ends 8 April.
    assert rules(check(Action(Channel.LETTER, pay_by=date(2026, 4, 8)), sent, [], noon)) == {"F11"}
    assert check(Action(Channel.LETTER, pay_by=date(2026, 4, 9)), sent, [], noon).allowed


def test_business_debtors_get_only_consent_and_policy_rules():
    business = DebtorFacts(consumer=False, state="NY", time_zones=("America/New_York",), debts=(DEBT,))
    assert rules_for(business, Policy()) == frozenset({"B1", "T1", "T2", "P1"})
    night = at(NEW_YORK, 2026, 3, 9, 22, 0)
    assert check(Action(Channel.EMAIL, address="ap@acme.com"), business, [], night).allowed
    stopped = _with(business, cease_requested_at=night - timedelta(days=1))
    assert rules(check(Action(Channel.EMAIL, address="ap@acme.com"), stopped, [], night)) == {"P1"}


def test_first_party_rules_follow_the_setting_outside_the_reaching_states():
    texas = DebtorFacts(consumer=True, state="TX", time_zones=("America/Chicago",))
    assert "F1" in rules_for(texas, Policy())
    assert "F1" not in rules_for(texas, Policy(federal_rules_everywhere=False))
    california = DebtorFacts(consumer=True, state="CA", time_zones=("America/Los_Angeles",))
    assert {"F1", "F2", "S1"} <= rules_for(california, Policy(federal_rules_everywhere=False))


def test_florida_night_calls_are_blocked_even_without_the_federal_rules():
    florida = DebtorFacts(consumer=True, state="FL", time_zones=("America/New_York",))
    policy = Policy(federal_rules_everywhere=False)
    night = at(NEW_YORK, 2026, 3, 9, 21, 30)
    # FL reaches creditors, so the federal-style rules apply anyway; S5 is there too.
    assert "S5" in rules_for(florida, policy)
    assert not check(CALL, florida, [], night, policy).allowed


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        check(CALL, NY_CONSUMER, [], datetime(2026, 3, 9, 12, 0))


def _with(facts: DebtorFacts, **changes) -> DebtorFacts:
    return replace(facts, **changes)
