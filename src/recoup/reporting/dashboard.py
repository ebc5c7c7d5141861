"""What the owner's dashboard shows: headline KPIs with their change, aging over time, worst accounts.

Everything comes from the daily snapshots and the customer balances, so the page costs a few indexed
queries however large the ledger. Without snapshots (a ledger imported today), the KPIs are computed
from the ledger instead and the page says how to get trends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F

from recoup.core.kpis import Kpis
from recoup.ledger.models import CustomerBalance
from recoup.ledger.selectors import balance_currencies, past_due_by_customer
from recoup.organisations.models import Organisation
from recoup.reporting.kpis import kpis_get
from recoup.reporting.models import DailySnapshot
from recoup.reporting.snapshots import TrendPoint, kpi_trend, snapshot_take

KPI_PERIOD_DAYS = 30
CHANGE_DAYS = 30
TREND_DAYS = 180
TOP_CUSTOMERS = 10


@dataclass(slots=True)
class Dashboard:
    organisation: Organisation
    currency: str
    currencies: list[str]
    as_of: date
    now: Kpis
    before: Kpis | None
    trend: list[TrendPoint] = field(default_factory=list)
    bucket_labels: list[str] = field(default_factory=list)
    bucket_totals: list[int] = field(default_factory=list)
    top_customers: list[dict] = field(default_factory=list)
    from_snapshots: bool = True


def dashboard_get(organisation: Organisation, as_of: date, currency: str | None = None) -> Dashboard:
    currencies = sorted(
        set(DailySnapshot.objects.filter(organisation=organisation).values_list("currency", flat=True))
        | set(balance_currencies(organisation))
        | {organisation.currency},
        key=lambda c: (c != organisation.currency, c),
    )
    currency = currency if currency in currencies else organisation.currency
    today_snapshot = DailySnapshot.objects.filter(organisation=organisation, currency=currency, as_of=as_of).first()
    if today_snapshot is None:
        snapshot_take(organisation, as_of)
        today_snapshot = DailySnapshot.objects.filter(organisation=organisation, currency=currency, as_of=as_of).first()
    trend = kpi_trend(organisation, currency, as_of - timedelta(days=TREND_DAYS), as_of, KPI_PERIOD_DAYS)
    by_day = {p.as_of: p for p in trend}
    now, before = by_day.get(as_of), by_day.get(as_of - timedelta(days=CHANGE_DAYS))
    from_snapshots = now is not None
    if now is None:
        live = {k.currency: k for k in kpis_get(organisation, as_of, KPI_PERIOD_DAYS)}
        now = live.get(currency) or next(iter(live.values()))
    kpis_now = now.kpis if isinstance(now, TrendPoint) else now
    kpis_before = before.kpis if before else None
    return Dashboard(
        organisation=organisation,
        currency=currency,
        currencies=currencies,
        as_of=as_of,
        now=kpis_now,
        before=kpis_before,
        trend=trend,
        bucket_labels=list(today_snapshot.bucket_labels) if today_snapshot else [],
        bucket_totals=list(today_snapshot.bucket_cents) if today_snapshot else [],
        top_customers=_top_past_due(organisation, currency, as_of),
        from_snapshots=from_snapshots,
    )


def _top_past_due(organisation: Organisation, currency: str, as_of: date) -> list[dict]:
    """The customers with the most money past due: candidates by balance among those with anything
    overdue, then their exact past-due amounts."""
    candidates = list(
        CustomerBalance.objects.filter(organisation=organisation, currency=currency, oldest_due_date__lt=as_of)
        .select_related("customer")
        .order_by("-open_cents")[: TOP_CUSTOMERS * 5]
        .values("customer_id", "customer__name", "customer__external_id", "open_cents", oldest=F("oldest_due_date"))
    )
    past_due = past_due_by_customer([c["customer_id"] for c in candidates], currency, as_of)
    for candidate in candidates:
        candidate["past_due"] = past_due.get(candidate["customer_id"], 0)
    candidates.sort(key=lambda c: -c["past_due"])
    return [c for c in candidates if c["past_due"] > 0][:TOP_CUSTOMERS]
