"""May this fee be charged (L1, L4, F16)?

Every fee or interest charge names the clause of the customer's agreement (or the statute) that
authorises it. Returned-payment (NSF) fees are capped per state; the table holds the examples the
research found, each to be verified against its statute, and states not in it are left to the clause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from recoup.core.compliance.facts import DebtorFacts, Violation
from recoup.core.compliance.guard import violation
from recoup.core.money import format_minor, round_minor


class FeeKind(StrEnum):
    LATE = "late"
    INTEREST = "interest"
    NSF = "nsf"
    COLLECTION = "collection"
    CONVENIENCE = "convenience"


@dataclass(frozen=True, slots=True)
class Fee:
    """A charge Recoup is asked to add. ``clause`` cites what authorises it ("Agreement 7.2",
    "Cal. Civ. Code 1719"). For an NSF fee, ``payment_cents`` is the returned payment and
    ``earlier_nsf_fees`` how many were charged this debtor before."""

    kind: FeeKind
    amount_cents: int
    clause: str = ""
    payment_cents: int = 0
    earlier_nsf_fees: int = 0


def _percent_of_payment(fee: Fee, percent: int) -> int:
    return round_minor(Decimal(fee.payment_cents) * percent / 100, "USD")


def _greater_of(flat: int, percent: int) -> Callable[[Fee], int]:
    return lambda fee: max(flat, _percent_of_payment(fee, percent))


def _florida(fee: Fee) -> int:
    if fee.payment_cents <= 5_000:
        return 2_500
    if fee.payment_cents <= 30_000:
        return 3_000
    return max(4_000, _percent_of_payment(fee, 5))


# L4: the largest NSF fee per state, in cents, as a function of the fee (unverified: check each statute).
NSF_FEE_CAPS: dict[str, tuple[Callable[[Fee], int], str]] = {
    "CA": (
        lambda fee: 2_500 if fee.earlier_nsf_fees == 0 else 3_500,
        "$25 the first time, $35 after (Cal. Civ. Code 1719)",
    ),
    "FL": (_florida, "$25 up to $50, $30 up to $300, else the greater of $40 or 5% (Fla. Stat. 68.065)"),
    "GA": (_greater_of(3_000, 5), "the greater of $30 or 5%"),
    "NY": (lambda fee: 2_000, "$20"),
    "TX": (lambda fee: 3_000, "$30"),
    "KY": (lambda fee: 5_000, "$50"),
    "VA": (lambda fee: 5_000, "$50"),
    "CO": (lambda fee: 2_000, "$20"),
    "MA": (lambda fee: 2_500, "$25"),
}


def nsf_fee_cap(state: str, fee: Fee) -> int | None:
    """The state's cap for this NSF fee in cents, or None when the table has no cap for the state."""
    entry = NSF_FEE_CAPS.get(state)
    return entry[0](fee) if entry else None


def fee_check(fee: Fee, facts: DebtorFacts) -> list[Violation]:
    """Every reason the fee may not be charged; empty when it may."""
    found = []
    if fee.amount_cents <= 0:
        raise ValueError("a fee is a positive amount")
    if not fee.clause.strip():
        found.append(violation("L1", f"A {fee.kind} fee needs the clause or statute that authorises it."))
    if fee.kind == FeeKind.CONVENIENCE and facts.consumer:
        found.append(violation("F16", "A pay-to-pay (convenience) fee on a consumer debt has been held unlawful."))
    if fee.kind == FeeKind.NSF:
        cap = nsf_fee_cap(facts.state, fee)
        if cap is not None and fee.amount_cents > cap:
            found.append(
                violation(
                    "L4",
                    f"{facts.state} caps this returned-payment fee at {NSF_FEE_CAPS[facts.state][1]}"
                    f" ({format_minor(cap, 'USD')} here).",
                )
            )
    return found
