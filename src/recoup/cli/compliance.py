"""``recoup compliance explain|rules|blocked|flag|settings|simulate``."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from recoup.cli.common import (
    DatabaseUrl,
    Format,
    OrgSlug,
    OutputFile,
    bootstrap,
    cli_actor,
    console,
    emit,
    err_console,
    fail,
    organisation,
)

app = typer.Typer(help="The compliance guard: explain an account, the rules, what was blocked.", no_args_is_help=True)

At = Annotated[
    str | None,
    typer.Option("--at", help="When (ISO 8601, e.g. 2026-12-03T20:30-05:00; no offset = your organisation's zone)."),
]


def _moment(text: str | None, zone: str) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--at {text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def _customer(org, account: str):
    from recoup.ledger.models import Customer

    customer = Customer.objects.filter(organisation=org, external_id=account).first()
    if customer is None:
        raise fail(f"no customer with the id {account!r} in {org.slug}")
    return customer


@app.command("explain")
def explain(
    account: Annotated[str, typer.Argument(help="The customer's id (external id).")],
    at: At = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """What the guard allows now on each channel for ACCOUNT, why, and when the next contact is allowed."""
    bootstrap(database_url)
    from recoup.compliance.explain import explain as explain_account
    from recoup.compliance.explain import explanation_document

    creditor = organisation(org)
    moment = _moment(at, creditor.timezone)
    explanation = explain_account(_customer(creditor, account), moment)
    if fmt == "json":
        console.print_json(json.dumps(explanation_document(explanation)))
        return
    if fmt != "table":
        raise fail("--format is table or json")
    _print_explanation(explanation)


def _print_explanation(explanation) -> None:
    from rich.table import Table

    customer = explanation.customer
    console.print(f"[bold]{customer.name}[/bold] ({customer.external_id}) at {explanation.at:%Y-%m-%d %H:%M} UTC")
    console.print("Facts: " + "; ".join(explanation.flags))
    zones = ", ".join(f"{name} {local:%a %H:%M}" for name, local in explanation.zones)
    assumed = " (nothing on file says where: every state's zone)" if explanation.zones_assumed else ""
    console.print(f"Time zones: {zones}{assumed}")
    console.print("Rules applied: " + ", ".join(explanation.rules_applied))
    table = Table(show_lines=True)
    for column in ("Channel", "To", "Now", "Why not", "Next allowed"):
        table.add_column(column)
    for verdict in explanation.channels:
        decision = verdict.decision
        if decision is None:
            table.add_row(str(verdict.channel), "-", "[yellow]no address[/yellow]", "", "")
            continue
        why = "\n".join(f"{v.rule}: {v.message} ({v.citation})" for v in decision.violations)
        if decision.allowed:
            nxt = "now"
        elif decision.next_allowed_at:
            nxt = decision.next_allowed_at.strftime("%Y-%m-%d %H:%M UTC")
        else:
            nxt = "not until the facts change"
        table.add_row(
            str(verdict.channel),
            verdict.address,
            "[green]allowed[/green]" if decision.allowed else "[red]blocked[/red]",
            why,
            nxt,
        )
    console.print(table)
    for note in explanation.notes:
        console.print(note)


@app.command("rules")
def rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, markdown or json.")] = "table",
    output: OutputFile = None,
) -> None:
    """Every rule with its parameters and citation (the source of docs/compliance-rules.md)."""
    from recoup.compliance.rules_doc import rules_document, rules_markdown

    if fmt == "markdown":
        text = rules_markdown()
    elif fmt == "json":
        text = json.dumps(rules_document(), indent=2) + "\n"
    elif fmt == "table":
        from rich.table import Table

        from recoup.core.compliance import RULES

        table = Table(show_lines=False)
        for column in ("ID", "Rule", "Applies", "Citation"):
            table.add_column(column)
        for rule in RULES.values():
            table.add_row(rule.id, rule.title, rule.applies, rule.citation + ("" if rule.verified else " (unverified)"))
        console.print(table)
        return
    else:
        raise fail("--format is table, markdown or json")
    if output:
        Path(output).write_text(text, encoding="utf-8")
        err_console.print(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)


def _month_range(text: str | None, zone: str) -> tuple[datetime, datetime, str]:
    tz = ZoneInfo(zone)
    if text:
        if not re.fullmatch(r"\d{4}-\d{2}", text):
            raise fail("--month is YYYY-MM")
        year, month = (int(p) for p in text.split("-"))
        if not 1 <= month <= 12:
            raise fail("--month is YYYY-MM")
    else:
        now = datetime.now(tz)
        year, month = now.year, now.month
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC), f"{year:04d}-{month:02d}"


@app.command("blocked")
def blocked(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM; default this month.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.TABLE,
    output: OutputFile = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """What the guard prevented in a month: blocked contacts by rule."""
    bootstrap(database_url)
    from recoup.compliance.selectors import blocked_by_rule, blocked_totals
    from recoup.core.compliance import RULES
    from recoup.reporting.exports import Table

    creditor = organisation(org)
    start, end, label = _month_range(month, creditor.timezone)
    counts = blocked_by_rule(creditor, start, end)
    totals = blocked_totals(creditor, start, end)
    rows = [[rule, RULES[rule].title.split(":")[0].split(".")[0] if rule in RULES else "", n] for rule, n in counts]
    table = Table(f"Blocked contacts by rule, {label}", ["Rule", "What", "Blocked"], rows)
    document = {
        "month": label,
        "blocked_contacts": totals["contacts"],
        "customers": totals["customers"],
        "by_rule": {rule: n for rule, n in counts},
    }
    if fmt is Format.TABLE and output is None:
        console.print(f"{totals['contacts']:,} contacts blocked for {totals['customers']:,} customers in {label}.")
    emit([table], document, fmt, output)


def _channel_address(text: str) -> tuple[str, str]:
    channel, _, address = text.partition(":")
    if channel not in {"call", "sms", "email", "letter"}:
        raise fail(f"{text!r}: the channel is call, sms, email or letter (then optionally :ADDRESS)")
    return channel, address


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("flag")
def flag(
    account: Annotated[str, typer.Argument(help="The customer's id.")],
    cease: Annotated[bool, typer.Option("--cease", help="The debtor asked to stop all contact (now).")] = False,
    clear_cease: Annotated[bool, typer.Option("--clear-cease", help="Withdraw a cease request made in error.")] = False,
    attorney: Annotated[
        str | None, typer.Option("--attorney", help="The debtor's attorney's name ('' clears).")
    ] = None,
    attorney_contact: Annotated[str | None, typer.Option("--attorney-contact")] = None,
    bankruptcy: Annotated[str | None, typer.Option("--bankruptcy", help="Filing date YYYY-MM-DD.")] = None,
    deceased: Annotated[str | None, typer.Option("--deceased", help="Date of death YYYY-MM-DD.")] = None,
    estate: Annotated[str | None, typer.Option("--estate-representative")] = None,
    no_work: Annotated[bool | None, typer.Option("--no-work-contact/--work-contact-ok")] = None,
    inconvenient: Annotated[
        list[str] | None, typer.Option("--inconvenient", help="'Mon-Fri 12:00-13:30 lunch'")
    ] = None,
    debt_type: Annotated[str | None, typer.Option("--debt-type")] = None,
    opt_out: Annotated[list[str] | None, typer.Option("--opt-out", help="CHANNEL or CHANNEL:ADDRESS")] = None,
    consent: Annotated[list[str] | None, typer.Option("--consent", help="CHANNEL or CHANNEL:ADDRESS")] = None,
    source: Annotated[str, typer.Option("--source", help="Where an opt-out or consent came from.")] = "",
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record facts about a debtor the guard must respect: cease, attorney, bankruptcy, opt-outs, consent."""
    bootstrap(database_url)
    from django.utils import timezone

    from recoup.compliance import services
    from recoup.compliance.errors import ComplianceError
    from recoup.compliance.windows import parse_window
    from recoup.core.compliance import DebtType

    customer = _customer(organisation(org), account)
    changes: dict = {}
    if cease and clear_cease:
        raise fail("--cease and --clear-cease contradict each other")
    if cease:
        changes["cease_requested_at"] = timezone.now()
    if clear_cease:
        changes["cease_requested_at"] = None
    if attorney is not None:
        changes["attorney_name"] = attorney
        changes["attorney_since"] = timezone.now().date() if attorney else None
    if attorney_contact is not None:
        changes["attorney_contact"] = attorney_contact
    if bankruptcy is not None:
        changes["bankruptcy_filed_on"] = _day(bankruptcy, "--bankruptcy")
    if deceased is not None:
        changes["deceased_on"] = _day(deceased, "--deceased")
    if estate is not None:
        changes["estate_representative"] = estate
    if no_work is not None:
        changes["workplace_contact_prohibited"] = no_work
    if inconvenient:
        try:
            changes["inconvenient_times"] = [parse_window(text) for text in inconvenient]
        except ComplianceError as exc:
            raise fail(f"--inconvenient: {exc}") from None
    if debt_type is not None:
        if debt_type not in {t.value for t in DebtType}:
            raise fail(f"--debt-type is one of {', '.join(t.value for t in DebtType)}")
        changes["debt_type"] = debt_type
    if (opt_out or consent) and not source.strip():
        raise fail("--source is required with --opt-out and --consent (e.g. 'phone call 2026-12-03')")
    try:
        if changes:
            services.profile_update(customer=customer, changes=changes, actor=cli_actor())
        for kind, items in (("opt_out", opt_out or []), ("consent", consent or [])):
            for item in items:
                channel, address = _channel_address(item)
                services.permission_record(
                    customer=customer, kind=kind, channel=channel, address=address, source=source, actor=cli_actor()
                )
    except services.ComplianceError as exc:
        raise fail(str(exc)) from None
    if not changes and not opt_out and not consent:
        raise fail("nothing to record: pass --cease, --attorney, --opt-out, ... (see --help)")
    console.print(
        f"Recorded for {customer.external_id}. `recoup compliance explain {customer.external_id}` shows the effect."
    )


