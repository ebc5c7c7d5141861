"""Reads for the guard: the facts about a debtor, their recent attempts, and what the guard blocked."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from recoup.compliance.facts_loader import HISTORY_DAYS, ContactDetails, FactsLoader, attempt_from_row
from recoup.compliance.models import BlockedContact, BlockedRule, ComplianceSettings, ContactAttempt, ContactPermission
from recoup.core.compliance import Attempt, DebtorFacts, Policy, policy_with
from recoup.ledger.models import Customer
from recoup.organisations.models import Organisation

__all__ = ["HISTORY_DAYS", "ContactDetails", "attempt_from_row"]


def settings_of(organisation: Organisation) -> ComplianceSettings:
    found = ComplianceSettings.objects.filter(organisation=organisation).first()
    return found or ComplianceSettings(organisation=organisation)


def policy_of(organisation: Organisation) -> Policy:
    found = settings_of(organisation)
    return policy_with({**(found.overrides or {}), "federal_rules_everywhere": found.federal_rules_everywhere})


def contact_details(customer: Customer) -> ContactDetails:
    """The debtor's usable addresses per channel, primary first, with phone line types."""
    return FactsLoader(customer.organisation, [customer.pk], timezone.now()).details[customer.pk]


def debtor_facts(customer: Customer, as_of: datetime, details: ContactDetails | None = None) -> DebtorFacts:
    """Everything the guard needs to know about ``customer``, built from the ledger and the profile."""
    loader = FactsLoader(customer.organisation, [customer.pk], as_of)
    if details is not None:
        loader.details[customer.pk] = details
    return loader.facts(customer.pk)


def attempt_history(customer: Customer, as_of: datetime, days: int = HISTORY_DAYS) -> list[Attempt]:
    rows = ContactAttempt.objects.filter(
        customer=customer, attempted_at__gt=as_of - timedelta(days=days), attempted_at__lte=as_of
    ).select_related("invoice")
    return [attempt_from_row(row, row.invoice.number if row.invoice_id else None) for row in rows]


def attempts_recent(customer: Customer, limit: int = 20) -> list[ContactAttempt]:
    return list(ContactAttempt.objects.filter(customer=customer).order_by("-attempted_at", "-id")[:limit])


def permissions_of(customer: Customer) -> list[ContactPermission]:
    return list(ContactPermission.objects.filter(customer=customer).order_by("-recorded_at", "-id"))


def blocked_by_rule(organisation: Organisation, start: datetime, end: datetime) -> list[tuple[str, int]]:
    """How many contacts each rule blocked in [start, end), most first."""
    rows = (
        BlockedRule.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
        .values("rule")
        .annotate(blocked=Count("id"))
        .order_by("-blocked", "rule")
    )
    return [(row["rule"], row["blocked"]) for row in rows]


def blocked_recent(organisation: Organisation, start: datetime, end: datetime, limit: int = 50) -> list[BlockedContact]:
    return list(
        BlockedContact.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
        .select_related("customer")
        .order_by("-blocked_at", "-id")[:limit]
    )


def blocked_totals(organisation: Organisation, start: datetime, end: datetime) -> dict:
    found = BlockedContact.objects.filter(organisation=organisation, blocked_at__gte=start, blocked_at__lt=end)
    return found.aggregate(contacts=Count("id"), customers=Count("customer", distinct=True), last=Max("blocked_at"))
