"""What every command shares: the database option, the organisation option, output and progress."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="DATABASE_URL", help="Database URL (default sqlite:///recoup.db)."),
]
OrgSlug = Annotated[str | None, typer.Option("--org", help="Organisation slug, when there are several.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")]
OutputFile = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.")]


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, csv, json or xlsx.")]


def cli_actor() -> str:
    """How the audit log names work done from the command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def bootstrap(database_url: str | None) -> None:
    from recoup.config.bootstrap import setup_django

    setup_django(database_url)


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def organisation(slug: str | None):
    from recoup.organisations.selectors import OrganisationNotFound, organisation_get

    try:
        return organisation_get(slug=slug)
    except OrganisationNotFound as exc:
        raise fail(str(exc)) from None


def open_organisation(database_url: str | None, slug: str | None, as_of: str | None):
    """What most commands start with: Django on the chosen database, the organisation, the as-of date."""
    bootstrap(database_url)
    creditor = organisation(slug)
    return creditor, as_of_date(as_of, creditor)


def as_of_date(text: str | None, org) -> date:
    from recoup.clock import today

    if not text:
        return today(org.timezone)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of {text!r} is not a date in the form YYYY-MM-DD") from None
    if not 1900 <= day.year <= 2999:
        raise fail("--as-of must be between 1900-01-01 and 2999-12-31")
    return day


def emit(tables, document, fmt: Format, output: Path | None) -> None:
    """Write a report in the chosen format to ``output`` or the screen."""
    from recoup.reporting.exports import write_csv, write_xlsx

    if fmt is Format.XLSX:
        if output is None:
            raise fail("--format xlsx needs --output FILE.xlsx")
        write_xlsx(tables, output)
        err_console.print(f"Wrote {output}")
        return
    if fmt is Format.JSON:
        text = json.dumps(document, indent=2, ensure_ascii=False)
        _write_text(text + "\n", output)
    elif fmt is Format.CSV:
        if output is None:
            write_csv(tables, sys.stdout)
        else:
            with output.open("w", newline="", encoding="utf-8") as handle:
                write_csv(tables, handle)
    else:
        target = Console(file=output.open("w", encoding="utf-8"), width=200) if output else console
        for table in tables:
            target.print(rich_table(table))


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def rich_table(table, limit: int | None = None) -> RichTable:
    from decimal import Decimal

    from rich import box

    view = RichTable(title=table.title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    rows = table.rows if limit is None else table.rows[:limit]
    shown = [[_cell(v) for v in row] for row in rows]
    footer = [_cell(v) for v in table.footer] if table.footer else None
    numeric = [
        bool(table.rows) and all(isinstance(row[i], (int, Decimal)) or row[i] in ("", None) for row in table.rows)
        for i in range(len(table.headers))
    ]
    for index, header in enumerate(table.headers):
        if numeric[index] or header in table.money:
            # Amounts are never wrapped or cut: the column is as wide as its widest figure.
            widest = max((len(r[index]) for r in [*shown, footer or []] if len(r) > index), default=0)
            view.add_column(header, justify="right", no_wrap=True, min_width=max(widest, 4))
        else:
            view.add_column(header, overflow="ellipsis", max_width=36)
    for row in shown:
        view.add_row(*row)
    if limit is not None and len(table.rows) > limit:
        view.add_row(f"… {len(table.rows) - limit:,} more", *([""] * (len(table.headers) - 1)))
    if footer:
        view.add_section()
        view.add_row(*footer, style="bold")
    return view


def _cell(value) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


class RichProgress:
    """Adapts the services' progress protocol to a Rich progress bar on stderr."""

    def __init__(self) -> None:
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self.task = None

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.bar.stop()

    def stage(self, description: str, total: int | None = None) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[self.task].total or 0)
        self.task = self.bar.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)
