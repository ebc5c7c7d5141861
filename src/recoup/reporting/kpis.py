"""KPI inputs gathered from the ledger, and KPIs computed by ``recoup.core.kpis``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from recoup.core.kpis import KpiInputs, Kpis, compute_kpis
from recoup.ledger.models import Invoice
from recoup.organisations.models import Organisation
from recoup.organisations.selectors import balance_sheet_latest
from recoup.reporting.aging import aging_totals

DEFAULT_PERIOD_DAYS = 90


def credit_sales(organisation: Organisation, start_exclusive: date, end_inclusive: date) -> dict[str, int]:
    """Invoiced amounts per currency with an issue date in (start, end]."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT currency, SUM(amount_cents) FROM {Invoice._meta.db_table} "
            "WHERE organisation_id = %s AND issue_date > %s AND issue_date <= %s GROUP BY currency",
            [
                organisation.id,
                connection.ops.adapt_datefield_value(start_exclusive),
                connection.ops.adapt_datefield_value(end_inclusive),
            ],
        )
        return {currency: int(total) for currency, total in cursor.fetchall()}


def kpis_get(organisation: Organisation, as_of: date, period_days: int = DEFAULT_PERIOD_DAYS) -> list[Kpis]:
    """KPIs per currency for the period of ``period_days`` ending on ``as_of``."""
    if period_days < 1:
        raise ValueError("--period-days must be at least 1")
    start = as_of - timedelta(days=period_days)
    end_totals = {r.currency: r for r in aging_totals(organisation, as_of)}
    start_totals = {r.currency: r for r in aging_totals(organisation, start)}
    sales = credit_sales(organisation, start, as_of)
    currencies = sorted(set(end_totals) | set(start_totals) | set(sales), key=lambda c: (c != organisation.currency, c))
    if not currencies:
        currencies = [organisation.currency]
    results = []
    for currency in currencies:
        end, begin = end_totals.get(currency), start_totals.get(currency)
        sheet = balance_sheet_latest(organisation=organisation, currency=currency, as_of=as_of)
        results.append(
            compute_kpis(
                KpiInputs(
                    currency=currency,
                    as_of=as_of,
                    period_days=period_days,
                    open_ar=end.total_open if end else 0,
                    current_ar=end.current if end else 0,
                    past_due_ar=end.past_due if end else 0,
                    over_90_ar=end.over_90 if end else 0,
                    open_ar_start=begin.total_open if begin else 0,
                    credit_sales=sales.get(currency, 0),
                    current_assets=sheet.current_assets_cents if sheet else None,
                    current_liabilities=sheet.current_liabilities_cents if sheet else None,
                )
            )
        )
    return results
