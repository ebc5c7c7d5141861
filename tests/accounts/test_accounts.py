from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from recoup.accounts.models import Membership, Role
from recoup.accounts.services import AccountError, token_authenticate, token_create, token_revoke, user_add
from recoup.audit.models import AuditEvent, AuditLogImmutable
from recoup.organisations.services import balance_sheet_record

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def test_user_add_creates_login_with_argon2_and_membership(org):
    user = user_add(email=" Ada@Example.com ", password=PASSWORD, organisation=org, role="collector", actor="cli")
    assert user.username == "ada@example.com"
    assert user.password.startswith("argon2")
    assert Membership.objects.get(user=user, organisation=org).role == Role.COLLECTOR
    actions = list(AuditEvent.objects.filter(organisation=org).values_list("action", "actor_label"))
    assert ("user.created", "cli") in actions and ("membership.created", "cli") in actions


def test_user_add_rejects_bad_input(org):
    with pytest.raises(AccountError, match="not an email"):
        user_add(email="nobody", password=PASSWORD, organisation=org, role="owner")
    with pytest.raises(AccountError, match="role must be"):
        user_add(email="a@example.com", password=PASSWORD, organisation=org, role="king")
    with pytest.raises(AccountError, match="too short"):
        user_add(email="a@example.com", password="short", organisation=org, role="owner")
    assert get_user_model().objects.count() == 0


def test_tokens_authenticate_until_revoked_and_only_digests_are_stored(org):
    user = user_add(email="ada@example.com", password=PASSWORD, organisation=org, role="owner")
    token, text = token_create(user=user, name="ci")
    assert text.startswith("rcp_") and text not in token.digest and token.prefix == text[:10]
    assert token_authenticate(text).user == user
    assert token_authenticate(text + "x") is None
    assert token_authenticate("Bearer nonsense") is None
    token_revoke(token=token, actor=user)
    assert token_authenticate(text) is None


def test_audit_records_before_and_after_and_cannot_be_changed(org):
    balance_sheet_record(
        organisation=org, as_of=dt.date(2026, 6, 1), current_assets_cents=100, current_liabilities_cents=50, actor="cli"
    )
    balance_sheet_record(
        organisation=org, as_of=dt.date(2026, 6, 1), current_assets_cents=200, current_liabilities_cents=50, actor="cli"
    )
    latest = AuditEvent.objects.filter(action="balance_sheet.recorded").first()
    assert latest.before == {"current_assets_cents": 100, "current_liabilities_cents": 50}
    assert latest.after["current_assets_cents"] == 200
    latest.action = "tampered"
    with pytest.raises(AuditLogImmutable):
        latest.save()
    with pytest.raises(AuditLogImmutable):
        latest.delete()


@pytest.mark.django_db(transaction=True)
def test_audit_must_share_the_transaction_of_the_change():
    from recoup.audit.services import audit_record
    from recoup.organisations.services import organisation_ensure_default

    organisation, _ = organisation_ensure_default()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(organisation=organisation, actor=None, action="x", target=organisation)
