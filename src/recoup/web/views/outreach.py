"""Outreach pages: the outbox, today's call queue (script beside the account), ladders drawn on a day axis
and edited as YAML, templates with a preview, audiences by aging bucket, and pausing an account."""

from __future__ import annotations

import csv
from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recoup.activity.services import ActivityError, call_log
from recoup.clock import today
from recoup.compliance.services import contact_check
from recoup.core.aging import BucketScheme
from recoup.core.compliance import Action, Channel
from recoup.core.ladder import LadderError, PauseKind
from recoup.core.ladder_data import ladder_from_data
from recoup.core.money import format_minor
from recoup.ledger import selectors as ledger_selectors
from recoup.ledger.contacts import display_phone
from recoup.ledger.models import Customer
from recoup.outreach import selectors
from recoup.outreach.models import AccountPause, CallTask, CustomerLadder, LadderPolicy, OutreachSettings
from recoup.outreach.services import (
    OutreachError,
    ladders_export,
    ladders_import,
    outreach_settings_update,
    pause_add,
    pause_lift,
    template_save,
)
from recoup.outreach.setup import outreach_settings_of
from recoup.outreach.templates import VARIABLES, default_templates, sample_context, template_for
from recoup.outreach.templates import render as render_template
from recoup.web.access import org_view
from recoup.web.charts import ladder_chart
from recoup.web.forms import CallForm
from recoup.web.lookups import customer_or_404

PAGE_SIZE = 50
PAUSE_CHOICES = [
    (PauseKind.MANUAL, "Paused by hand"),
    (PauseKind.PLAN, "On a payment plan"),
    (PauseKind.AGENCY, "Placed with an agency"),
    (PauseKind.BANKRUPTCY, "Bankruptcy"),
    (PauseKind.OFF, "Stop chasing this customer"),
]


