"""Reads of accounts: which organisations a user reaches, and with what role."""

from __future__ import annotations

from django.http import Http404

from recoup.accounts.models import ApiToken, Membership
from recoup.organisations.models import Organisation


def memberships_of(user) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__slug"))


def membership_get(user, slug: str) -> Membership:
    """The user's membership of the organisation ``slug``; 404 when there is none.

    A 404, not a 403: a user of one organisation must not learn that another exists.
    """
    membership = (
        Membership.objects.filter(user=user, organisation__slug=slug).select_related("organisation").first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such organisation")
    return membership


def tokens_of(user) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def organisation_members(organisation: Organisation) -> list[Membership]:
    return list(Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email"))
