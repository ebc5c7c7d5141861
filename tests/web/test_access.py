"""Logging in, throttling, and who sees what."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, reverse

from recoup.web import urls as web_urls
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client, org):
    response = client.get(f"/o/{org.slug}/aging/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.get("/").url == "/login/"


def test_fresh_install_login_page_says_how_to_create_a_login(client, db):
    assert "recoup user add" in client.get("/login/").content.decode()


def test_login_with_argon2_password_then_home_goes_to_the_organisation(client, owner, org):
    response = client.post("/login/", {"username": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").url == f"/o/{org.slug}/"


def test_wrong_password_shows_an_error_next_to_the_form(client, owner):
    response = client.post("/login/", {"username": "owner@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_repeated_failures_lock_the_login(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "owner@example.com", "password": "wrong"})
    locked = client.post("/login/", {"username": "owner@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()


def test_sessions_expire_when_idle_and_activity_renews_them(client, owner, org, settings):
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.force_login(owner)
    client.get(f"/o/{org.slug}/aging/")
    first = Session.objects.get().expire_date
    client.get(f"/o/{org.slug}/aging/")
    assert Session.objects.get().expire_date == first  # no write on every request
    session = client.session
    session["_renewed_at"] = 0  # the last renewal was long ago
    session.save()
    client.get(f"/o/{org.slug}/aging/")
    assert Session.objects.get().expire_date > first


def test_logout_needs_post(owner_client):
    assert owner_client.get("/logout/").status_code == 405
    assert owner_client.post("/logout/").status_code == 302
    assert owner_client.get("/").url == "/login/"


def _organisation_urls(slug: str, objects: dict) -> list[str]:
    """Every page under /o/<slug>/, with sample ids filled in, so new pages are covered automatically."""
    urls = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                kwargs = {name: objects.get(name, "csv") for name in pattern.pattern.converters}
                urls.append(reverse(pattern.name, kwargs={"slug": slug, **kwargs}))

    walk(web_urls.organisation_patterns)
    return urls


def test_a_member_of_another_organisation_gets_404_everywhere(client, org, owner, other_org):
    import datetime as dt

    from django.utils import timezone

    from recoup.activity.services import dispute_open
    from recoup.ledger.models import Customer
    from recoup.ledger.services import invoice_issue

    now = timezone.now()
    theirs = Customer.objects.create(organisation=other_org, external_id="R1", created_at=now, updated_at=now)
    invoice = invoice_issue(
        organisation=other_org,
        customer=theirs,
        number="R-1",
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
        amount_cents=100,
    )
    dispute = dispute_open(invoice=invoice, reason="x", actor="test")
    client.force_login(owner)
    from recoup.accounts.models import Membership
    from recoup.accounts.services import token_create

    rival_user = Membership.objects.get(organisation=other_org).user
    token, _ = token_create(user=rival_user)
    from recoup.webhooks.services import endpoint_create

    endpoint = endpoint_create(organisation=other_org, url="https://example.com/hook", events=["invoice.paid"])
    from recoup.compliance.services import permission_record

    permission = permission_record(customer=theirs, kind="consent", channel="sms", source="form", actor="test")
    from recoup.outreach.models import CallTask
    from recoup.outreach.services import pause_add
    from recoup.outreach.setup import ladders_ensure_defaults

    pause = pause_add(customer=theirs, kind="manual", actor="test")
    task = CallTask.objects.create(
        organisation=other_org, customer=theirs, due_on=dt.date(2026, 2, 1), reason="x", script="x", created_at=now
    )
    ladders_ensure_defaults(other_org)
    objects = {
        "pk": theirs.pk,
        "dispute_id": dispute.pk,
        "token_id": token.pk,
        "endpoint_id": endpoint.pk,
        "permission_id": permission.pk,
        "pause_id": pause.pk,
        "task_id": task.pk,
        "key": "b2b",
    }
    urls = _organisation_urls(other_org.slug, objects=objects)
    assert urls
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url


def test_every_organisation_page_refuses_a_post_without_the_csrf_token(org, owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    objects = {
        "pk": 1,
        "dispute_id": 1,
        "token_id": 1,
        "endpoint_id": 1,
        "permission_id": 1,
        "pause_id": 1,
        "task_id": 1,
        "key": "b2b",
    }
    for url in _organisation_urls(org.slug, objects=objects):
        assert strict.post(url).status_code == 403, url


def test_viewers_cannot_write_anywhere(client, org):
    from recoup.accounts.services import user_add

    viewer = user_add(email="viewer@example.com", password=PASSWORD, organisation=org, role="viewer")
    client.force_login(viewer)
    writes = [
        (pattern, getattr(pattern.callback, "permission", "read"))
        for pattern in web_urls.organisation_patterns
        if isinstance(pattern, URLPattern)
    ]
    for pattern, permission in writes:
        if permission == "read":
            continue
        kwargs = {name: 1 for name in pattern.pattern.converters}
        url = reverse(pattern.name, kwargs={"slug": org.slug, **kwargs})
        assert client.post(url).status_code == 403, url


def test_nul_characters_are_refused_before_they_reach_the_database(owner_client):
    assert owner_client.get("/o/default/customers/", {"q": "a\x00b"}).status_code == 400
    response = owner_client.get("/api/v1/organisations/default/customers", {"segment": "x\x00"})
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    response = owner_client.post(
        "/api/v1/organisations/default/customers", '{"external_id": "A\\u0000"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert owner_client.get("/o/default/customers/", {"q": "plain"}).status_code == 200
