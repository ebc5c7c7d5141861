"""Collection-cycle benchmark: ``recoup cycle --dry-run`` over the demo portfolio (planning every account,
the guard's facts loaded and checked for each account with a step due), against a raw SQL selection of the
accounts with an invoice due (the cron-job baseline) on the same database.

Two days are measured. Day 1 is the worst case: a portfolio never chased before, where most accounts have
a step due at once. Day 2 is the daily steady state: the touches and contact attempts of day 1 are written
as a real run writes them (bulk-inserted here, which is what keeps the benchmark minutes, not hours), and
the next day is planned.

Run after the aging benchmark's demo load, on the same database, with setup(migrate=False).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from bench.common import setup


def _summary(result) -> dict:
    return {
        "accounts": result.accounts,
        "seconds": result.plan_seconds,
        "accounts_per_second": result.accounts_per_second,
        "touches_checked": len(result.touches),
        "outcomes": {str(k): v for k, v in result.outcomes.items()},  # plain str: the parent has no Django
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "blocked_by_rule": dict(result.blocked_by_rule),
    }


def _record_day(organisation, result) -> int:
    """Write day 1's touches and attempts the way a real run records them (without rendering messages)."""
    from recoup.compliance.models import AttemptSource, ContactAttempt
    from recoup.outreach.models import Touch, TouchStatus

    touches, attempts = [], []
    for planned in result.touches:
        state, occurrence = planned.account.state, planned.plan.touch
        touches.append(
            Touch(
                organisation=organisation,
                customer_id=state.customer_id,
                currency=state.currency,
                period=state.anchor_due,
                ladder_key=planned.ladder_key,
                step_key=occurrence.step.key,
                attempt=occurrence.attempt,
                step_name=occurrence.describe(),
                channel=occurrence.step.channel.value,
                planned_on=result.as_of,
                status=planned.status,
                amount_cents=state.open_cents,
                reason=planned.reason[:400],
                created_at=result.at,
                done_at=result.at,
            )
        )
        if planned.status in (TouchStatus.SENT, TouchStatus.QUEUED):
            attempts.append(
                ContactAttempt(
                    organisation=organisation,
                    customer_id=state.customer_id,
                    channel=occurrence.step.channel.value,
                    attempted_at=result.at,
                    source=AttemptSource.CYCLE,
                )
            )
    Touch.objects.bulk_create(touches, batch_size=5_000)
    ContactAttempt.objects.bulk_create(attempts, batch_size=5_000)
    return len(touches)


def measure(database_url: str, as_of: str) -> dict:
    organisation = setup(database_url, migrate=False)
    from recoup.outreach.accounts import due_accounts_baseline
    from recoup.outreach.cycle import cycle_run

    day = date.fromisoformat(as_of)
    best_baseline, found = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        found = due_accounts_baseline(organisation, day)
        best_baseline = min(best_baseline, time.perf_counter() - started)
    first = min((cycle_run(organisation, day, dry_run=True) for _ in range(2)), key=lambda r: r.plan_seconds)
    recorded = _record_day(organisation, first)
    following = day + timedelta(days=1)
    second = min((cycle_run(organisation, following, dry_run=True) for _ in range(2)), key=lambda r: r.plan_seconds)
    return {
        "day1": _summary(first),
        "day2": _summary(second) | {"touches_recorded_on_day1": recorded},
        "baseline_seconds": best_baseline,
        "baseline_accounts": found,
    }