@app.command("settings")
def settings(
    mode: Annotated[str | None, typer.Option("--mode", help="first_party or third_party.")] = None,
    uses_other_name: Annotated[bool | None, typer.Option("--uses-other-name/--own-name")] = None,
    debt_type: Annotated[str | None, typer.Option("--debt-type", help="The usual debt type.")] = None,
    contract: Annotated[str | None, typer.Option("--contract", help="written or open_account.")] = None,
    everywhere: Annotated[
        bool | None, typer.Option("--federal-rules-everywhere/--federal-rules-where-required")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: NAME=VALUE.")] = None,
    org: OrgSlug = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show or change how the organisation collects and the rule parameters it overrides."""
    bootstrap(database_url)
    from recoup.compliance import selectors, services

    creditor = organisation(org)
    current = selectors.settings_of(creditor)
    changes: dict = {}
    for name, value in (
        ("mode", mode),
        ("uses_other_name", uses_other_name),
        ("debt_type", debt_type),
        ("contract", contract),
        ("federal_rules_everywhere", everywhere),
    ):
        if value is not None:
            changes[name] = value
    if set_:
        overrides = dict(current.overrides or {})
        for item in set_:
            name, sep, raw = item.partition("=")
            if not sep:
                raise fail(f"--set {item!r}: write NAME=VALUE")
            overrides[name.strip()] = _parse_value(raw.strip())
        changes["overrides"] = overrides
    if changes:
        try:
            current = services.settings_update(organisation=creditor, changes=changes, actor=cli_actor())
        except services.ComplianceError as exc:
            raise fail(str(exc)) from None
    console.print(f"mode: {current.mode}{' (using another name)' if current.uses_other_name else ''}")
    console.print(f"debt type: {current.debt_type}; contract: {current.contract}")
    console.print(f"federal-style rules everywhere: {'yes' if current.federal_rules_everywhere else 'no'}")
    console.print(f"overrides: {json.dumps(current.overrides or {})}")


def _parse_value(raw: str):
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


@app.command("simulate")
def simulate(
    days: Annotated[int, typer.Option("--days", min=1, max=3660, help="How many days to simulate.")] = 365,
    customers: Annotated[int, typer.Option("--customers", min=10, help="Demo portfolio size.")] = 400,
    mode: Annotated[str, typer.Option("--mode", help="first_party or third_party.")] = "first_party",
    seed: Annotated[int, typer.Option("--seed")] = 2026,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    database_url: DatabaseUrl = None,
) -> None:
    """Audit the guard: a year of 'contact everyone daily' on a fresh demo portfolio (organisation
    simulation-MODE), every proposal through the guard, then an independent re-check of the ledger."""
    bootstrap(database_url)
    from datetime import timedelta

    from recoup.cli.common import RichProgress
    from recoup.clock import today
    from recoup.compliance import services
    from recoup.compliance.audit import attempt_ledger_audit
    from recoup.compliance.simulation import simulate as run_simulation
    from recoup.core.compliance import RULES
    from recoup.demo.generator import DemoSpec, demo_load
    from recoup.organisations.models import Organisation

    if mode not in {"first_party", "third_party"}:
        raise fail("--mode is first_party or third_party")
    slug = f"simulation-{mode.replace('_', '-')}"
    creditor, _ = Organisation.objects.get_or_create(
        slug=slug,
        defaults={
            "name": f"Guard simulation ({mode.replace('_', '-')})",
            "currency": "USD",
            "timezone": "America/Chicago",
        },
    )
    start = today(creditor.timezone)
    with RichProgress() as progress:
        demo_load(creditor, DemoSpec(customers, customers * 10, seed, start), progress, force=True)
        services.settings_update(organisation=creditor, changes={"mode": mode}, actor=cli_actor())
        if mode == "third_party":
            from recoup.compliance.models import DebtorProfile

            # An agency sends the validation notice first; the simulation starts after it went out.
            DebtorProfile.objects.filter(customer__organisation=creditor).update(
                validation_notice_sent_on=start - timedelta(days=40)
            )
        result = run_simulation(creditor, start, days, seed, progress)
        progress.stage("Re-checking the attempt ledger independently")
        begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
        report = attempt_ledger_audit(creditor, begin, begin + timedelta(days=days))
    document = {
        "organisation": slug,
        "mode": mode,
        "days": days,
        "debtors": result.debtors,
        "proposed": result.proposed,
        "allowed": result.allowed,
        "blocked": result.blocked,
        "allowed_by_channel": dict(result.allowed_by_channel),
        "blocked_by_rule": dict(result.blocked_by_rule.most_common()),
        "debtor_events": dict(result.events),
        "attempts_rechecked": report.attempts_checked,
        "violations_found": len(report.findings),
        "findings": [
            {"rule": f.rule, "customer": f.customer, "at": f.at.isoformat(), "message": f.message}
            for f in report.findings[:50]
        ],
        "seconds": round(result.seconds, 1),
    }
    if fmt == "json":
        console.print_json(json.dumps(document))
    else:
        from rich.table import Table

        console.print(
            f"{days} days, {result.debtors} debtors ({mode.replace('_', '-')}): {result.proposed:,} contacts "
            f"proposed, {result.allowed:,} allowed, {result.blocked:,} blocked ({result.seconds:.1f} s)."
        )
        table = Table(title="Blocked, by rule (a contact blocked by two rules counts under both)")
        for column in ("Rule", "What", "Blocked"):
            table.add_column(column, justify="right" if column == "Blocked" else "left")
        for rule, count in result.blocked_by_rule.most_common():
            table.add_row(rule, RULES[rule].title[:70] if rule in RULES else "", f"{count:,}")
        console.print(table)
        console.print(
            f"Independent re-check of {report.attempts_checked:,} recorded attempts: "
            + (
                "[green]no violations[/green]."
                if not report.findings
                else f"[red]{len(report.findings)} violations[/red]:"
            )
        )
        for finding in report.findings[:20]:
            console.print(f"  {finding.rule} {finding.customer} {finding.at:%Y-%m-%d %H:%M} {finding.message}")
    if report.findings:
        raise typer.Exit(1)
