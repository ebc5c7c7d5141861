"""The ``recoup`` command."""

from __future__ import annotations

import typer

from recoup.cli import admin, compliance, cycle, imports, outreach, reports, users, webhooks

app = typer.Typer(
    help="Recoup: accounts-receivable collections. Start with `recoup init`, then import or `recoup demo`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(admin.init)
app.command("demo")(admin.demo)
app.command("serve")(admin.serve)
app.command("snapshot")(admin.snapshot)
app.command("cycle")(cycle.cycle)
app.add_typer(admin.org_app, name="org")
app.add_typer(imports.app, name="import")
app.add_typer(reports.app, name="report")
app.add_typer(users.app, name="user")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(compliance.app, name="compliance")
app.add_typer(outreach.outbox, name="outbox")
app.add_typer(outreach.letters, name="letters")
app.add_typer(outreach.ladders, name="ladders")


def main() -> None:
    app()
