"""Owners subscribe URLs to events and watch the deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recoup.web.access import org_view
from recoup.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from recoup.webhooks.services import WebhookError, endpoint_create, endpoint_delete


@org_view("manage")
def webhook_list(request: HttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.filter(organisation=request.organisation)
    deliveries = WebhookDelivery.objects.filter(endpoint__organisation=request.organisation).select_related("endpoint")[
        :50
    ]
    return render(
        request,
        "web/webhooks.html",
        {
            "section": "webhooks",
            "endpoints": endpoints,
            "deliveries": deliveries,
            "event_types": EventType.choices,
            "new_secret": request.session.pop("new_webhook_secret", None),
        },
    )


@org_view("manage")
@require_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    try:
        endpoint = endpoint_create(
            organisation=request.organisation,
            url=request.POST.get("url", "").strip(),
            events=request.POST.getlist("events"),
            actor=request.user,
        )
    except WebhookError as error:
        messages.error(request, str(error))
        return redirect("webhooks", slug=request.organisation.slug)
    request.session["new_webhook_secret"] = endpoint.secret
    messages.success(request, f"Deliveries to {endpoint.url} are signed with the secret shown below.")
    return redirect("webhooks", slug=request.organisation.slug)


@org_view("manage")
@require_POST
def webhook_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = WebhookEndpoint.objects.filter(organisation=request.organisation, pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook")
    endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, f"Webhook {endpoint.url} removed.")
    return redirect("webhooks", slug=request.organisation.slug)
