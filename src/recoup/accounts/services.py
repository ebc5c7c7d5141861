"""Writes to accounts: users, memberships and API tokens. Each write is audited."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import ApiToken, Membership, Role
from recoup.audit.services import audit_record
from recoup.organisations.models import Organisation

TOKEN_PREFIX = "rcp_"


class AccountError(ValueError):
    pass


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def user_add(*, email: str, password: str, organisation: Organisation, role: str, actor=None):
    """Create a login (or reuse the user with this email) and give it ``role`` in ``organisation``."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(f"{email!r} is not an email address") from None
    if role not in Role.values:
        raise AccountError(f"role must be one of {', '.join(Role.values)}")
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is None:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages)) from None
        user = User.objects.create_user(username=email, email=email, password=password)
        audit_record(organisation=organisation, actor=actor, action="user.created", target=user, after={"email": email})
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    if not created and membership.role != role:
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="membership.role_changed",
            target=membership,
            before={"role": before},
            after={"role": role},
        )
    elif created:
        audit_record(
            organisation=organisation,
            actor=actor,
            action="membership.created",
            target=membership,
            after={"email": email, "role": role},
        )
    return user


@transaction.atomic
def token_create(*, user, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the record and the token text, which is never stored."""
    secret = secrets.token_urlsafe(32)
    text = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(user=user, name=name, prefix=text[:10], digest=token_digest(text))
    for membership in user.memberships.select_related("organisation"):
        audit_record(
            organisation=membership.organisation,
            actor=actor or user,
            action="token.created",
            target=token,
            after={"prefix": token.prefix, "name": name},
        )
    return token, text


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        for membership in token.user.memberships.select_related("organisation"):
            audit_record(
                organisation=membership.organisation,
                actor=actor,
                action="token.revoked",
                target=token,
                before={"revoked_at": None},
                after={"revoked_at": token.revoked_at.isoformat()},
            )
    return token


def token_authenticate(text: str) -> ApiToken | None:
    """The active token with this text, or None. Marks it used (at most once a minute, to spare writes)."""
    if not text.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(text), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
