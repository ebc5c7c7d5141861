"""``recoup cycle``: run the collection cycle (or show its plan), and ``recoup outbox send``."""

from __future__ import annotations

from typing import Annotated

import typer

from recoup.cli.common import (
    AsOf,
    DatabaseUrl,
    Format,
    FormatOption,
    OrgSlug,
    OutputFile,
    RichProgress,
    emit,
    err_console,
    open_organisation,
)

PLAN_ROWS = 200
HEADERS = ["Customer", "Currency", "Oldest due", "Days", "Open", "Step", "Channel", "Status", "Why"]
WOULD = {"sent": "would send", "queued": "would print", "task": "would queue a call"}


def _status_words(status: str, dry_run: bool) -> str:
    return WOULD.get(status, status) if dry_run else status


def cycle(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and the guard's answers only.")] = False,
    as_of: AsOf = None,
    fmt: FormatOption = Format.TABLE,
    output: OutputFile = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Plan rows shown in a table (0: all).")] = PLAN_ROWS,
    any_hour: Annotated[
        bool, typer.Option("--any-hour", help="Send new reminders even before the organisation's send hour.")
    ] = False,
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """Plan every account's next reminder, pass each through the compliance guard, and send. Safe to run
    again (nothing is sent twice) and after missed days (only the step due now goes out)."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.core.money import to_decimal
    from recoup.outreach.cycle import cycle_run
    from recoup.reporting.exports import Table

    with RichProgress() as progress:
        result = cycle_run(creditor, day, dry_run=dry_run, progress=progress, any_hour=any_hour)
    rows = []
    for touch in result.touches:
        occurrence = touch.plan.touch
        state = touch.account.state
        rows.append(
            [
                touch.account.name,
                state.currency,
                state.anchor_due,
                (day - state.anchor_due).days,
                to_decimal(state.open_cents, state.currency),
                occurrence.describe(),
                occurrence.step.channel.value,
                _status_words(touch.status, dry_run),
                touch.reason,
            ]
        )
    plan_table = Table(
        f"{'Plan' if dry_run else 'Touches'} for {day.isoformat()} ({len(rows):,} accounts with a step due)",
        HEADERS,
        rows if fmt is not Format.TABLE or not limit else rows[:limit],
        money=frozenset({"Open"}),
    )
    if fmt is Format.TABLE:
        # On screen: the columns a person reads; the files keep them all.
        from recoup.reporting.exports import without_columns

        plan_table = without_columns(plan_table, {"Currency", "Oldest due"})
    summary = Table(
        "Summary",
        ["Measure", "Count"],
        [["accounts", result.accounts]]
        + [[f"plan: {name}", count] for name, count in sorted(result.outcomes.items())]
        + [[f"touch: {name}", count] for name, count in sorted(result.statuses.items())]
        + [[f"sent by {name}", count] for name, count in sorted(result.by_channel.items())]
        + [[f"blocked by {rule}", count] for rule, count in result.blocked_by_rule.most_common()]
        + [["calls: opened a reminder, still unpaid", result.opened_calls]]
        + ([] if dry_run else [["deferred retried", result.retried], ["emails/texts delivered", result.delivered]]),
    )
    document = {
        "as_of": day.isoformat(),
        "dry_run": dry_run,
        "accounts": result.accounts,
        "outcomes": dict(result.outcomes),
        "statuses": dict(result.statuses),
        "sent_by_channel": dict(result.by_channel),
        "blocked_by_rule": dict(result.blocked_by_rule),
        "delivered": result.delivered,
        "opened_unpaid_calls": result.opened_calls,
        "seconds": round(result.seconds, 3),
        "touches": [dict(zip(HEADERS, [str(v) for v in row], strict=True)) for row in rows],
    }
    emit([summary, plan_table], document, fmt, output)
    if fmt is Format.TABLE and limit and len(rows) > limit:
        err_console.print(f"(showing {limit:,} of {len(rows):,}; --limit 0 or --format csv for all)")
    if result.before_send_hour:
        err_console.print(
            "Before the send hour: only deferred touches and the outbox were handled; new reminders wait."
        )
    err_console.print(
        f"{result.accounts:,} accounts planned in {result.plan_seconds:.2f} s "
        f"({result.accounts_per_second:,.0f} accounts/s); total {result.seconds:.2f} s"
    )
