"""``recoup import invoices|payments FILE``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from recoup.cli.common import (
    DatabaseUrl,
    OrgSlug,
    RichProgress,
    bootstrap,
    cli_actor,
    console,
    err_console,
    fail,
    organisation,
)
from recoup.core.money import decimal_string

app = typer.Typer(help="Import invoices or payments from CSV or XLSX.", no_args_is_help=True)

ERRORS_SHOWN = 50


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


Profile = Annotated[str, typer.Option("--profile", "-p", help="Column profile: generic or ibm-ar.")]
Maps = Annotated[
    list[str] | None,
    typer.Option("--map", "-m", help="COLUMN=field, e.g. 'Cust No=customer_id'. Repeatable."),
]
Quarantine = Annotated[
    Path | None, typer.Option("--quarantine", help="Import the good rows; write the bad ones to this CSV.")
]
DateFormat = Annotated[
    str | None,
    typer.Option("--date-format", help="strptime format when dates are not ISO or US, e.g. %d/%m/%Y."),
]
Sheet = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet name (default: the first).")]
Fmt = Annotated[ReportFormat, typer.Option("--format", "-f", help="table or json.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check everything and say what would happen; write nothing.")]


def _run(
    kind: str, file: Path, profile: str, maps, quarantine, date_format, sheet, org, fmt, database_url, dry_run=False
) -> None:
    if not file.exists():
        raise fail(f"{file}: no such file")
    bootstrap(database_url)
    from recoup.imports.services import ImportFailed, import_invoices, import_payments

    runner = import_invoices if kind == "invoices" else import_payments
    creditor = organisation(org)
    try:
        with RichProgress() as progress:
            report = runner(
                organisation=creditor,
                path=file,
                profile=profile,
                mappings=maps or [],
                quarantine=quarantine,
                dry_run=dry_run,
                date_format=date_format,
                sheet=sheet,
                progress=progress,
                actor=cli_actor(),
            )
    except ImportFailed as exc:
        if fmt is ReportFormat.JSON:
            console.print_json(
                json.dumps({"applied": False, "message": str(exc), "errors": [e._asdict() for e in exc.errors]})
            )
        else:
            _print_errors(exc.errors)
        raise fail(str(exc)) from None
    if fmt is ReportFormat.JSON:
        document = {
            "applied": report.applied,
            "file": report.file_name,
            "profile": report.profile,
            "encoding": report.encoding,
            **report.counts(),
            "unapplied": {c: decimal_string(v, c) for c, v in report.unapplied_cents.items()},
            "quarantine_file": report.quarantine_file or None,
            "errors": [e._asdict() for e in report.errors],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _print_summary(report)
    if report.dry_run:
        raise typer.Exit(1 if report.errors else 0)
    if not report.applied:
        raise typer.Exit(1)


def _print_errors(errors) -> None:
    if not errors:
        return
    from rich.table import Table

    table = Table(title=f"{len(errors):,} problem(s)", title_justify="left", header_style="bold")
    for column in ("Line", "Column", "Value", "Reason"):
        table.add_column(column, justify="right" if column == "Line" else "left")
    for error in errors[:ERRORS_SHOWN]:
        table.add_row(str(error.line), error.column, error.value, error.reason)
    err_console.print(table)
    if len(errors) > ERRORS_SHOWN:
        err_console.print(f"… and {len(errors) - ERRORS_SHOWN:,} more: use --format json to see them all.")


def _print_summary(report) -> None:
    _print_errors(report.errors)
    if report.dry_run:
        console.print(
            f"[yellow]Dry run, nothing written:[/yellow] {report.rows:,} rows read; the good rows would give "
            f"{report.kind} created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}; "
            f"{report.rejected:,} rows have problems."
        )
        return
    if not report.applied:
        err_console.print(
            f"[red]Nothing was imported:[/red] {report.rejected:,} of {report.rows:,} rows have problems. "
            "Fix them and import again, or pass --quarantine BAD.csv to import the good rows."
        )
        return
    noun = report.kind
    console.print(
        f"[green]Imported[/green] {report.file_name}: {report.rows:,} rows read; {noun} created "
        f"{report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
        f"rejected {report.rejected:,}"
        + (f", exact repeats skipped {report.duplicates:,}" if report.duplicates else "")
    )
    if report.kind == "invoices":
        console.print(
            f"Customers created {report.customers_created:,}, updated {report.customers_updated:,}; "
            f"contact points added {report.contacts_created:,}."
        )
    if report.payments_created:
        console.print(
            f"Payments recorded {report.payments_created:,}; applied in {report.allocations_created:,} allocation(s)."
        )
    for currency, cents in report.unapplied_cents.items():
        from recoup.core.money import format_minor

        console.print(f"Unapplied cash: {format_minor(cents, currency)} (no open invoice to apply it to).")
    if report.quarantine_file:
        console.print(f"[yellow]Bad rows written to {report.quarantine_file}[/yellow]")


@app.command("invoices")
def invoices(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file")],
    profile: Profile = "generic",
    maps: Maps = None,
    quarantine: Quarantine = None,
    date_format: DateFormat = None,
    sheet: Sheet = None,
    org: OrgSlug = None,
    fmt: Fmt = ReportFormat.TABLE,
    dry_run: DryRun = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import invoices (and their customers and contact points)."""
    _run("invoices", file, profile, maps, quarantine, date_format, sheet, org, fmt, database_url, dry_run)


@app.command("payments")
def payments(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file")],
    profile: Profile = "generic",
    maps: Maps = None,
    quarantine: Quarantine = None,
    date_format: DateFormat = None,
    sheet: Sheet = None,
    org: OrgSlug = None,
    fmt: Fmt = ReportFormat.TABLE,
    dry_run: DryRun = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import payments and apply them to open invoices."""
    _run("payments", file, profile, maps, quarantine, date_format, sheet, org, fmt, database_url, dry_run)
