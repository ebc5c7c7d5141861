"""Owner pages: the audit log, and API tokens (each user manages their own)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recoup.accounts.models import ApiToken
from recoup.accounts.selectors import tokens_of
from recoup.accounts.services import token_create, token_revoke
from recoup.audit.models import AuditEvent
from recoup.web.access import org_view

AUDIT_PAGE = 100


@org_view("audit")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every write, newest first; read-only (the model refuses changes)."""
    events = AuditEvent.objects.filter(organisation=request.organisation)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, AUDIT_PAGE).get_page(request.GET.get("page"))
    actions = (
        AuditEvent.objects.filter(organisation=request.organisation)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )
    return render(request, "web/audit.html", {"section": "audit", "page": page, "action": action, "actions": actions})


@org_view("read")
def tokens(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/tokens.html",
        {"section": "tokens", "tokens": tokens_of(request.user), "new_token": request.session.pop("new_token", None)},
    )


@org_view("read")
@require_POST
def token_new(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    _, text = token_create(user=request.user, name=name, actor=request.user)
    # Shown once, on the next page: only its digest is kept.
    request.session["new_token"] = text
    return redirect("tokens", slug=request.organisation.slug)


@org_view("read")
@require_POST
def token_delete(request: HttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404("No such token")
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("tokens", slug=request.organisation.slug)
