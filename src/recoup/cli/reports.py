"""``recoup report aging|kpis|trend``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from recoup.cli.common import (
    AsOf,
    DatabaseUrl,
    Format,
    FormatOption,
    OrgSlug,
    OutputFile,
    console,
    emit,
    fail,
    open_organisation,
    rich_table,
)

app = typer.Typer(help="Aging, KPIs and trends.", no_args_is_help=True)


@app.command("aging")
def aging(
    as_of: AsOf = None,
    by: Annotated[str, typer.Option("--by", help="customer or invoice")] = "customer",
    basis: Annotated[str, typer.Option("--basis", help="due (days past due) or invoice (days since issue)")] = "due",
    buckets: Annotated[str | None, typer.Option("--buckets", help="Bucket edges in days, e.g. 30,60,90,120")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency")] = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Table format: show only the N largest past-due rows")
    ] = None,
    fmt: FormatOption = Format.TABLE,
    output: OutputFile = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Open receivables by aging bucket, per customer (with contact details) or per invoice."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.core.aging import AgingBasis, BucketScheme, BucketSchemeError
    from recoup.reporting.aging import AgingBy, aging_report
    from recoup.reporting.exports import aging_json, aging_table, without_columns

    try:
        scheme = BucketScheme.parse(buckets) if buckets else BucketScheme(tuple(creditor.aging_edges))
        chosen_by, chosen_basis = AgingBy(by), AgingBasis(basis)
    except (BucketSchemeError, ValueError) as exc:
        raise fail(str(exc)) from None
    reports = aging_report(creditor, day, scheme, chosen_basis, chosen_by, currency.upper() if currency else None)
    tables = [aging_table(r) for r in reports]
    if fmt is Format.TABLE and output is None:
        # On screen, leave out the contact columns (CSV, JSON and XLSX keep them) so the buckets fit; on a
        # narrow terminal the customer id and oldest due date go too.
        hidden = {"Email", "Phone", "Address"}
        if console.width < 150:
            hidden |= {"Customer ID", "Oldest due", "Past due"}
        for report, table in zip(reports, tables, strict=True):
            if console.width < 110:
                # Too narrow for a column per bucket: the buckets' totals as a list, then name and totals.
                hidden = {h for h in table.headers if h not in {"Name", "Current", "Past due", "Total"}}
                from recoup.core.money import format_minor

                console.print(table.title)
                for label, total in zip(report.labels, report.totals, strict=True):
                    console.print(f"  {label:>8}  {format_minor(total, report.currency):>18}")
                table.title = ""
            if top is not None:
                order = sorted(range(len(report.rows)), key=lambda i: -report.rows[i].past_due)[:top]
                table.rows = [table.rows[i] for i in order]
            console.print(rich_table(without_columns(table, hidden)))
            if top is not None:
                console.print(f"{len(report.rows):,} rows in all; showing the {len(table.rows)} with most past due.")
        return
    emit(tables, aging_json(reports), fmt, output)


@app.command("kpis")
def kpis(
    as_of: AsOf = None,
    period_days: Annotated[int, typer.Option("--period-days", help="Length of the period in days")] = 90,
    fmt: FormatOption = Format.TABLE,
    output: OutputFile = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Open AR, past due, % over 90, DSO, best possible DSO, ADD, CEI, AR turnover, working capital."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.reporting.exports import kpis_json, kpis_table
    from recoup.reporting.kpis import kpis_get

    if period_days < 1:
        raise fail("--period-days must be at least 1")
    results = kpis_get(creditor, day, period_days)
    emit([kpis_table(k) for k in results], kpis_json(results), fmt, output)


@app.command("trend")
def trend(
    as_of: AsOf = None,
    days: Annotated[int, typer.Option("--days", help="How many days back")] = 90,
    period_days: Annotated[int, typer.Option("--period-days")] = 30,
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    fmt: FormatOption = Format.TABLE,
    output: OutputFile = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """KPIs day by day, read from the daily snapshots (take them with `recoup snapshot`)."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.core.money import to_decimal
    from recoup.reporting.exports import Table, kpis_document
    from recoup.reporting.snapshots import kpi_trend

    code = (currency or creditor.currency).upper()
    points = kpi_trend(creditor, code, day - timedelta(days=days), day, period_days)
    if not points:
        raise fail(
            f"no snapshots cover the last {days} days with a {period_days}-day period: "
            f"run `recoup snapshot --backfill-days {days + period_days}`",
            code=1,
        )
    headers = ["Date", "Open AR", "Past due", "% over 90", "DSO", "Best DSO", "ADD", "CEI"]
    rows = [
        [
            p.as_of.isoformat(),
            to_decimal(p.kpis.open_ar, code),
            to_decimal(p.kpis.past_due_ar, code),
            p.kpis.pct_over_90,
            p.kpis.dso,
            p.kpis.best_possible_dso,
            p.kpis.add,
            p.kpis.cei,
        ]
        for p in points
    ]
    table = Table(
        f"Trend to {day.isoformat()} ({code}, {period_days}-day DSO/CEI)",
        headers,
        rows,
        frozenset({"Open AR", "Past due"}),
    )
    emit([table], [kpis_document(p.kpis) for p in points], fmt, output)
