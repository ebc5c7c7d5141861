"""The rules, as data: what each says, whom it reaches, its citation, and how Recoup enforces it.

The table follows the compliance research in ``COMPLIANCE.md`` (IDs F, S, T, C, L, D, E). It is not legal
advice. Parameters live in ``Policy``, each field tagged with its rule and whether its source text was
verified; an organisation can override any of them. ``docs/compliance-rules.md`` is generated from this
module (``recoup compliance rules --format markdown``) and a test keeps the two identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import time

from recoup.core.compliance.facts import DebtorFacts

ONE_P, THREE_P, BOTH = "1P", "3P", "1P+3P"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    applies: str
    citation: str
    enforcement: str
    verified: bool = True


GUARD = "guard: blocks the contact"

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "F1",
            "No more than 7 calls in 7 days per debt, and none within 7 days after a phone "
            "conversation about it. Calls that never connect do not count; debtor-initiated calls do not "
            "count but a conversation starts the 7 days.",
            THREE_P,
            "12 CFR 1006.14(b)(2); CFPB Reg F FAQs (2022-07-27)",
            GUARD,
        ),
        Rule(
            "F2",
            "No call, text or email before 08:00 or from 21:00 at the debtor's location, nor at a "
            "time the debtor said is inconvenient. A reply to the debtor's own message is exempt.",
            THREE_P,
            "12 CFR 1006.6(b)(1)(i); 15 USC 1692c(a)(1); comment 6(b)(1)-1,-2",
            GUARD,
        ),
        Rule(
            "F3",
            "Location unknown or conflicting: the time must be convenient in every zone the file "
            "suggests (ZIP, phone area codes, state).",
            THREE_P,
            "comment 6(b)(1)(i)",
            GUARD,
            verified=False,
        ),
        Rule(
            "F4",
            "No contact at a place the debtor said is inconvenient or at work when the employer "
            "prohibits it; no email to an employer-provided address.",
            THREE_P,
            "12 CFR 1006.6(b)(1)(ii), (b)(3); 1006.22(f)(3)",
            GUARD,
            verified=False,
        ),
        Rule(
            "F5",
            "The debtor has an attorney for the debt: contact the attorney, not the debtor.",
            THREE_P,
            "12 CFR 1006.6(b)(2)",
            GUARD,
        ),
        Rule(
            "F6",
            "After a written refusal to pay or a request to stop, only an 'efforts terminated' or "
            "'specific remedy' notice may be sent. An opt-out of one channel or address blocks that one.",
            THREE_P,
            "12 CFR 1006.6(c), 1006.14(h); 15 USC 1692c(c)",
            GUARD,
        ),
        Rule(
            "F7",
            "Every email and text carries a clear, simple way to opt out of that address or number.",
            THREE_P,
            "12 CFR 1006.6(e)",
            GUARD,
        ),
        Rule(
            "F8",
            "Email only to an address the debtor gave, or one covered by the creditor's 35-day opt-out notice.",
            THREE_P,
            "12 CFR 1006.6(d)(3)-(4)",
            "recorded: each contact point keeps its source; not yet checked by the guard",
        ),
        Rule(
            "F9",
            "Third-party: the validation notice goes in the first communication or within 5 days "
            "of it. Until it is sent, only the notice itself may go out.",
            THREE_P,
            "12 CFR 1006.34(a), (c), (d)(2); Appendix B (Model Form B-1)",
            GUARD,
        ),
        Rule(
            "F10",
            "The validation period ends 30 days after receipt, and receipt is assumed 5 days after "
            "sending, not counting Saturdays, Sundays and legal public holidays.",
            THREE_P,
            "12 CFR 1006.34(b)(5)",
            "validation_period_end(); explained per account",
        ),
        Rule(
            "F11",
            "No payment deadline inside the validation period that overshadows the right to dispute.",
            THREE_P,
            "12 CFR 1006.38(b)",
            GUARD,
        ),
        Rule(
            "F12",
            "A dispute pauses collection of that debt until verification is sent.",
            THREE_P,
            "12 CFR 1006.38(c), (d); comment 38-1",
            GUARD,
        ),
        Rule(
            "F13",
            "A disputed debt is reported as disputed (Metro 2 compliance code XB).",
            BOTH,
            "15 USC 1692e(8); 15 USC 1681s-2(a)(3)",
            "credit_reporting_eligibility(): report_as_disputed",
        ),
        Rule(
            "F14",
            "No credit reporting before communicating: speak to the debtor, or send a message and "
            "wait 14 days for an undeliverable notice.",
            THREE_P,
            "12 CFR 1006.30(a); comment 30(a)(1)-2",
            "credit_reporting_eligibility()",
        ),
        Rule(
            "F15",
            "Time-barred debt: no suit and no threat of suit (strict liability).",
            THREE_P,
            "12 CFR 1006.26(b)",
            GUARD + " (a template that threatens suit); statute-of-limitations table",
        ),
        Rule(
            "F16",
            "Fees and interest only when the agreement or a law expressly authorises them; no "
            "pay-to-pay convenience fees on consumer debt.",
            THREE_P,
            "15 USC 1692f(1); 12 CFR 1006.22(b)",
            "fee_check()",
        ),
        Rule(
            "F20",
            "Deceased debtor: contact only the executor, administrator or personal representative.",
            THREE_P,
            "12 CFR 1006.6(a)(1), (4); comments 34(a)(1)-1, 38-3",
            GUARD,
        ),
        Rule(
            "F21",
            "Keep records 3 years after the last collection activity.",
            THREE_P,
            "12 CFR 1006.100",
            "the attempt ledger and the audit log are never deleted by Recoup",
        ),
        Rule(
            "B1", "Bankruptcy: the automatic stay stops every act to collect the debt.", BOTH, "11 USC 362(a)(6)", GUARD
        ),
        Rule(
            "S1",
            "California's Rosenthal Act makes a creditor collecting its own debt a debt collector: "
            "the federal clock, cease and attorney rules apply to first-party collection.",
            BOTH,
            "Cal. Civ. Code 1788.2(c), 1788.17",
            "guard: applies the federal-style rules to CA consumers",
        ),
        Rule(
            "S2",
            "Massachusetts: at most 2 creditor-initiated phone communications (calls, texts, "
            "recorded messages) per debt in 7 days to a home or cell number, and 2 in 30 days to any other.",
            BOTH,
            "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(c)-(d)",
            GUARD,
        ),
        Rule(
            "S3",
            "New York principal creditors: no harassing frequency or unusual hours; no fee unless "
            "justly due; no employer contact before judgment.",
            BOTH,
            "NY GBL 601",
            "guard: applies the federal-style rules to NY consumers",
        ),
        Rule(
            "S4",
            "New York City: consent and per-medium opt-out for electronic messages, and a cap on contacts per account.",
            BOTH,
            "6 RCNY 5-77, 2-193",
            GUARD + " (the cap's number is unverified)",
            verified=False,
        ),
        Rule(
            "S5",
            "Florida: no calls or texts from 21:00 to 08:00 without consent (email exempt since 2025); "
            "no employer contact before judgment.",
            BOTH,
            "Fla. Stat. 559.72 (SB 232, 2025)",
            GUARD,
        ),
        Rule(
            "S6",
            "Washington collection agencies: at most 3 communications a week to the debtor, and 1 a week at work.",
            THREE_P,
            "RCW 19.16.250, 19.16.100",
            GUARD,
        ),
        Rule(
            "T1",
            "Texts and autodialed or prerecorded calls to a cell phone need prior express consent, "
            "with its source and date kept.",
            BOTH,
            "47 USC 227(b); 47 CFR 64.1200(a)(1); FCC 07-232",
            GUARD,
        ),
        Rule(
            "T2",
            "Consent revoked by any reasonable means (STOP, a key press) is honoured; Recoup honours "
            "it at once, inside the 10 business days allowed.",
            BOTH,
            "47 CFR 64.1200(a)(9)(i)(F), (a)(10)-(11)",
            GUARD,
        ),
        Rule(
            "C1",
            "Bureau medical-collection policy: never report paid medical collections, nor any under "
            "$500, nor any within 1 year of delinquency.",
            BOTH,
            "Equifax, Experian, TransUnion joint release (April 2023)",
            "credit_reporting_eligibility()",
        ),
        Rule(
            "C3",
            "States that ban reporting medical debt (preemption is contested).",
            BOTH,
            "CA SB1061; CO HB23-1126; CT PA 24-6; IL SB2933; ME LD558; MN; NJ; NY; OR SB605; RI; VT S.27; "
            "VA HB1370; WA SB5480 (NCLC summary)",
            "credit_reporting_eligibility()",
            verified=False,
        ),
        Rule(
            "C4",
            "Collections are not reported after 7 years, counted from 180 days after first delinquency; never re-aged.",
            BOTH,
            "15 USC 1681c(a)(4), (c)(1); 1681s-2(a)(5)",
            "credit_reporting_eligibility()",
        ),
        Rule(
            "L1",
            "No fee or interest without a contractual or statutory basis: each charge cites its authorising clause.",
            BOTH,
            "15 USC 1692f(1); NY GBL 601(2); RCW 63.14.090",
            "fee_check()",
        ),
        Rule(
            "L4",
            "Returned-payment (NSF) fee caps by state.",
            BOTH,
            "Cal. Civ. Code 1719; Fla. Stat. 68.065; state tables",
            "fee_check(); NSF_FEE_CAPS",
            verified=False,
        ),
        Rule(
            "D3",
            "HIPAA minimum necessary: a medical account leaving the system carries only name, "
            "contact, account number, date of service, provider and amount.",
            BOTH,
            "45 CFR 164.502(b), 164.514(d)",
            "minimum_necessary()",
        ),
        Rule(
            "E2",
            "No scoring feature may be a protected attribute (age, sex, race, ...) or a close proxy for one.",
            BOTH,
            "15 USC 1691; 12 CFR 1002; UDAAP 12 USC 5531, 5536",
            "features_check()",
        ),
        Rule(
            "P1",
            "Recoup policy for business debtors: a recorded opt-out or stop request is honoured, and "
            "a disputed invoice is not chased.",
            "commercial",
            "Recoup policy (not a legal requirement)",
            GUARD,
        ),
    )
}

# The rules that reach first-party creditors through state law (CA, FL, MA, NY, NYC) and that
# Recoup applies to every first-party consumer account while ``federal_rules_everywhere`` is on.
FEDERAL_STYLE_RULES = frozenset({"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F12", "F15", "F20"})
STATES_REACHING_CREDITORS = frozenset({"CA", "FL", "MA", "NY"})


def _param(rule: str, doc: str, *, verified: bool = True, **kwargs):
    return field(metadata={"rule": rule, "doc": doc, "verified": verified}, **kwargs)


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules' numbers. Defaults follow the rules table; an organisation may override them."""

    federal_rules_everywhere: bool = _param(
        "S1", "Apply the federal-style rules to first-party consumer accounts in every state", default=True
    )
    day_starts: time = _param("F2", "Earliest local time for calls, texts and emails", default=time(8, 0))
    day_ends: time = _param("F2", "Local time from which calls, texts and emails stop", default=time(21, 0))
    calls_per_window: int = _param("F1", "Calls allowed per debt within the window", default=7)
    call_window_days: int = _param("F1", "Length of the call-count window, in days (rolling)", default=7)
    quiet_days_after_conversation: int = _param("F1", "Days without calls after a conversation", default=7)
    ma_home_cell_per_7_days: int = _param("S2", "Phone communications per debt in 7 days, home or cell", default=2)
    ma_other_per_30_days: int = _param("S2", "Phone communications per debt in 30 days, other numbers", default=2)
    wa_per_week: int = _param("S6", "Communications a week (Washington, third-party)", default=3)
    wa_work_per_week: int = _param("S6", "Communications a week at work (Washington, third-party)", default=1)
    nyc_per_7_days: int = _param("S4", "Communications per account in 7 days (NYC)", verified=False, default=3)
    validation_within_days: int = _param("F9", "Days after the first communication to send the notice", default=5)
    validation_notice_first: bool = _param(
        "F9", "Send nothing but the validation notice until it has been sent", default=True
    )
    receipt_business_days: int = _param("F10", "Business days assumed for the notice to arrive", default=5)
    validation_period_days: int = _param("F10", "Days after receipt that the validation period lasts", default=30)
    passive_wait_days: int = _param("F14", "Days to wait for an undeliverable notice before reporting", default=14)
    medical_reporting_floor_cents: int = _param(
        "C1", "Medical debts first owed below this (minor units) are never reported", default=50_000
    )
    medical_reporting_wait_days: int = _param(
        "C1", "Days after delinquency before medical debt is reported", default=365
    )
    obsolescence_years: int = _param("C4", "Years a collection may be reported", default=7)
    obsolescence_start_days: int = _param("C4", "Days after first delinquency the 7 years start", default=180)
    payments_restart_limitations: bool = _param(
        "F15",
        "A later payment restarts the limitations period (off: count from first delinquency, the stricter reading)",
        default=False,
    )


