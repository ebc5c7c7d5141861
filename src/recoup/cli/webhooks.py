"""``recoup webhooks deliver|list``."""

from __future__ import annotations

import typer

from recoup.cli.common import DatabaseUrl, OrgSlug, bootstrap, console, organisation

app = typer.Typer(help="Webhooks out: send what is due, list endpoints.", no_args_is_help=True)


@app.command("deliver")
def deliver(database_url: DatabaseUrl = None) -> None:
    """Send every webhook delivery that is due (retries with backoff). Run it every minute from cron."""
    bootstrap(database_url)
    from recoup.webhooks.services import webhooks_deliver_due

    delivered, failing = webhooks_deliver_due()
    console.print(f"Delivered {delivered}; {failing} still failing (retried later).")


@app.command("list")
def endpoints(org: OrgSlug = None, database_url: DatabaseUrl = None) -> None:
    """The organisation's webhook endpoints and what they listen to."""
    bootstrap(database_url)
    from recoup.webhooks.models import WebhookEndpoint

    for endpoint in WebhookEndpoint.objects.filter(organisation=organisation(org)):
        console.print(f"{endpoint.url}\t{', '.join(endpoint.events)}\t{'active' if endpoint.active else 'off'}")
