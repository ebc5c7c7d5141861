"""Taking daily snapshots, and reading KPI trends from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from recoup.core.aging import BucketScheme
from recoup.core.kpis import KpiInputs, Kpis, compute_kpis
from recoup.ledger.models import Invoice
from recoup.organisations.models import Organisation
from recoup.reporting.aging import aging_totals
from recoup.reporting.kpis import credit_sales
from recoup.reporting.models import DailySnapshot


@transaction.atomic
def snapshot_take(organisation: Organisation, as_of: date) -> list[DailySnapshot]:
    """Store (or replace) the snapshot of ``as_of`` for every currency with open AR or sales that day.

    Taken for today, it also rolls every customer balance forward to today, so their aging buckets age
    with the calendar even on a day when nothing is imported."""
    from recoup.clock import today
    from recoup.ledger.services import customer_balances_refresh

    if as_of == today(organisation.timezone):
        customer_balances_refresh(organisation_id=organisation.id, as_of=as_of)
    totals = {r.currency: r for r in aging_totals(organisation, as_of)}
    sales = credit_sales(organisation, as_of - timedelta(days=1), as_of)
    taken_at = timezone.now()
    snapshots = []
    invoiced = set(Invoice.objects.filter(organisation=organisation).values_list("currency", flat=True).distinct())
    for currency in sorted(set(totals) | set(sales) | invoiced | {organisation.currency}):
        report = totals.get(currency)
        labels = report.labels if report else BucketScheme(tuple(organisation.aging_edges)).labels()
        snapshot, _ = DailySnapshot.objects.update_or_create(
            organisation=organisation,
            currency=currency,
            as_of=as_of,
            defaults={
                "open_cents": report.total_open if report else 0,
                "current_cents": report.current if report else 0,
                "past_due_cents": report.past_due if report else 0,
                "over_90_cents": report.over_90 if report else 0,
                "bucket_labels": labels,
                "bucket_cents": report.totals if report else [0] * len(labels),
                "open_items": report.open_items if report else 0,
                "sales_cents": sales.get(currency, 0),
                "taken_at": taken_at,
            },
        )
        snapshots.append(snapshot)
    return snapshots


def snapshots_backfill(organisation: Organisation, start: date, end: date, progress=None) -> int:
    """Take the snapshot of every day from ``start`` to ``end``; returns the number of days."""
    days = (end - start).days + 1
    for offset in range(days):
        snapshot_take(organisation, start + timedelta(days=offset))
        if progress:
            progress(1)
    return max(days, 0)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    as_of: date
    kpis: Kpis
    buckets: dict[str, int]


def kpi_trend(organisation: Organisation, currency: str, start: date, end: date, period_days: int) -> list[TrendPoint]:
    """KPIs for each snapshotted day in [start, end], computed from snapshots alone.

    A day's DSO needs the sales of the ``period_days`` before it and the open AR at the period's start;
    days whose period reaches before the first snapshot are left out rather than shown wrong.
    """
    rows = list(
        DailySnapshot.objects.filter(
            organisation=organisation,
            currency=currency,
            as_of__gte=start - timedelta(days=period_days),
            as_of__lte=end,
        ).order_by("as_of")
    )
    by_day = {s.as_of: s for s in rows}
    points = []
    for snapshot in rows:
        if snapshot.as_of < start:
            continue
        period_start = snapshot.as_of - timedelta(days=period_days)
        begin = by_day.get(period_start)
        window = [by_day.get(period_start + timedelta(days=i)) for i in range(1, period_days + 1)]
        if begin is None or any(day is None for day in window):
            continue
        kpis = compute_kpis(
            KpiInputs(
                currency=currency,
                as_of=snapshot.as_of,
                period_days=period_days,
                open_ar=snapshot.open_cents,
                current_ar=snapshot.current_cents,
                past_due_ar=snapshot.past_due_cents,
                over_90_ar=snapshot.over_90_cents,
                open_ar_start=begin.open_cents,
                credit_sales=sum(day.sales_cents for day in window),
            )
        )
        points.append(
            TrendPoint(snapshot.as_of, kpis, dict(zip(snapshot.bucket_labels, snapshot.bucket_cents, strict=False)))
        )
    return points
