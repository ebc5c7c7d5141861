"""Writes to organisations."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from recoup.core.aging import BucketScheme
from recoup.core.currency import normalise_code
from recoup.organisations.models import BalanceSheetEntry, Organisation

DEFAULT_SLUG = "default"


class OrganisationError(ValueError):
    pass


def _validated(currency: str, timezone: str) -> tuple[str, str]:
    try:
        code = normalise_code(currency)
    except ValueError as exc:
        raise OrganisationError(str(exc)) from None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrganisationError(f"{timezone!r} is not a time zone name such as America/New_York") from None
    return code, timezone


@transaction.atomic
def organisation_create(*, slug: str, name: str, currency: str = "USD", timezone: str = "UTC") -> Organisation:
    code, zone = _validated(currency, timezone)
    if Organisation.objects.filter(slug=slug).exists():
        raise OrganisationError(f"an organisation with the slug {slug!r} exists already")
    return Organisation.objects.create(slug=slug, name=name, currency=code, timezone=zone)


@transaction.atomic
def organisation_ensure_default(
    *, name: str = "My business", currency: str = "USD", timezone: str = "UTC"
) -> tuple[Organisation, bool]:
    """The default organisation, created when the database has none. Returns (organisation, created)."""
    existing = Organisation.objects.order_by("id").first()
    if existing is not None:
        return existing, False
    return organisation_create(slug=DEFAULT_SLUG, name=name, currency=currency, timezone=timezone), True


def organisation_set_aging_edges(*, organisation: Organisation, scheme: BucketScheme) -> Organisation:
    organisation.aging_edges = list(scheme.edges)
    organisation.save(update_fields=["aging_edges"])
    return organisation


@transaction.atomic
def balance_sheet_record(
    *,
    organisation: Organisation,
    as_of: date,
    current_assets_cents: int,
    current_liabilities_cents: int,
    currency: str | None = None,
) -> BalanceSheetEntry:
    """Record current assets and liabilities on a date (replacing that day's figures)."""
    if current_assets_cents < 0 or current_liabilities_cents < 0:
        raise OrganisationError("current assets and liabilities are entered as positive amounts")
    entry, _ = BalanceSheetEntry.objects.update_or_create(
        organisation=organisation,
        currency=currency or organisation.currency,
        as_of=as_of,
        defaults={
            "current_assets_cents": current_assets_cents,
            "current_liabilities_cents": current_liabilities_cents,
        },
    )
    return entry
