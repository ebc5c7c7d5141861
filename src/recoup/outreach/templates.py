"""Message templates: user-editable Jinja2 run in a sandbox, checked on save, previewed with sample data.

An email's text part is the rendered body; its HTML part is the same text in a fixed layout with the amount,
the due date and one "Pay or view" button on top (UX.md), and the opt-out line at the bottom. Users edit
words, not markup, so a template can never break the layout or reach outside the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from django.utils.html import escape, linebreaks
from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from recoup.organisations.models import Organisation
from recoup.outreach.models import MessageTemplate

VARIABLES = {
    "customer": "name, first_name",
    "business": "name, phone, email, address",
    "total": "the open balance the message is about, formatted ($1,240.00)",
    "invoices": "a list: number, due_date, amount, open, days_overdue",
    "first_invoice": "the oldest open invoice (same fields)",
    "due_date": "the oldest open invoice's due date",
    "days_overdue": "days since that due date (0 when not yet due)",
    "pay_url": "where to pay or view the invoices",
    "unsubscribe_url": "one-click opt-out from reminder emails",
    "step": "name and tone (friendly, firm, final) of the ladder step",
    "third_party": "true when the organisation collects for others (FDCPA disclosures)",
    "opened": "for call scripts: when the last reminder was sent and opened (or empty)",
}


class TemplateProblem(ValueError):
    pass


@dataclass(frozen=True)
class Template:
    key: str
    channel: str
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


_environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True)


@cache
def default_templates() -> dict[str, Template]:
    raw = yaml.safe_load(resources.files("recoup.outreach").joinpath("defaults/templates.yaml").read_text("utf-8"))
    return {key: Template(key, item["channel"], item.get("subject", ""), item["body"]) for key, item in raw.items()}


def template_for(organisation: Organisation, key: str) -> Template:
    shipped = default_templates().get(key)
    own = MessageTemplate.objects.filter(organisation=organisation, key=key).first()
    if own is not None:
        return Template(key, shipped.channel if shipped else "email", own.subject, own.body)
    if shipped is None:
        raise TemplateProblem(f"there is no template called {key!r}")
    return shipped


def check_template(subject: str, body: str) -> None:
    """Refuse a template that does not parse, uses a variable Recoup does not provide, or fails on sample
    data (say ``customer.nmae``)."""
    for part, text in (("subject", subject), ("body", body)):
        try:
            unknown = meta.find_undeclared_variables(_environment.parse(text)) - set(VARIABLES)
        except TemplateError as exc:
            raise TemplateProblem(f"{part}: {exc}") from None
        if unknown:
            raise TemplateProblem(
                f"{part}: unknown variable {', '.join(sorted(unknown))}; use one of {', '.join(sorted(VARIABLES))}"
            )
    try:
        render(subject, body, sample_context())
    except TemplateError as exc:
        raise TemplateProblem(f"on sample data: {exc}") from None


def render(subject: str, body: str, context: dict) -> Rendered:
    rendered_subject = _environment.from_string(subject).render(context).strip().replace("\n", " ")
    return Rendered(rendered_subject, _environment.from_string(body).render(context).strip() + "\n")


def sample_context() -> dict:
    invoices = [
        {"number": "1042", "due_date": "14 Mar 2026", "amount": "$1,240.00", "open": "$1,240.00", "days_overdue": 21},
        {"number": "1057", "due_date": "28 Mar 2026", "amount": "$310.00", "open": "$160.00", "days_overdue": 7},
    ]
    return {
        "customer": {"name": "Jordan Lee", "first_name": "Jordan"},
        "business": {"name": "Demo Dental", "phone": "(303) 555-0100", "email": "billing@example.com", "address": ""},
        "total": "$1,400.00",
        "invoices": invoices,
        "first_invoice": invoices[0],
        "due_date": "14 Mar 2026",
        "days_overdue": 21,
        "pay_url": "https://pay.example.com/i/abc",
        "unsubscribe_url": "https://example.com/u/abc",
        "step": {"name": "Overdue reminder", "tone": "friendly"},
        "third_party": False,
        "opened": None,
    }


def email_html(text: str, *, business: str, total: str, due_date: str, pay_url: str, footer: str, pixel: str) -> str:
    """The HTML part: the top block (amount, due date, one button), the message, the opt-out footer.
    Everything but ``footer`` (already safe HTML) is escaped: names and invoice numbers come from imports."""
    return f"""<!doctype html>
<html><body style="margin:0;background:#f5f7fa;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px">
<tr><td style="padding:20px 24px;border-bottom:1px solid #e4e7eb">
<div style="font-size:14px;color:#616e7c">{escape(business)}</div>
<div style="font-size:28px;font-weight:bold;margin:6px 0">{escape(total)}</div>
<div style="font-size:14px;color:#616e7c">Due {escape(due_date)}</div>
<p style="margin:16px 0 0"><a href="{escape(pay_url)}" style="background:#0b6e4f;color:#fff;padding:10px 18px;
border-radius:6px;text-decoration:none;font-weight:bold">Pay or view</a></p></td></tr>
<tr><td style="padding:20px 24px;font-size:15px;line-height:1.5">{linebreaks(text, autoescape=True)}</td></tr>
<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #e4e7eb">{footer}</td></tr>
</table></td></tr></table><img src="{escape(pixel)}" width="1" height="1" alt=""></body></html>"""