def policy_parameters() -> list[tuple[str, str, object, str, bool]]:
    """(name, rule, default, description, verified) for every parameter, in declaration order."""
    defaults = Policy()
    return [
        (f.name, f.metadata["rule"], getattr(defaults, f.name), f.metadata["doc"], f.metadata["verified"])
        for f in fields(Policy)
    ]


def policy_with(overrides: dict[str, object]) -> Policy:
    """A policy with some parameters changed; unknown names and wrong types are refused."""
    defaults = Policy()
    known = {f.name: type(getattr(defaults, f.name)) for f in fields(Policy)}
    values = {}
    for name, value in overrides.items():
        if name not in known:
            raise ValueError(f"unknown compliance parameter {name!r}")
        if known[name] is time and isinstance(value, str):
            try:
                value = time.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{name} must be a time like 08:00, not {value!r}") from None
        if type(value) is not known[name]:
            raise ValueError(f"{name} must be {known[name].__name__}, not {type(value).__name__}")
        values[name] = value
    return Policy(**{f.name: values.get(f.name, getattr(defaults, f.name)) for f in fields(Policy)})


def rules_for(facts: DebtorFacts, policy: Policy) -> frozenset[str]:
    """The rules that reach this account: the strictest set that fits it."""
    applied = {"B1", "T1", "T2"}
    if not facts.consumer:
        return frozenset(applied | {"P1"})
    if facts.third_party:
        applied |= {r for r in RULES if r.startswith("F")} | {"C1", "C4"}
    elif policy.federal_rules_everywhere or facts.state in STATES_REACHING_CREDITORS or facts.nyc:
        applied |= FEDERAL_STYLE_RULES
    else:
        applied.add("P1")
    state_rules = {"CA": "S1", "MA": "S2", "NY": "S3", "FL": "S5"}
    if facts.state in state_rules:
        applied.add(state_rules[facts.state])
    if facts.nyc:
        applied.add("S4")
    if facts.state == "WA" and facts.third_party:
        applied.add("S6")
    return frozenset(applied)
