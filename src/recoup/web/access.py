"""Who may open which page: every organisation page is reached through its slug, by members only.

A user who is not a member of an organisation gets 404 for every page of it (never 403), so the
existence of other organisations' data does not leak. A member whose role lacks the permission a page
needs gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from recoup.accounts.selectors import membership_get, memberships_of


def org_view(permission: str = "read") -> Callable:
    """Decorate a view taking ``(request, slug, ...)``: sets ``request.organisation`` and
    ``request.membership`` and checks the role's ``permission``."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            membership = membership_get(request.user, slug)
            if not membership.can(permission):
                raise PermissionDenied(f"Your role ({membership.role}) cannot do this.")
            request.membership = membership
            request.organisation = membership.organisation
            request.memberships = memberships_of(request.user)
            # Times on the page read in the business's own time zone.
            with timezone.override(ZoneInfo(membership.organisation.timezone)):
                return view(request, *args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorate
