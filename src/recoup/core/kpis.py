"""Receivables KPIs, each defined once (ROADMAP "Formulas").

For a period of N days ending on the as-of date D:

* DSO = AR open at D / credit sales in the period x N
* best possible DSO = current (not past due) AR at D / credit sales x N
* ADD (average days delinquent) = DSO - best possible DSO
* CEI = (AR at start + credit sales - AR at D) / (AR at start + credit sales - current AR at D) x 100
* AR turnover = credit sales / average of AR at start and AR at D (for the period; x 365/N annualised)
* % over 90 = AR more than 90 days past due / AR open at D x 100
* working capital = current assets - current liabilities, when the business has entered them

"AR at start" is the open AR at the end of the day before the period began (D - N). A ratio whose
denominator is zero is ``None``, not zero or infinity: it means "not defined for this ledger".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

RATIO_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class KpiInputs:
    """Aggregates of one currency's ledger, all amounts in minor units.

    Attributes:
        as_of: last day of the period (D).
        period_days: N.
        open_ar: AR open at D.
        current_ar: part of ``open_ar`` not yet past due at D.
        past_due_ar: part of ``open_ar`` past due at D.
        over_90_ar: part of ``open_ar`` more than 90 days past due at D.
        open_ar_start: AR open at D - N.
        credit_sales: amount of invoices issued in (D - N, D].
        current_assets, current_liabilities: as entered by the business, if at all.
    """

    currency: str
    as_of: date
    period_days: int
    open_ar: int
    current_ar: int
    past_due_ar: int
    over_90_ar: int
    open_ar_start: int
    credit_sales: int
    current_assets: int | None = None
    current_liabilities: int | None = None


@dataclass(frozen=True, slots=True)
class Kpis:
    currency: str
    as_of: date
    period_days: int
    open_ar: int
    past_due_ar: int
    current_ar: int
    credit_sales: int
    open_ar_start: int
    pct_over_90: Decimal | None
    dso: Decimal | None
    best_possible_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    ar_turnover: Decimal | None
    ar_turnover_annualised: Decimal | None
    working_capital: int | None


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def compute_kpis(inputs: KpiInputs) -> Kpis:
    if inputs.period_days < 1:
        raise ValueError("the KPI period must be at least one day")
    n = inputs.period_days
    sales = inputs.credit_sales
    dso = _ratio(inputs.open_ar * n, sales)
    best = _ratio(inputs.current_ar * n, sales)
    # ADD from the rounded figures, so the three shown side by side always add up.
    add = None if dso is None or best is None else _rounded(dso) - _rounded(best)
    collectable = inputs.open_ar_start + sales
    cei = _ratio((collectable - inputs.open_ar) * 100, collectable - inputs.current_ar)
    average_ar = Decimal(inputs.open_ar_start + inputs.open_ar) / 2
    turnover = _ratio(sales, average_ar)
    annualised = None if turnover is None else turnover * Decimal(365) / Decimal(n)
    working_capital = None
    if inputs.current_assets is not None and inputs.current_liabilities is not None:
        working_capital = inputs.current_assets - inputs.current_liabilities
    return Kpis(
        currency=inputs.currency,
        as_of=inputs.as_of,
        period_days=n,
        open_ar=inputs.open_ar,
        past_due_ar=inputs.past_due_ar,
        current_ar=inputs.current_ar,
        credit_sales=sales,
        open_ar_start=inputs.open_ar_start,
        pct_over_90=_rounded(_ratio(inputs.over_90_ar * 100, inputs.open_ar)),
        dso=_rounded(dso),
        best_possible_dso=_rounded(best),
        add=_rounded(add),
        cei=_rounded(cei),
        ar_turnover=_rounded(turnover),
        ar_turnover_annualised=_rounded(annualised),
        working_capital=working_capital,
    )
