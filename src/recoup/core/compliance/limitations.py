"""Statutes of limitations for collecting debt, by state: written contracts and open accounts (F15).

Compiled from secondary summaries of each state's code and marked unverified as a whole: check the
statute before relying on a figure, and override it per organisation if your counsel reads it
differently. The period runs from the date of first delinquency; whether a later payment restarts it
differs by state, so by default it does not (the stricter reading: a debt becomes time-barred sooner, and
Recoup stops threatening suit sooner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recoup.core.compliance.facts import ContractKind, Debt
from recoup.core.compliance.rules import Policy


@dataclass(frozen=True, slots=True)
class Limitation:
    state: str
    written_years: int
    open_account_years: int
    citation: str


LIMITATIONS: dict[str, Limitation] = {
    row.state: row
    for row in (
        Limitation("AL", 6, 3, "Ala. Code 6-2-34, 6-2-37"),
        Limitation("AK", 3, 3, "Alaska Stat. 09.10.053"),
        Limitation("AZ", 6, 3, "Ariz. Rev. Stat. 12-548, 12-543"),
        Limitation("AR", 5, 3, "Ark. Code 16-56-111, 16-56-105"),
        Limitation("CA", 4, 4, "Cal. Civ. Proc. Code 337(a), 337(b)"),
        Limitation("CO", 6, 6, "Colo. Rev. Stat. 13-80-103.5(1)(a)"),
        Limitation("CT", 6, 3, "Conn. Gen. Stat. 52-576, 52-581"),
        Limitation("DE", 3, 3, "Del. Code tit. 10, 8106"),
        Limitation("DC", 3, 3, "D.C. Code 12-301(7)"),
        Limitation("FL", 5, 4, "Fla. Stat. 95.11(2)(b), 95.11(3)(k)"),
        Limitation("GA", 6, 4, "Ga. Code 9-3-24, 9-3-25"),
        Limitation("HI", 6, 6, "Haw. Rev. Stat. 657-1"),
        Limitation("ID", 5, 4, "Idaho Code 5-216, 5-217"),
        Limitation("IL", 10, 5, "735 ILCS 5/13-206, 5/13-205"),
        Limitation("IN", 6, 6, "Ind. Code 34-11-2-9, 34-11-2-7"),
        Limitation("IA", 10, 5, "Iowa Code 614.1(5), 614.1(4)"),
        Limitation("KS", 5, 3, "Kan. Stat. 60-511, 60-512"),
        Limitation("KY", 10, 5, "Ky. Rev. Stat. 413.090(2), 413.120"),
        Limitation("LA", 10, 3, "La. Civ. Code arts. 3499, 3494"),
        Limitation("ME", 6, 6, "Me. Rev. Stat. tit. 14, 752"),
        Limitation("MD", 3, 3, "Md. Code, Cts. & Jud. Proc. 5-101"),
        Limitation("MA", 6, 6, "Mass. Gen. Laws ch. 260, 2"),
        Limitation("MI", 6, 6, "Mich. Comp. Laws 600.5807(9)"),
        Limitation("MN", 6, 6, "Minn. Stat. 541.05"),
        Limitation("MS", 3, 3, "Miss. Code 15-1-49, 15-1-29"),
        Limitation("MO", 10, 5, "Mo. Rev. Stat. 516.110, 516.120"),
        Limitation("MT", 8, 5, "Mont. Code 27-2-202"),
        Limitation("NE", 5, 4, "Neb. Rev. Stat. 25-205, 25-206"),
        Limitation("NV", 6, 4, "Nev. Rev. Stat. 11.190(1)(b), 11.190(2)(c)"),
        Limitation("NH", 3, 3, "N.H. Rev. Stat. 508:4"),
        Limitation("NJ", 6, 6, "N.J. Stat. 2A:14-1"),
        Limitation("NM", 6, 4, "N.M. Stat. 37-1-3, 37-1-4"),
        Limitation("NY", 3, 3, "N.Y. CPLR 214-i (consumer credit, 2022); 213(2) is 6 years otherwise"),
        Limitation("NC", 3, 3, "N.C. Gen. Stat. 1-52(1)"),
        Limitation("ND", 6, 6, "N.D. Cent. Code 28-01-16"),
        Limitation("OH", 6, 4, "Ohio Rev. Code 2305.06, 2305.07"),
        Limitation("OK", 5, 3, "Okla. Stat. tit. 12, 95(A)(1)-(2)"),
        Limitation("OR", 6, 6, "Or. Rev. Stat. 12.080"),
        Limitation("PA", 4, 4, "42 Pa. Cons. Stat. 5525"),
        Limitation("RI", 10, 10, "R.I. Gen. Laws 9-1-13"),
        Limitation("SC", 3, 3, "S.C. Code 15-3-530"),
        Limitation("SD", 6, 6, "S.D. Codified Laws 15-2-13"),
        Limitation("TN", 6, 6, "Tenn. Code 28-3-109"),
        Limitation("TX", 4, 4, "Tex. Civ. Prac. & Rem. Code 16.004, 16.051"),
        Limitation("UT", 6, 4, "Utah Code 78B-2-309, 78B-2-307"),
        Limitation("VT", 6, 6, "Vt. Stat. tit. 12, 511"),
        Limitation("VA", 5, 3, "Va. Code 8.01-246(2), 8.01-246(4)"),
        Limitation("WA", 6, 3, "Wash. Rev. Code 4.16.040, 4.16.080(3)"),
        Limitation("WV", 10, 5, "W. Va. Code 55-2-6"),
        Limitation("WI", 6, 6, "Wis. Stat. 893.43"),
        Limitation("WY", 10, 8, "Wyo. Stat. 1-3-105(a)(i)-(ii)"),
    )
}

# With no state on file, the shortest period anywhere: the debt is treated as time-barred as soon as
# it could be somewhere.
SHORTEST = min(min(r.written_years, r.open_account_years) for r in LIMITATIONS.values())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, month=3, day=1)


def limitation_years(state: str, contract: ContractKind) -> int:
    row = LIMITATIONS.get(state)
    if row is None:
        return SHORTEST
    return row.written_years if contract == ContractKind.WRITTEN else row.open_account_years


def limitations_expire_on(debt: Debt, state: str, policy: Policy) -> date | None:
    """The first day on which the debt is time-barred, or None when it has never been delinquent.

    The period starts at first delinquency (or the latest payment, when the policy says payments
    restart it). The anniversary itself counts as barred: the stricter of the two readings."""
    start = debt.delinquent_since
    if start is None:
        return None
    if policy.payments_restart_limitations and debt.last_payment_on and debt.last_payment_on > start:
        start = debt.last_payment_on
    return _add_years(start, limitation_years(state, debt.contract))


def is_time_barred(debt: Debt, state: str, as_of: date, policy: Policy) -> bool:
    expires = limitations_expire_on(debt, state, policy)
    return expires is not None and as_of >= expires
