"""Reads of organisations."""

from __future__ import annotations

from datetime import date

from recoup.organisations.models import BalanceSheetEntry, Organisation


class OrganisationNotFound(LookupError):
    pass


def organisation_get(*, slug: str | None = None) -> Organisation:
    """The organisation with ``slug``; without a slug, the only one (or an error naming the choices)."""
    if slug:
        try:
            return Organisation.objects.get(slug=slug)
        except Organisation.DoesNotExist:
            raise OrganisationNotFound(f"no organisation with the slug {slug!r}") from None
    organisations = list(Organisation.objects.order_by("id")[:2])
    if not organisations:
        raise OrganisationNotFound("the database has no organisation yet: run `recoup init`")
    if len(organisations) > 1:
        slugs = ", ".join(Organisation.objects.values_list("slug", flat=True))
        raise OrganisationNotFound(f"there are several organisations ({slugs}): pass --org SLUG")
    return organisations[0]


def balance_sheet_latest(*, organisation: Organisation, currency: str, as_of: date) -> BalanceSheetEntry | None:
    return (
        BalanceSheetEntry.objects.filter(organisation=organisation, currency=currency, as_of__lte=as_of)
        .order_by("-as_of")
        .first()
    )
