"""Writes to organisations."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from recoup.audit.services import audit_record
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
def organisation_create(
    *, slug: str, name: str, currency: str = "USD", timezone: str = "UTC", actor=None
) -> Organisation:
    code, zone = _validated(currency, timezone)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,49}", slug):
        raise OrganisationError(f"{slug!r}: a slug is lower-case letters, digits and hyphens, e.g. smile-dental")
    if Organisation.objects.filter(slug=slug).exists():
        raise OrganisationError(f"an organisation with the slug {slug!r} exists already")
    organisation = Organisation.objects.create(slug=slug, name=name, currency=code, timezone=zone)
    audit_record(
        organisation=organisation,
        actor=actor,
        action="organisation.created",
        target=organisation,
        after={"slug": slug, "name": name, "currency": code, "timezone": zone},
    )
    return organisation


@transaction.atomic
def organisation_ensure_default(
    *, name: str = "My business", currency: str = "USD", timezone: str = "UTC"
) -> tuple[Organisation, bool]:
    """The default organisation, created when the database has none. Returns (organisation, created)."""
    existing = Organisation.objects.order_by("id").first()
    if existing is not None:
        return existing, False
    return organisation_create(slug=DEFAULT_SLUG, name=name, currency=currency, timezone=timezone), True


@transaction.atomic
def organisation_set_aging_edges(*, organisation: Organisation, scheme: BucketScheme, actor=None) -> Organisation:
    before = list(organisation.aging_edges)
    organisation.aging_edges = list(scheme.edges)
    organisation.save(update_fields=["aging_edges"])
    from recoup.ledger.services import customer_balances_refresh

    customer_balances_refresh(organisation_id=organisation.id)  # their buckets follow the new edges
    audit_record(
        organisation=organisation,
        actor=actor,
        action="organisation.buckets_changed",
        target=organisation,
        before={"aging_edges": before},
        after={"aging_edges": organisation.aging_edges},
    )
    return organisation


@transaction.atomic
def balance_sheet_record(
    *,
    organisation: Organisation,
    as_of: date,
    current_assets_cents: int,
    current_liabilities_cents: int,
    currency: str | None = None,
    actor=None,
) -> BalanceSheetEntry:
    """Record current assets and liabilities on a date (replacing that day's figures)."""
    if current_assets_cents < 0 or current_liabilities_cents < 0:
        raise OrganisationError("current assets and liabilities are entered as positive amounts")
    values = {"current_assets_cents": current_assets_cents, "current_liabilities_cents": current_liabilities_cents}
    code = currency or organisation.currency
    existing = BalanceSheetEntry.objects.filter(organisation=organisation, currency=code, as_of=as_of).first()
    entry, _ = BalanceSheetEntry.objects.update_or_create(
        organisation=organisation, currency=code, as_of=as_of, defaults=values
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="balance_sheet.recorded",
        target=entry,
        target_label=f"balance sheet {as_of.isoformat()} ({code})",
        before={k: getattr(existing, k) for k in values} if existing else None,
        after=values | {"as_of": as_of.isoformat()},
    )
    return entry
