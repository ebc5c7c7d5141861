"""Compliance in the browser: the guard's panel on the customer page, the debtor facts it reads, what it
blocked this month, and the rules it applies."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from recoup.compliance import selectors, services
from recoup.compliance.errors import ComplianceError
from recoup.compliance.explain import explain
from recoup.compliance.models import ContactPermission, DebtorProfile
from recoup.compliance.windows import format_window
from recoup.core.compliance import RULES
from recoup.core.compliance.rules import policy_parameters
from recoup.ledger.models import Customer
from recoup.web.access import org_view
from recoup.web.charts import blocked_by_rule_chart
from recoup.web.compliance_forms import ComplianceSettingsForm, DebtorFactsForm, PermissionForm
from recoup.web.lookups import customer_or_404

PANEL_FORMS = frozenset({"facts_form", "permission_form"})


def panel_context(request: HttpRequest, customer: Customer, **forms) -> dict:
    """The guard's view of the customer, for the customer page."""
    explanation = explain(customer, timezone.now())
    profile = DebtorProfile.objects.filter(customer=customer).first() or DebtorProfile(customer=customer)
    facts_form = forms.get("facts_form") or DebtorFactsForm(
        initial={
            "cease": profile.cease_requested_at is not None,
            "attorney_name": profile.attorney_name,
            "attorney_contact": profile.attorney_contact,
            "bankruptcy_filed_on": profile.bankruptcy_filed_on,
            "deceased_on": profile.deceased_on,
            "estate_representative": profile.estate_representative,
            "workplace_contact_prohibited": profile.workplace_contact_prohibited,
            "inconvenient_times": "\n".join(format_window(w) for w in profile.inconvenient_times or []),
            "debt_type": profile.debt_type,
        }
    )
    return {
        "guard": explanation,
        "permissions": selectors.permissions_of(customer),
        "attempts": selectors.attempts_recent(customer, 10),
        "facts_form": facts_form,
        "facts_form_open": "facts_form" in forms,
        "permission_form": forms.get("permission_form") or PermissionForm(),
        "permission_form_open": "permission_form" in forms,
    }


def _rerender(request: HttpRequest, customer: Customer, **forms) -> HttpResponse:
    from recoup.web.views.customers import customer_context

    return render(request, "web/customer.html", customer_context(request, customer, **forms), status=400)


@org_view("work")
@require_POST
def facts_update(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = DebtorFactsForm(request.POST)
    if not form.is_valid():
        return _rerender(request, customer, facts_form=form)
    data = form.cleaned_data
    profile = DebtorProfile.objects.filter(customer=customer).first() or DebtorProfile(customer=customer)
    wanted = {
        "attorney_name": data["attorney_name"].strip(),
        "attorney_contact": data["attorney_contact"].strip(),
        "bankruptcy_filed_on": data["bankruptcy_filed_on"],
        "deceased_on": data["deceased_on"],
        "estate_representative": data["estate_representative"].strip(),
        "workplace_contact_prohibited": data["workplace_contact_prohibited"],
        "inconvenient_times": data["inconvenient_times"],
        "debt_type": data["debt_type"],
    }
    if wanted["attorney_name"] and not profile.attorney_name:
        wanted["attorney_since"] = timezone.now().date()
    if not wanted["attorney_name"]:
        wanted["attorney_since"] = None
    if data["cease"] and profile.cease_requested_at is None:
        wanted["cease_requested_at"] = timezone.now()
    elif not data["cease"] and profile.cease_requested_at is not None:
        wanted["cease_requested_at"] = None
    changes = {k: v for k, v in wanted.items() if getattr(profile, k) != v}
    if changes:
        try:
            services.profile_update(customer=customer, changes=changes, actor=request.user)
        except ComplianceError as error:
            form.add_error(None, str(error))
            return _rerender(request, customer, facts_form=form)
        messages.success(request, "Debtor facts saved. The contact rules below reflect them.")
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)


@org_view("work")
@require_POST
def permission_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    form = PermissionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.permission_record(
                customer=customer,
                kind=data["kind"],
                channel=data["channel"],
                address=data["address"],
                source=data["source"],
                actor=request.user,
            )
            messages.success(request, "Recorded.")
            return redirect("customer", slug=request.organisation.slug, pk=customer.pk)
        except ComplianceError as error:
            form.add_error(None, str(error))
    return _rerender(request, customer, permission_form=form)


@org_view("work")
@require_POST
def permission_end(request: HttpRequest, pk: int, permission_id: int) -> HttpResponse:
    customer = customer_or_404(request, pk)
    permission = ContactPermission.objects.filter(customer=customer, pk=permission_id).first()
    if permission is None:
        raise Http404("No such opt-out or consent")
    services.permission_revoke(permission=permission, actor=request.user)
    messages.success(request, "Ended.")
    return redirect("customer", slug=request.organisation.slug, pk=customer.pk)


def _month(request: HttpRequest) -> tuple[datetime, datetime, str]:
    local = timezone.localtime()
    text = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in text.split("-")) if text else (local.year, local.month)
        start = local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    except ValueError:
        raise Http404("No such month") from None
    end = start.replace(year=year + (month == 12), month=month % 12 + 1)
    return start.astimezone(UTC), end.astimezone(UTC), f"{year:04d}-{month:02d}"


@org_view("read")
def compliance_page(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    start, end, label = _month(request)
    counts = selectors.blocked_by_rule(organisation, start, end)
    current = selectors.settings_of(organisation)
    form = ComplianceSettingsForm(
        initial={
            "mode": current.mode,
            "uses_other_name": current.uses_other_name,
            "debt_type": current.debt_type,
            "contract": current.contract,
            "federal_rules_everywhere": current.federal_rules_everywhere,
        }
    )
    return render(
        request,
        "web/compliance.html",
        {
            "section": "compliance",
            "month": label,
            "totals": selectors.blocked_totals(organisation, start, end),
            "counts": [{"rule": r, "title": RULES[r].title if r in RULES else "", "blocked": n} for r, n in counts],
            "chart": blocked_by_rule_chart(counts, label) if counts else None,
            "recent": selectors.blocked_recent(organisation, start, end, 25),
            "settings_form": form,
            "can_manage": request.membership.can("manage"),
        },
    )


@org_view("manage")
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    form = ComplianceSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.settings_update(organisation=request.organisation, changes=form.cleaned_data, actor=request.user)
            messages.success(request, "Compliance settings saved.")
        except ComplianceError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Check the settings: " + "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("compliance", slug=request.organisation.slug)


@org_view("read")
def rules_page(request: HttpRequest) -> HttpResponse:
    overrides = selectors.settings_of(request.organisation).overrides or {}
    parameters = [
        {"name": n, "rule": r, "default": d, "value": overrides.get(n, d), "doc": doc, "verified": v}
        for n, r, d, doc, v in policy_parameters()
    ]
    return render(
        request,
        "web/compliance_rules.html",
        {"section": "compliance", "rules": list(RULES.values()), "parameters": parameters},
    )
