"""May a debt be reported to the consumer credit bureaus (C1, C3, C4, F12-F14)?

Recoup does not furnish Metro 2 files yet; the collection cycle and the agency hand-off ask this
function before any step that would report, and the customer page shows its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from recoup.core.compliance.facts import MEDICAL_DEBT_TYPES, Debt, DebtorFacts, DisputeState, Mode, Violation
from recoup.core.compliance.guard import violation
from recoup.core.compliance.limitations import _add_years
from recoup.core.compliance.rules import Policy


@dataclass(frozen=True, slots=True)
class MedicalReportingBan:
    state: str
    effective: date
    ends: date | None
    law: str


# From the NCLC and Community Catalyst summaries (C3, unverified): the earliest plausible effective date
# is used, so that Recoup errs toward not reporting.
MEDICAL_REPORTING_BANS: dict[str, MedicalReportingBan] = {
    b.state: b
    for b in (
        MedicalReportingBan("CA", date(2025, 1, 1), None, "SB 1061"),
        MedicalReportingBan("CO", date(2023, 8, 7), date(2028, 7, 1), "HB23-1126"),
        MedicalReportingBan("CT", date(2024, 7, 1), None, "Public Act 24-6"),
        MedicalReportingBan("DE", date(2025, 1, 1), None, "2025 act"),
        MedicalReportingBan("IL", date(2025, 1, 1), None, "SB 2933"),
        MedicalReportingBan("ME", date(2024, 1, 1), None, "LD 558"),
        MedicalReportingBan("MD", date(2025, 1, 1), None, "Maryland medical debt act"),
        MedicalReportingBan("MN", date(2024, 10, 1), None, "Debt Fairness Act"),
        MedicalReportingBan("NJ", date(2024, 7, 1), None, "NJ medical debt act"),
        MedicalReportingBan("NY", date(2023, 12, 13), None, "Fair Medical Debt Reporting Act"),
        MedicalReportingBan("OR", date(2025, 1, 1), None, "SB 605"),
        MedicalReportingBan("RI", date(2024, 1, 1), None, "Rhode Island medical debt act"),
        MedicalReportingBan("VT", date(2024, 7, 1), None, "S.27"),
        MedicalReportingBan("VA", date(2024, 7, 1), None, "HB 1370"),
        MedicalReportingBan("WA", date(2025, 7, 1), None, "SB 5480"),
    )
}


@dataclass(frozen=True, slots=True)
class ReportingDecision:
    """``eligible`` now or not, every reason why not, whether it must carry the dispute code (F13),
    the first day it could be reported (None if never), and the day it becomes obsolete (C4)."""

    eligible: bool
    violations: tuple[Violation, ...]
    report_as_disputed: bool
    earliest_on: date | None
    obsolete_on: date | None


def obsolete_on(debt: Debt, policy: Policy = Policy()) -> date | None:
    """7 years from the end of the 180 days that begin at first delinquency (1681c(c)(1))."""
    if debt.delinquent_since is None:
        return None
    return _add_years(debt.delinquent_since + timedelta(days=policy.obsolescence_start_days), policy.obsolescence_years)


def credit_reporting_eligibility(
    debt: Debt,
    as_of: date,
    facts: DebtorFacts | None = None,
    *,
    communicated_on: date | None = None,
    spoke_on: date | None = None,
    policy: Policy = Policy(),
) -> ReportingDecision:
    """Whether ``debt`` may be furnished to the bureaus on ``as_of``.

    ``communicated_on`` is when a collection message was first sent and ``spoke_on`` when the collector
    first spoke with the debtor: a third-party collector must have done one of them (F14).
    """
    facts = facts or DebtorFacts(consumer=True)
    found: list[Violation] = []
    never = False  # no date will make it reportable
    open_ended = False  # it may become reportable, on a day no one knows yet
    waits: list[date] = []
    expires = obsolete_on(debt, policy)
    if not facts.consumer:
        found.append(violation("C4", "A business debt is not reported to the consumer credit bureaus."))
        never = True
    if debt.delinquent_since is None or debt.delinquent_since > as_of:
        found.append(violation("C4", "The debt is not delinquent."))
        if debt.delinquent_since is not None:
            waits.append(debt.delinquent_since)
        else:
            open_ended = True
    if expires is not None and as_of >= expires:
        found.append(violation("C4", f"Obsolete since {expires}: collections are reported for 7 years only."))
        never = True
    medical = facts.debt_type_of(debt) in MEDICAL_DEBT_TYPES
    if medical:
        if debt.original_cents < policy.medical_reporting_floor_cents:
            found.append(violation("C1", "Medical debt first owed under $500 is never reported."))
            never = True
        if debt.paid:
            found.append(violation("C1", "Paid medical debt is never reported."))
            never = True
        if debt.delinquent_since is not None:
            ready = debt.delinquent_since + timedelta(days=policy.medical_reporting_wait_days)
            if as_of < ready:
                found.append(violation("C1", f"Medical debt is reported only a year after delinquency ({ready})."))
                waits.append(ready)
        ban = MEDICAL_REPORTING_BANS.get(facts.state)
        if ban and ban.effective <= as_of and (ban.ends is None or as_of < ban.ends):
            found.append(violation("C3", f"{facts.state} bans reporting medical debt ({ban.law})."))
            if ban.ends is None:
                never = True
            else:
                waits.append(ban.ends)
    if debt.dispute == DisputeState.OPEN and (facts.third_party or facts.mode == Mode.THIRD_PARTY):
        found.append(
            violation("F12", "The debt is disputed and not yet verified: collection, reporting included, is paused.")
        )
        open_ended = True
    if facts.third_party and spoke_on is None:
        ready = communicated_on + timedelta(days=policy.passive_wait_days) if communicated_on else None
        if ready is None or as_of < ready:
            found.append(
                violation(
                    "F14",
                    "Speak with the debtor, or send a message and wait "
                    f"{policy.passive_wait_days} days for an undeliverable notice, first.",
                )
            )
            if ready:
                waits.append(ready)
            else:
                open_ended = True
    if not found:
        earliest = as_of
    elif never or open_ended:
        earliest = None
    else:
        earliest = max(waits)
        if expires is not None and earliest >= expires:
            earliest = None  # it would be obsolete before it could be reported
    return ReportingDecision(
        eligible=not found,
        violations=tuple(found),
        report_as_disputed=debt.dispute != DisputeState.NONE,
        earliest_on=earliest,
        obsolete_on=expires,
    )
