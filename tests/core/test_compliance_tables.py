"""Limitations, credit reporting, fees, validation periods, HIPAA and the protected-attribute deny list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from recoup.core.compliance import (
    LIMITATIONS,
    RULES,
    Action,
    Channel,
    ContractKind,
    Debt,
    DebtorFacts,
    DebtType,
    DisputeState,
    Fee,
    FeeKind,
    Mode,
    check,
    credit_reporting_eligibility,
    features_check,
    fee_check,
    is_time_barred,
    limitations_expire_on,
    minimum_necessary,
    nsf_fee_cap,
    policy_with,
    protected_attribute_of,
    validation_period_end,
)
from recoup.core.compliance.rules import Policy, policy_parameters

US_STATES_AND_DC = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


def test_the_limitations_table_covers_every_state_and_dc_with_a_citation():
    assert set(LIMITATIONS) == US_STATES_AND_DC
    for row in LIMITATIONS.values():
        assert row.citation and 2 <= row.open_account_years <= row.written_years <= 15


def test_a_debt_is_time_barred_from_its_anniversary_and_not_the_day_before():
    # Texas: 4 years for a written contract.
    debt = Debt("INV-1", 50_000, 50_000, date(2021, 3, 15), contract=ContractKind.WRITTEN)
    assert limitations_expire_on(debt, "TX", Policy()) == date(2025, 3, 15)
    assert not is_time_barred(debt, "TX", date(2025, 3, 14), Policy())
    assert is_time_barred(debt, "TX", date(2025, 3, 16), Policy())


def test_open_accounts_can_run_shorter_than_written_contracts():
    written = Debt("A", 1, 1, date(2020, 1, 10), contract=ContractKind.WRITTEN)
    open_account = Debt("B", 1, 1, date(2020, 1, 10), contract=ContractKind.OPEN_ACCOUNT)
    assert limitations_expire_on(written, "FL", Policy()) == date(2025, 1, 10)
    assert limitations_expire_on(open_account, "FL", Policy()) == date(2024, 1, 10)


def test_a_later_payment_restarts_the_clock_only_when_the_policy_says_so():
    debt = Debt("A", 1, 1, date(2020, 1, 10), last_payment_on=date(2022, 6, 1))
    assert limitations_expire_on(debt, "CA", Policy()) == date(2024, 1, 10)
    assert limitations_expire_on(debt, "CA", Policy(payments_restart_limitations=True)) == date(2026, 6, 1)


def test_a_suit_threat_on_a_time_barred_debt_is_refused_the_day_after_and_allowed_the_day_before():
    debt = Debt("INV-1", 50_000, 50_000, date(2021, 3, 15), contract=ContractKind.WRITTEN)
    facts = DebtorFacts(consumer=True, state="TX", time_zones=("America/Chicago",), debts=(debt,))
    threat = Action(Channel.LETTER, threatens_suit=True)

    def noon(day):
        return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)

    assert check(threat, facts, [], noon(date(2025, 3, 14))).allowed
    decision = check(threat, facts, [], noon(date(2025, 3, 16)))
    assert decision.rule_ids == ("F15",) and decision.next_allowed_at is None
    # A letter that does not threaten suit may still go.
    assert check(Action(Channel.LETTER), facts, [], noon(date(2025, 3, 16))).allowed


# --- Credit reporting. ---

MEDICAL = DebtorFacts(consumer=True, state="TX", debt_type=DebtType.MEDICAL)


def test_medical_debt_under_500_dollars_is_never_reported_and_500_is():
    under = Debt("M1", 49_999, 49_999, date(2024, 1, 1))
    at_floor = Debt("M2", 50_000, 50_000, date(2024, 1, 1))
    no = credit_reporting_eligibility(under, date(2026, 1, 1), MEDICAL)
    assert not no.eligible and [v.rule for v in no.violations] == ["C1"] and no.earliest_on is None
    assert credit_reporting_eligibility(at_floor, date(2026, 1, 1), MEDICAL).eligible


def test_medical_debt_waits_a_year_and_paid_medical_is_never_reported():
    debt = Debt("M", 80_000, 80_000, date(2025, 6, 1))
    early = credit_reporting_eligibility(debt, date(2026, 5, 31), MEDICAL)
    assert not early.eligible and early.earliest_on == date(2026, 6, 1)
    assert credit_reporting_eligibility(debt, date(2026, 6, 1), MEDICAL).eligible
    paid = Debt("M", 80_000, 0, date(2024, 6, 1))
    assert not credit_reporting_eligibility(paid, date(2026, 6, 1), MEDICAL).eligible


def test_state_bans_on_medical_reporting():
    debt = Debt("M", 80_000, 80_000, date(2023, 6, 1))
    new_york = DebtorFacts(consumer=True, state="NY", debt_type=DebtType.MEDICAL)
    decision = credit_reporting_eligibility(debt, date(2026, 1, 1), new_york)
    assert [v.rule for v in decision.violations] == ["C3"]
    # Colorado's ban sunsets: reporting becomes possible again on 2028-07-01.
    colorado = DebtorFacts(consumer=True, state="CO", debt_type=DebtType.MEDICAL)
    assert credit_reporting_eligibility(debt, date(2026, 1, 1), colorado).earliest_on == date(2028, 7, 1)
    assert credit_reporting_eligibility(debt, date(2028, 7, 1), colorado).eligible


def test_collections_become_obsolete_seven_years_after_the_180_days():
    debt = Debt("A", 10_000, 10_000, date(2019, 1, 1))
    facts = DebtorFacts(consumer=True, state="TX")
    # 2019-01-01 + 180 days = 2019-06-30; + 7 years = 2026-06-30.
    assert credit_reporting_eligibility(debt, date(2026, 6, 29), facts).eligible
    late = credit_reporting_eligibility(debt, date(2026, 6, 30), facts)
    assert not late.eligible and late.obsolete_on == date(2026, 6, 30)


def test_disputed_debts_carry_the_dispute_code_and_agencies_must_communicate_first():
    facts = DebtorFacts(consumer=True, state="TX")
    disputed = Debt("A", 10_000, 10_000, date(2025, 1, 1), dispute=DisputeState.VERIFIED)
    decision = credit_reporting_eligibility(disputed, date(2026, 1, 1), facts)
    assert decision.eligible and decision.report_as_disputed
    agency = DebtorFacts(consumer=True, state="TX", mode=Mode.THIRD_PARTY)
    debt = Debt("A", 10_000, 10_000, date(2025, 1, 1))
    silent = credit_reporting_eligibility(debt, date(2026, 1, 1), agency)
    assert [v.rule for v in silent.violations] == ["F14"] and silent.earliest_on is None
    mailed = credit_reporting_eligibility(debt, date(2026, 1, 10), agency, communicated_on=date(2026, 1, 1))
    assert not mailed.eligible and mailed.earliest_on == date(2026, 1, 15)
    assert credit_reporting_eligibility(debt, date(2026, 1, 15), agency, communicated_on=date(2026, 1, 1)).eligible
    open_dispute = Debt("A", 10_000, 10_000, date(2025, 1, 1), dispute=DisputeState.OPEN)
    paused = credit_reporting_eligibility(open_dispute, date(2026, 1, 15), agency, spoke_on=date(2026, 1, 2))
    assert [v.rule for v in paused.violations] == ["F12"]


# --- Fees. ---


def test_a_fee_needs_its_clause():
    consumer = DebtorFacts(consumer=True, state="TX")
    assert [v.rule for v in fee_check(Fee(FeeKind.LATE, 2_500), consumer)] == ["L1"]
    assert fee_check(Fee(FeeKind.LATE, 2_500, clause="Agreement 7.2"), consumer) == []
    pay_to_pay = fee_check(Fee(FeeKind.CONVENIENCE, 300, clause="Portal terms"), consumer)
    assert [v.rule for v in pay_to_pay] == ["F16"]


@pytest.mark.parametrize(
    ("state", "payment", "earlier", "cap"),
    [
        ("CA", 10_000, 0, 2_500),
        ("CA", 10_000, 1, 3_500),
        ("FL", 5_000, 0, 2_500),
        ("FL", 5_001, 0, 3_000),
        ("FL", 30_000, 0, 3_000),
        ("FL", 100_000, 0, 5_000),  # 5% of $1,000 beats $40
        ("GA", 50_000, 0, 3_000),
        ("GA", 100_000, 0, 5_000),
        ("NY", 10_000, 0, 2_000),
        ("OH", 10_000, 0, None),
    ],
)
def test_nsf_fee_caps(state, payment, earlier, cap):
    fee = Fee(FeeKind.NSF, 1, clause="x", payment_cents=payment, earlier_nsf_fees=earlier)
    assert nsf_fee_cap(state, fee) == cap


def test_an_nsf_fee_over_the_cap_is_refused():
    facts = DebtorFacts(consumer=True, state="NY")
    assert [v.rule for v in fee_check(Fee(FeeKind.NSF, 2_001, clause="GOL 5-328"), facts)] == ["L4"]
    assert fee_check(Fee(FeeKind.NSF, 2_000, clause="GOL 5-328"), facts) == []


# --- Validation period (F10). ---


@pytest.mark.parametrize(
    ("sent", "end"),
    [
        (date(2026, 3, 2), date(2026, 4, 8)),  # Monday: received the next Monday
        (date(2026, 7, 1), date(2026, 8, 8)),  # Independence Day observed on Friday 3 July
        (date(2026, 11, 23), date(2026, 12, 31)),  # Thanksgiving on Thursday 26 November
        (date(2026, 12, 31), date(2027, 2, 7)),  # New Year's Day, then into the next year
    ],
)
def test_validation_period_end_skips_weekends_and_federal_holidays(sent, end):
    assert validation_period_end(sent) == end


# --- HIPAA minimum necessary and the protected-attribute deny list. ---


def test_minimum_necessary_drops_clinical_fields():
    record = {"name": "Jo", "invoice_number": "M-1", "amount": "120.00", "diagnosis": "J45", "cpt": "99213"}
    assert minimum_necessary(record) == {"name": "Jo", "invoice_number": "M-1", "amount": "120.00"}


@pytest.mark.parametrize(
    "feature",
    [
        "age",
        "debtor_age",
        "DateOfBirth",
        "birth_year",
        "gender",
        "sex",
        "race",
        "ethnicity",
        "religion",
        "national_origin",
        "marital_status",
        "is_married",
        "first_name",
        "surname",
        "zip_code",
        "zip",
        "preferred_language",
        "disability_flag",
        "receives_public_assistance",
        "nationality",
    ],
)
def test_protected_attributes_and_proxies_are_caught(feature):
    assert protected_attribute_of(feature) is not None
    assert [v.rule for v in features_check([feature])] == ["E2"]


@pytest.mark.parametrize(
    "feature",
    [
        "days_past_due",
        "invoice_age_days",
        "account_age",
        "average_days_to_pay",
        "open_balance",
        "broken_promises",
        "payments_last_90_days",
        "dispute_count",
        "segment",
        "terms_days",
    ],
)
def test_payment_history_features_pass(feature):
    assert protected_attribute_of(feature) is None


# --- The rule table and the policy. ---


def test_every_rule_has_a_citation_and_every_parameter_names_a_known_rule():
    assert all(rule.citation and rule.title for rule in RULES.values())
    for _, rule, _, doc, _ in policy_parameters():
        assert rule in RULES and doc


def test_policy_overrides_are_checked():
    assert policy_with({"calls_per_window": 5}).calls_per_window == 5
    with pytest.raises(ValueError, match="unknown"):
        policy_with({"calls_per_weak": 5})
    with pytest.raises(ValueError, match="must be int"):
        policy_with({"calls_per_window": "5"})
