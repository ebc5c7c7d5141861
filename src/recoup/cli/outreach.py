"""``recoup outbox send|bounces``, ``recoup letters batch|statement``, ``recoup ladders export|import``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from recoup.cli.common import AsOf, DatabaseUrl, OrgSlug, cli_actor, console, err_console, fail, open_organisation

outbox = typer.Typer(help="The outbox: deliver queued email and texts, read bounces.", no_args_is_help=True)
letters = typer.Typer(help="Letters: the day's print batch and statements of account (PDF).", no_args_is_help=True)
ladders = typer.Typer(help="Reminder ladders as YAML.", no_args_is_help=True)


@outbox.command("send")
def outbox_send(database_url: DatabaseUrl = None, org: OrgSlug = None) -> None:
    """Deliver queued emails and texts now, and retry failed ones whose backoff has passed."""
    creditor, _ = open_organisation(database_url, org, None)
    from django.utils import timezone

    from recoup.outreach.delivery import outbox_deliver

    result = outbox_deliver(creditor, timezone.now())
    console.print(f"sent {result.sent}, retrying later {result.retrying}, failed for good {result.failed}")


@outbox.command("bounces")
def outbox_bounces(
    files: Annotated[list[Path], typer.Argument(help="Bounce messages (.eml), as saved from the bounce mailbox.")],
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """Read bounce messages (DSNs and provider notices): a hard bounce marks the address bad."""
    creditor, _ = open_organisation(database_url, org, None)
    from recoup.outreach.services import bounce_process

    for path in files:
        if not path.is_file():
            raise fail(f"{path} is not a file")
        result = bounce_process(creditor, path.read_bytes())
        parts = [f"{name}: {', '.join(getattr(result, name))}" for name in ("hard", "soft", "sender", "unmatched")]
        console.print(f"{path.name}: " + ("; ".join(p for p in parts if not p.endswith(": ")) or "not a bounce"))


@letters.command("batch")
def letters_batch(
    as_of: AsOf = None,
    reprint: Annotated[bool, typer.Option("--reprint", help="The letters printed on --as-of, again.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="PDF file (default letters-DATE.pdf).")] = None,
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """Write every letter waiting to be printed as one PDF and mark them printed (--reprint: a day's again)."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.outreach.letters import letter_batch, letters_reprint

    pdf, count = letters_reprint(creditor, day) if reprint else letter_batch(creditor, day)
    if not count:
        err_console.print(f"No letters printed on {day.isoformat()}." if reprint else "No letters are waiting.")
        return
    target = output or Path(f"letters-{day.isoformat()}.pdf")
    target.write_bytes(pdf)
    console.print(f"{count} letters for {day.isoformat()} in {target}")


@letters.command("statement")
def letters_statement(
    account: Annotated[str, typer.Argument(help="The customer's id.")],
    as_of: AsOf = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="PDF file.")] = None,
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """A statement of account (open invoices, recent payments, how to pay) as PDF."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.ledger.models import Customer
    from recoup.outreach.letters import statement_pdf

    customer = Customer.objects.filter(organisation=creditor, external_id=account).first()
    if customer is None:
        raise fail(f"no customer with the id {account!r}")
    target = output or Path(f"statement-{account}-{day.isoformat()}.pdf")
    target.write_bytes(statement_pdf(customer, day))
    console.print(f"Wrote {target}")


@ladders.command("export")
def ladders_export_command(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """Print (or write) every ladder as YAML."""
    creditor, _ = open_organisation(database_url, org, None)
    from recoup.outreach.services import ladders_export
    from recoup.outreach.setup import ladders_ensure_defaults

    ladders_ensure_defaults(creditor)
    text = ladders_export(creditor)
    if output:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)


@ladders.command("import")
def ladders_import_command(
    file: Annotated[Path, typer.Argument(help="YAML: one ladder or a list of ladders.")],
    database_url: DatabaseUrl = None,
    org: OrgSlug = None,
) -> None:
    """Create or replace ladders from YAML. Every problem is listed and nothing changes unless all are fine."""
    creditor, _ = open_organisation(database_url, org, None)
    from recoup.core.ladder import LadderError
    from recoup.outreach.services import ladders_import

    try:
        saved = ladders_import(creditor, file.read_text(encoding="utf-8"), cli_actor())
    except LadderError as error:
        for problem in error.problems:
            err_console.print(f"[red]error:[/red] {problem}", highlight=False)
        raise typer.Exit(2) from None
    console.print("Saved " + ", ".join(f"{p.key} ({p.name})" for p in saved))
