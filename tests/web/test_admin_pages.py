from __future__ import annotations

import pytest

from recoup.accounts.models import ApiToken
from recoup.accounts.services import token_authenticate, user_add
from recoup.audit.models import AuditEvent
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_owner_sees_the_audit_log_collectors_do_not(owner_client, client, org):
    response = owner_client.get(f"/o/{org.slug}/audit/")
    assert response.status_code == 200 and "membership.created" in response.content.decode()
    collector = user_add(email="c@example.com", password=PASSWORD, organisation=org, role="collector")
    client.force_login(collector)
    assert client.get(f"/o/{org.slug}/audit/").status_code == 403


def test_tokens_are_created_shown_once_and_revoked_in_the_app(owner_client, org, owner):
    response = owner_client.post(f"/o/{org.slug}/tokens/new/", {"name": "sync"})
    assert response.status_code == 302
    page = owner_client.get(f"/o/{org.slug}/tokens/").content.decode()
    token = ApiToken.objects.get(user=owner)
    start = page.index('<code class="token">') + len('<code class="token">')
    text = page[start : page.index("</code>", start)]
    assert token_authenticate(text).user == owner
    assert '<code class="token">' not in owner_client.get(f"/o/{org.slug}/tokens/").content.decode()
    owner_client.post(f"/o/{org.slug}/tokens/{token.pk}/revoke/")
    assert token_authenticate(text) is None
    assert AuditEvent.objects.filter(action="token.revoked").exists()


def test_a_user_cannot_revoke_someone_elses_token(owner_client, org):
    from recoup.accounts.services import token_create

    other = user_add(email="x@example.com", password=PASSWORD, organisation=org, role="collector")
    token, _ = token_create(user=other)
    assert owner_client.post(f"/o/{org.slug}/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_owners_add_and_remove_webhooks_collectors_cannot(owner_client, client, org):
    from recoup.webhooks.models import WebhookEndpoint

    response = owner_client.post(
        f"/o/{org.slug}/webhooks/new/",
        {"url": "https://example.com/hook", "events": ["invoice.paid", "customer.disputed"]},
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in owner_client.get(f"/o/{org.slug}/webhooks/").content.decode()  # shown once
    assert endpoint.secret not in owner_client.get(f"/o/{org.slug}/webhooks/").content.decode()
    owner_client.post(f"/o/{org.slug}/webhooks/new/", {"url": "ftp://x", "events": ["invoice.paid"]})
    assert WebhookEndpoint.objects.count() == 1
    owner_client.post(f"/o/{org.slug}/webhooks/{endpoint.pk}/delete/")
    assert WebhookEndpoint.objects.count() == 0
    collector = user_add(email="c2@example.com", password=PASSWORD, organisation=org, role="collector")
    client.force_login(collector)
    assert client.get(f"/o/{org.slug}/webhooks/").status_code == 403
