"""KPIs checked by hand against the ROADMAP formulas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recoup.core.kpis import KpiInputs, compute_kpis


def test_kpis_by_hand():
    # Period of 30 days. Start AR $10,000; sales $30,000; end AR $12,000 of which $8,000 current,
    # $4,000 past due and $1,000 more than 90 days past due.
    k = compute_kpis(
        KpiInputs(
            "USD",
            date(2026, 6, 30),
            30,
            open_ar=1_200_000,
            current_ar=800_000,
            past_due_ar=400_000,
            over_90_ar=100_000,
            open_ar_start=1_000_000,
            credit_sales=3_000_000,
            current_assets=5_000_000,
            current_liabilities=2_000_000,
        )
    )
    assert k.dso == Decimal("12.00")  # 12,000 / 30,000 * 30
    assert k.best_possible_dso == Decimal("8.00")  # 8,000 / 30,000 * 30
    assert k.add == Decimal("4.00")
    # CEI = (10,000 + 30,000 - 12,000) / (10,000 + 30,000 - 8,000) * 100 = 28,000 / 32,000 = 87.5%
    assert k.cei == Decimal("87.50")
    assert k.pct_over_90 == Decimal("8.33")  # 1,000 / 12,000
    assert k.ar_turnover == Decimal("2.73")  # 30,000 / 11,000
    assert k.ar_turnover_annualised == Decimal("33.18")
    assert k.working_capital == 3_000_000


def test_undefined_ratios_are_none_not_zero():
    k = compute_kpis(KpiInputs("USD", date(2026, 6, 30), 30, 0, 0, 0, 0, 0, 0))
    assert (k.dso, k.best_possible_dso, k.add, k.cei, k.pct_over_90, k.ar_turnover) == (None,) * 6
    assert k.working_capital is None


def test_perfect_collection_gives_cei_100():
    k = compute_kpis(
        KpiInputs(
            "USD",
            date(2026, 6, 30),
            30,
            open_ar=500,
            current_ar=500,
            past_due_ar=0,
            over_90_ar=0,
            open_ar_start=1000,
            credit_sales=2000,
        )
    )
    assert k.cei == Decimal("100.00")
    assert k.add == Decimal("0.00")
