"""``recoup user add|token|list``."""

from __future__ import annotations

from typing import Annotated

import typer

from recoup.cli.common import DatabaseUrl, bootstrap, cli_actor, console, fail, organisation

app = typer.Typer(help="Logins, roles and API tokens.", no_args_is_help=True)


@app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The login, an email address")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option("--role", help="owner, collector or viewer")] = "owner",
    org: Annotated[str | None, typer.Option("--org", help="Organisation slug")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a login with a role in an organisation (or give an existing login a role there)."""
    bootstrap(database_url)
    from recoup.accounts.services import AccountError
    from recoup.accounts.services import user_add as add

    creditor = organisation(org)
    try:
        add(email=email, password=password, organisation=creditor, role=role, actor=cli_actor())
    except AccountError as exc:
        raise fail(str(exc)) from None
    console.print(f"{email.lower()} is now {role} of {creditor.slug}. Log in at http://127.0.0.1:8000/login/")


@app.command("token")
def user_token(
    email: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Print a new API token for the user (use it as `Authorization: Bearer TOKEN`). It is shown once."""
    bootstrap(database_url)
    from django.contrib.auth import get_user_model

    from recoup.accounts.services import token_create

    user = get_user_model().objects.filter(username=email.strip().lower()).first()
    if user is None:
        raise fail(f"no user {email!r}: create one with `recoup user add`")
    _, text = token_create(user=user, name=name, actor=cli_actor())
    print(text)


@app.command("list")
def user_list(org: Annotated[str | None, typer.Option("--org")] = None, database_url: DatabaseUrl = None) -> None:
    """List the logins of an organisation and their roles."""
    bootstrap(database_url)
    from recoup.accounts.selectors import organisation_members

    creditor = organisation(org)
    for membership in organisation_members(creditor):
        console.print(f"{membership.user.email}\t{membership.role}")
