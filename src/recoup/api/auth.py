"""Bearer-token authentication and organisation scoping for the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer

from recoup.accounts.models import Membership
from recoup.accounts.selectors import membership_get
from recoup.accounts.services import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_authenticate(token)
        return found.user if found else None


def membership(request, slug: str, permission: str = "read") -> Membership:
    """The caller's membership of ``slug`` (404 if none: other organisations do not exist for them)."""
    found = membership_get(request.auth, slug)
    if not found.can(permission):
        raise PermissionDenied(f"Your role ({found.role}) cannot do this.")
    return found
