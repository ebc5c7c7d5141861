"""``recoup init``, ``org``, ``demo``, ``snapshot`` and ``serve``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from recoup.cli.common import (
    AsOf,
    DatabaseUrl,
    OrgSlug,
    RichProgress,
    as_of_date,
    bootstrap,
    cli_actor,
    console,
    err_console,
    fail,
    open_organisation,
    organisation,
)

org_app = typer.Typer(help="Organisations (creditors).", no_args_is_help=True)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def init(
    name: Annotated[str, typer.Option("--name", help="Your business's name")] = "My business",
    currency: Annotated[str, typer.Option("--currency")] = "USD",
    timezone: Annotated[str, typer.Option("--timezone", help="e.g. America/Chicago")] = "UTC",
    database_url: DatabaseUrl = None,
) -> None:
    """Create or migrate the database; create the default organisation when there is none."""
    bootstrap(database_url)
    from django.db import connection

    from recoup.organisations.services import OrganisationError, organisation_ensure_default

    _migrate()
    try:
        org, created = organisation_ensure_default(name=name, currency=currency, timezone=timezone)
    except OrganisationError as exc:
        raise fail(str(exc)) from None
    where = connection.settings_dict["NAME"]
    if created:
        console.print(
            f"Database ready ({connection.vendor}: {where}). Created organisation "
            f"[bold]{org.slug}[/bold] ({org.name}, {org.currency}, {org.timezone})."
        )
    else:
        console.print(f"Database ready ({connection.vendor}: {where}); organisation {org.slug} exists.")


@org_app.command("add")
def org_add(
    slug: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name")],
    currency: Annotated[str, typer.Option("--currency")] = "USD",
    timezone: Annotated[str, typer.Option("--timezone")] = "UTC",
    database_url: DatabaseUrl = None,
) -> None:
    """Add an organisation."""
    bootstrap(database_url)
    from recoup.organisations.services import OrganisationError, organisation_create

    _migrate()
    try:
        org = organisation_create(slug=slug, name=name, currency=currency, timezone=timezone, actor=cli_actor())
    except OrganisationError as exc:
        raise fail(str(exc)) from None
    console.print(f"Created organisation {org.slug} ({org.name}, {org.currency}, {org.timezone}).")


@org_app.command("list")
def org_list(database_url: DatabaseUrl = None) -> None:
    """List organisations."""
    bootstrap(database_url)
    from recoup.organisations.models import Organisation

    for org in Organisation.objects.all():
        console.print(f"{org.slug}\t{org.name}\t{org.currency}\t{org.timezone}\tbuckets {org.aging_edges}")


@org_app.command("balance-sheet")
def org_balance_sheet(
    current_assets: Annotated[str, typer.Option("--current-assets", help="e.g. 250000.00")],
    current_liabilities: Annotated[str, typer.Option("--current-liabilities")],
    as_of: AsOf = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Enter current assets and liabilities, so the KPIs include working capital."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.core.money import AmountParseError, parse_amount
    from recoup.organisations.services import OrganisationError, balance_sheet_record

    try:
        assets = parse_amount(current_assets, creditor.currency)
        liabilities = parse_amount(current_liabilities, creditor.currency)
        balance_sheet_record(
            organisation=creditor,
            as_of=day,
            current_assets_cents=assets,
            current_liabilities_cents=liabilities,
            actor=cli_actor(),
        )
    except (AmountParseError, OrganisationError) as exc:
        raise fail(str(exc)) from None
    console.print(f"Recorded the balance sheet of {day.isoformat()}.")


@org_app.command("buckets")
def org_buckets(
    edges: Annotated[str, typer.Argument(help="Bucket edges in days, e.g. 30,60,90,120")],
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Set the organisation's default aging buckets."""
    bootstrap(database_url)
    from recoup.core.aging import BucketScheme, BucketSchemeError
    from recoup.organisations.services import organisation_set_aging_edges

    creditor = organisation(org)
    try:
        scheme = BucketScheme.parse(edges)
    except BucketSchemeError as exc:
        raise fail(str(exc)) from None
    organisation_set_aging_edges(organisation=creditor, scheme=scheme, actor=cli_actor())
    console.print("Aging buckets: " + ", ".join(scheme.labels()))


def snapshot(
    as_of: AsOf = None,
    backfill_days: Annotated[int, typer.Option("--backfill-days", help="Also take the N days before")] = 0,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Store the day's aging and sales snapshot (the dashboard's and `report trend`'s source)."""
    creditor, day = open_organisation(database_url, org, as_of)
    from recoup.reporting.snapshots import snapshots_backfill

    with RichProgress() as progress:
        progress.stage("Snapshots", backfill_days + 1)
        count = snapshots_backfill(creditor, day - timedelta(days=backfill_days), day, progress.advance)
    console.print(f"Stored {count} daily snapshot(s) up to {day.isoformat()}.")


def demo(
    customers: Annotated[int, typer.Option("--customers", help="How many customers")] = 400,
    invoices: Annotated[int, typer.Option("--invoices", help="How many invoices")] = 4000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same portfolio")] = 7,
    as_of: AsOf = None,
    snapshot_days: Annotated[int, typer.Option("--snapshot-days", help="Daily snapshots to take for trends")] = 180,
    force: Annotated[bool, typer.Option("--force", help="Replace a ledger that holds imported data")] = False,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Load a realistic demo portfolio (replacing the organisation's ledger)."""
    bootstrap(database_url)
    from recoup.demo.generator import DemoRefused, DemoSpec, demo_load
    from recoup.reporting.snapshots import snapshots_backfill

    if customers < 1 or invoices < customers:
        raise fail("--invoices must be at least --customers, and both positive")
    _migrate()
    creditor = organisation(org)
    day = as_of_date(as_of, creditor)
    try:
        with RichProgress() as progress:
            result = demo_load(
                creditor, DemoSpec(customers, invoices, seed, day), progress, force=force, actor=cli_actor()
            )
            if snapshot_days:
                progress.stage("Daily snapshots", snapshot_days + 1)
                snapshots_backfill(creditor, day - timedelta(days=snapshot_days), day, progress.advance)
    except DemoRefused as exc:
        raise fail(str(exc)) from None
    console.print(
        f"Demo portfolio for {creditor.name} as of {day.isoformat()}: {result.customers:,} customers, "
        f"{result.invoices:,} invoices, {result.payments:,} payments, {result.credit_notes:,} credit notes "
        f"({result.seconds:.1f} s)."
    )


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers")] = 2,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = True,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the web app (gunicorn)."""
    bootstrap(database_url)
    from django.conf import settings

    if host not in {"127.0.0.1", "localhost", "::1"} and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        # The development key is public (it is in the source): sessions signed with it could be forged.
        raise fail("Set RECOUP_SECRET_KEY to a long random string before serving beyond this machine.")
    from gunicorn.app.base import BaseApplication

    from recoup.config.wsgi import application

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            if access_log:
                self.cfg.set("accesslog", "-")

        def load(self):
            return application

    err_console.print(f"Serving Recoup on http://{host}:{port}/  (Ctrl+C to stop)")
    Server().run()