class PauseForm(forms.Form):
    kind = forms.ChoiceField(label="Why", choices=PAUSE_CHOICES)
    until = forms.DateField(
        label="Until (empty: until resumed)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="Details (optional)", required=False, max_length=300)


class SenderForm(forms.ModelForm):
    class Meta:
        model = OutreachSettings
        fields = ["sender_name", "sender_email", "reply_to", "phone", "postal_address", "pay_url", "send_hour"]
        labels = {
            "sender_name": "Sender name",
            "sender_email": "Sender email",
            "reply_to": "Replies go to",
            "phone": "Phone for debtors",
            "postal_address": "Postal address (letters, cheques)",
            "pay_url": "Payment page URL",
            "send_hour": "Send hour for dated runs (0-23)",
        }
        widgets = {"postal_address": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"pay_url": lambda **kw: forms.URLField(assume_scheme="https", **kw)}


# --- Outbox. ---


@org_view("read")
def outbox_page(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    show = request.GET.get("show", "")
    page = Paginator(selectors.outbox(organisation, show), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/outbox.html",
        {
            "section": "outbox",
            "page": page,
            "show": show,
            "filters": list(selectors.outbox_counts(organisation).items()),
            "buckets": BucketScheme(tuple(organisation.aging_edges)).labels(),
            "today": today(organisation.timezone),
            "letters_waiting": selectors.outbox(organisation, "letters").filter(status="queued").count(),
            "sender_form": SenderForm(instance=outreach_settings_of(organisation)),
            "can_manage": request.membership.can("manage"),
        },
    )


@org_view("manage")
@require_POST
def sender_update(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    form = SenderForm(request.POST, instance=outreach_settings_of(organisation))
    if form.is_valid():
        try:
            outreach_settings_update(
                organisation=organisation,
                changes={name: form.cleaned_data[name] for name in SenderForm.Meta.fields},
                actor=request.user,
            )
            messages.success(request, "Sender settings saved.")
        except OutreachError as error:
            messages.error(request, str(error))
    else:
        messages.error(
            request, "Check the sender settings: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        )
    return redirect("outbox", slug=organisation.slug)


@org_view("read")
def audience_export(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    bucket = request.GET.get("bucket", "")
    try:
        rows = selectors.audience(organisation, bucket)
    except ValueError as error:
        raise Http404(str(error)) from None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audience-{bucket}.csv"'
    writer = csv.writer(response)
    writer.writerow(["customer_id", "name", "email", "currency", "open", "past_due", "oldest_due_date"])
    for row in rows:
        writer.writerow(
            [
                row.external_id,
                row.name,
                row.email,
                row.currency,
                format_minor(row.open_cents, row.currency),
                format_minor(row.past_due_cents, row.currency),
                row.oldest_due_date.isoformat(),
            ]
        )
    return response


@org_view("work")
@require_POST
def letters_print(request: HttpRequest) -> HttpResponse:
    """Every letter waiting to be printed as one PDF; they are marked printed."""
    from recoup.outreach.letters import letter_batch

    when = today(request.organisation.timezone)
    pdf, count = letter_batch(request.organisation, when)
    if not count:
        messages.info(request, "No letters are waiting to be printed.")
        return redirect("outbox", slug=request.organisation.slug)
    return _pdf(pdf, f"letters-{when.isoformat()}.pdf")


@org_view("read")
def letters_reprint_download(request: HttpRequest, day: str) -> HttpResponse:
    """The letters printed on ``day`` (YYYY-MM-DD), again; changes nothing."""
    from recoup.outreach.letters import letters_reprint

    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date") from None
    pdf, count = letters_reprint(request.organisation, when)
    if not count:
        messages.info(request, f"No letters were printed on {when:%d %b %Y}.")
        return redirect("outbox", slug=request.organisation.slug)
    return _pdf(pdf, f"letters-{when.isoformat()}-reprint.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@org_view("read")
def statement_download(request: HttpRequest, pk: int) -> HttpResponse:
    from recoup.outreach.letters import statement_pdf

    customer = customer_or_404(request, pk)
    as_of = today(request.organisation.timezone)
    response = HttpResponse(statement_pdf(customer, as_of), content_type="application/pdf")
    name = f"statement-{customer.external_id}-{as_of.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Today's call queue. ---


@org_view("read")
def call_queue_page(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    as_of = today(organisation.timezone)
    everyone = selectors.call_queue(organisation, as_of)
    mine = [t for t in everyone if t.assignee_id == request.user.pk]
    show_all = request.GET.get("who") == "all" or not mine
    tasks = everyone if show_all else mine
    return render(
        request,
        "web/call_queue.html",
        {
            "section": "calls",
            "as_of": as_of,
            "show_all": show_all,
            "mine_count": len(mine),
            "all_count": len(everyone),
            "tasks": [
                {
                    "task": t,
                    "open": format_minor(t.customer.open_cents, organisation.currency),
                    "phone": _phone(t.customer),
                }
                for t in tasks
            ],
        },
    )


def _phone(customer: Customer) -> str:
    phones = [c for c in ledger_selectors.customer_contacts(customer) if c.kind == "phone" and c.status == "active"]
    return phones[0].value if phones else ""


@org_view("read")
def call_task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    phone = _phone(task.customer)
    form = CallForm(currency=request.organisation.currency, initial={"phone": phone})
    return render(request, "web/call_task.html", _task_context(request, task, form))


def _task(request: HttpRequest, task_id: int) -> CallTask:
    try:
        return selectors.call_task_get(request.organisation, task_id)
    except CallTask.DoesNotExist:
        raise Http404("No such call task") from None


def _task_context(request: HttpRequest, task: CallTask, form: CallForm) -> dict:
    customer = task.customer
    invoices = ledger_selectors.customer_open_invoices(customer)
    phone = _phone(customer)
    verdict = contact_check(customer=customer, action=Action(Channel.CALL, address=phone), record=False)
    return {
        "verdict": verdict,
        "section": "calls",
        "task": task,
        "customer": customer,
        "phone": display_phone(_phone(customer)),
        "open": format_minor(customer.open_cents, request.organisation.currency),
        "invoices": [{"invoice": i, "open": format_minor(i.open_cents, i.currency)} for i in invoices],
        "form": form,
        "can_work": request.membership.can("work"),
    }


@org_view("work")
@require_POST
def call_task_log(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    form = CallForm(request.POST, currency=request.organisation.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            call_log(
                customer=task.customer,
                outcome=data["outcome"],
                phone=data["phone"],
                notes=data["notes"],
                promise_date=data["promise_date"],
                promise_amount_cents=data["promise_amount"],
                actor=request.user,
                today=today(request.organisation.timezone),
            )
            messages.success(request, f"Call with {task.customer.name or task.customer.external_id} logged.")
            return redirect("calls", slug=request.organisation.slug)
        except ActivityError as error:
            form.add_error(None, str(error))
    return render(request, "web/call_task.html", _task_context(request, task, form), status=400)


# --- Pausing and the customer's ladder. ---


@org_view("work")
@require_POST
def customer_pause(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = PauseForm(request.POST)
    if form.is_valid():
        try:
            pause_add(
                customer=customer,
                kind=form.cleaned_data["kind"],
                until=form.cleaned_data["until"],
                note=form.cleaned_data["note"],
                actor=request.user,
                today=today(request.organisation.timezone),
            )
            messages.success(request, "Chasing paused.")
        except OutreachError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Choose why chasing is paused.")
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)


@org_view("work")
@require_POST
def customer_resume(request: HttpRequest, pk: int, pause_id: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    pause = AccountPause.objects.filter(customer=customer, pk=pause_id).first()
    if pause is None:
        raise Http404("No such pause")
    pause_lift(pause=pause, actor=request.user)
    messages.success(request, "Chasing resumed.")
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)


@org_view("work")
@require_POST
def customer_ladder(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    key = request.POST.get("ladder", "")
    if not key:
        CustomerLadder.objects.filter(customer=customer).delete()
        messages.success(request, "This customer follows the ladder for its segment again.")
    else:
        ladder = LadderPolicy.objects.filter(organisation=request.organisation, key=key).first()
        if ladder is None:
            raise Http404("No such ladder")
        CustomerLadder.objects.update_or_create(customer=customer, defaults={"ladder": ladder})
        messages.success(request, f"This customer now follows {ladder.name}.")
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)


# --- Ladders and templates. ---


@org_view("read")
def ladders_page(request: HttpRequest) -> HttpResponse:
    from recoup.outreach.setup import ladders_ensure_defaults

    organisation = request.organisation
    if request.membership.can("manage"):
        ladders_ensure_defaults(organisation)
    policies = selectors.ladders(organisation)
    example_due = today(organisation.timezone)
    return render(
        request,
        "web/ladders.html",
        {
            "section": "ladders",
            "ladders": [_ladder_view(p, example_due) for p in policies],
            "example_due": example_due,
            "can_edit": request.membership.can("manage"),
        },
    )


def _ladder_view(policy: LadderPolicy, example_due: date) -> dict:
    ladder = ladder_from_data(policy.definition)
    return {
        "policy": policy,
        "ladder": ladder,
        "chart": ladder_chart(ladder, example_due),
        "data_id": f"ladder-{policy.key}-data",
        "steps": [{"step": step, "when": _when(step.conditions)} for step in ladder.steps],
    }


def _when(conditions) -> str:
    parts = [f"balance ≥ {format_minor(v, c)}" for c, v in sorted(conditions.min_balance.items())]
    for label, names in (("in", conditions.buckets), ("segment", conditions.segments), ("", conditions.customer_kinds)):
        if names:
            parts.append(f"{label} {', '.join(sorted(names))}".strip())
    return "; ".join(parts)


@org_view("manage")
def ladder_edit(request: HttpRequest, key: str) -> HttpResponse:
    organisation = request.organisation
    policy = LadderPolicy.objects.filter(organisation=organisation, key=key).first()
    if policy is None and key != "new":
        raise Http404("No such ladder")
    problems: list[str] = []
    text = ladders_export_one(policy) if policy else NEW_LADDER
    if request.method == "POST":
        text = request.POST.get("yaml", "")
        try:
            saved = ladders_import(organisation, text, request.user)
            messages.success(request, f"Saved {', '.join(p.name for p in saved)}.")
            return redirect("ladders", slug=organisation.slug)
        except LadderError as error:
            problems = error.problems
    return render(
        request,
        "web/ladder_edit.html",
        {"section": "ladders", "policy": policy, "yaml": text, "problems": problems},
        status=400 if problems else 200,
    )


NEW_LADDER = """key: my-ladder
name: My ladder
min_gap_days: 3
applies_to: {segments: [], customer_kinds: []}
steps:
  - {key: upcoming, day: -3, channel: email, template: upcoming}
  - {key: overdue, day: 3, channel: email, template: overdue}
  - {key: final-notice, day: 45, channel: letter, template: final_notice, tone: final}
"""


def ladders_export_one(policy: LadderPolicy) -> str:
    import yaml

    item = dict(policy.definition)
    if policy.is_default:
        item = {"default": True, **item}
    return yaml.safe_dump(item, sort_keys=False, allow_unicode=True, width=110)


@org_view("read")
def ladders_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(ladders_export(request.organisation), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ladders.yaml"'
    return response


@org_view("manage")
def template_edit(request: HttpRequest, key: str) -> HttpResponse:
    organisation = request.organisation
    if key not in default_templates():
        raise Http404("No such template")
    current = template_for(organisation, key)
    subject, body, problem = current.subject, current.body, ""
    if request.method == "POST":
        subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
        try:
            template_save(organisation=organisation, key=key, subject=subject, body=body, actor=request.user)
            messages.success(request, f"Template {key} saved.")
            return redirect("template", slug=organisation.slug, key=key)
        except OutreachError as error:
            problem = str(error)
    preview = None
    if not problem:
        try:
            preview = render_template(subject, body, sample_context())
        except Exception as error:  # a saved template always renders; this is belt and braces for the page
            problem = str(error)
    return render(
        request,
        "web/template_edit.html",
        {
            "section": "ladders",
            "key": key,
            "channel": current.channel,
            "subject": subject,
            "body": body,
            "problem": problem,
            "preview": preview,
            "variables": VARIABLES,
            "templates": sorted(default_templates()),
        },
        status=400 if problem and request.method == "POST" else 200,
    )


def chasing_context(request: HttpRequest, customer: Customer) -> dict:
    """The customer page's "Chasing" panel: what happens next and why, pauses, and the ladder."""
    from recoup.outreach.cycle import explain_next

    organisation = request.organisation
    as_of = today(organisation.timezone)
    choice = CustomerLadder.objects.filter(customer=customer).select_related("ladder").first()
    return {
        "chasing_next": explain_next(customer, as_of),
        "chasing_pauses": selectors.pauses_active(customer, as_of),
        "chasing_ladders": selectors.ladders(organisation),
        "chasing_choice": choice.ladder.key if choice else "",
        "pause_form": PauseForm(),
    }
