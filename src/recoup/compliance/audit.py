"""An independent check of the attempt ledger: did any recorded contact break a rule?

This code shares no logic with the guard (``recoup.core.compliance.guard``). It reads the stored rows
(attempts, contact points, profiles, opt-outs, consents, disputes) and re-derives everything itself:
the debtor's time zones straight from ``zipcodes`` and ``phonenumbers``, which rules reach the account,
and each count, with its own sliding windows. It uses only the rule parameters (the policy) and the
state-to-zone table. A finding means the guard let something through that it should not have.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import zipcodes
from django.db.models import F
from phonenumbers import timezone as phone_timezones

from recoup.activity.models import Dispute, DisputeStatus
from recoup.compliance.models import ContactAttempt, ContactPermission, DebtorProfile, Direction, PermissionKind
from recoup.compliance.selectors import policy_of, settings_of
from recoup.core.compliance.zones import ALL_STATES_ZONES, STATE_ZONES
from recoup.ledger.models import ContactKind, ContactPoint, Customer, CustomerKind, Invoice
from recoup.organisations.models import Organisation

REACHING_STATES = {"CA", "FL", "MA", "NY"}
NYC_COUNTIES = {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"}


@dataclass(frozen=True)
class Finding:
    rule: str
    attempt_id: int
    customer: str
    at: datetime
    message: str


@dataclass
class AuditReport:
    attempts_checked: int = 0
    customers: int = 0
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Debtor:
    consumer: bool
    state: str
    nyc: bool
    zones: list[str]
    profile: DebtorProfile | None
    opt_outs: list[ContactPermission]
    consents: list[ContactPermission]
    disputes: dict[str, list[tuple[datetime, datetime | None]]]  # invoice number -> (paused from, until)
    open_invoices: list[str]
    employer_emails: set[str]


def _zones(postal_code: str, phones: list[str], state: str) -> list[str]:
    zones: list[str] = []
    matches = zipcodes.matching(postal_code[:5]) if len(postal_code) >= 5 and postal_code[:5].isdigit() else []
    if matches and matches[0].get("timezone"):
        zones.append(matches[0]["timezone"])
    for number in phones:
        try:
            found = [
                z for z in phone_timezones.time_zones_for_number(phonenumbers.parse(number, "US")) if z != "Etc/Unknown"
            ]
        except phonenumbers.NumberParseException:
            continue
        if 0 < len(found) <= 3:
            zones.extend(found)
    if not zones:
        zones.extend(STATE_ZONES.get(state, ()))
    return sorted(set(zones)) or list(ALL_STATES_ZONES)


def _debtor(customer: Customer, points: list[ContactPoint], profile, permissions, disputes, invoices) -> Debtor:
    address = next((p for p in points if p.kind == ContactKind.ADDRESS and p.is_primary), None) or next(
        (p for p in points if p.kind == ContactKind.ADDRESS), None
    )
    postal = address.postal_code if address else ""
    matches = zipcodes.matching(postal[:5]) if len(postal) >= 5 and postal[:5].isdigit() else []
    state = matches[0]["state"] if matches else (address.region.upper() if address else "")
    nyc = bool(matches) and matches[0]["state"] == "NY" and matches[0].get("county") in NYC_COUNTIES
    phones = [p.value for p in points if p.kind == ContactKind.PHONE and p.status not in ("bad", "invalid")]
    return Debtor(
        consumer=customer.kind == CustomerKind.PERSON,
        state=state,
        nyc=nyc,
        zones=_zones(postal, phones, state),
        profile=profile,
        opt_outs=[p for p in permissions if p.kind == PermissionKind.OPT_OUT],
        consents=[p for p in permissions if p.kind == PermissionKind.CONSENT],
        disputes=disputes,
        open_invoices=invoices,
        employer_emails={p.value for p in points if p.kind == ContactKind.EMAIL and p.employer_provided},
    )


def _active(permissions: list[ContactPermission], channel: str, address: str, at: datetime) -> bool:
    return any(
        p.channel == channel
        and p.address in ("", address)
        and p.recorded_at <= at
        and (p.revoked_at is None or p.revoked_at > at)
        for p in permissions
    )


def attempt_ledger_audit(organisation: Organisation, start: datetime, end: datetime) -> AuditReport:
    """Check every outbound attempt in [start, end) against the rules, from the stored rows alone."""
    policy = policy_of(organisation)
    settings = settings_of(organisation)
    third_party = settings.mode == "third_party" or settings.uses_other_name
    attempts = list(
        ContactAttempt.objects.filter(
            organisation=organisation, attempted_at__lt=end, attempted_at__gte=start - timedelta(days=31)
        )
        .select_related("invoice")
        .order_by("customer_id", "attempted_at", "id")
    )
    by_customer: dict[int, list[ContactAttempt]] = defaultdict(list)
    for attempt in attempts:
        by_customer[attempt.customer_id].append(attempt)
    report = AuditReport(customers=len(by_customer))
    customers = Customer.objects.in_bulk(list(by_customer))
    points: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in ContactPoint.objects.filter(customer_id__in=list(by_customer)):
        points[point.customer_id].append(point)
    profiles = DebtorProfile.objects.in_bulk(list(by_customer), field_name="customer_id")
    permissions: dict[int, list[ContactPermission]] = defaultdict(list)
    for permission in ContactPermission.objects.filter(customer_id__in=list(by_customer)):
        permissions[permission.customer_id].append(permission)
    disputes: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for dispute in Dispute.objects.filter(customer_id__in=list(by_customer)).select_related("invoice"):
        until = dispute.closed_at if dispute.status == DisputeStatus.VERIFIED else None
        if dispute.status == DisputeStatus.RESOLVED:
            until = dispute.closed_at
        disputes[dispute.customer_id][dispute.invoice.number].append((dispute.opened_at, until))
    for invoice in Invoice.objects.filter(customer_id__in=list(by_customer), disputed=True):
        if not disputes[invoice.customer_id].get(invoice.number):
            disputes[invoice.customer_id][invoice.number].append((datetime.min.replace(tzinfo=UTC), None))
    invoices: dict[int, list[str]] = defaultdict(list)
    still_open = Invoice.objects.filter(
        customer_id__in=list(by_customer), settled_on__isnull=True, amount_cents__gt=F("applied_cents")
    )
    for customer_id, number in still_open.values_list("customer_id", "number"):
        invoices[customer_id].append(number)

    for customer_id, rows in by_customer.items():
        customer = customers[customer_id]
        debtor = _debtor(
            customer,
            points[customer_id],
            profiles.get(customer_id),
            permissions[customer_id],
            disputes[customer_id],
            invoices[customer_id],
        )
        findings = _check_debtor(customer, debtor, rows, start, third_party, settings.federal_rules_everywhere, policy)
        report.findings.extend(findings)
        report.attempts_checked += sum(1 for r in rows if r.attempted_at >= start and r.direction == Direction.OUTBOUND)
    return report


def _about(row: ContactAttempt) -> set[str]:
    if row.covers:
        return set(row.covers)
    if row.invoice_id:
        return {row.invoice.number}
    return set()


def _overlaps(a: set[str], b: set[str]) -> bool:
    return not a or not b or bool(a & b)


def _check_debtor(customer, debtor: Debtor, rows, start, third_party, everywhere, policy) -> list[Finding]:
    found: list[Finding] = []
    federal = debtor.consumer and (third_party or everywhere or debtor.state in REACHING_STATES or debtor.nyc)
    outbound = [r for r in rows if r.direction == Direction.OUTBOUND and r.connected]
    times = [r.attempted_at for r in outbound]
    profile = debtor.profile

    def flag(rule: str, row: ContactAttempt, message: str) -> None:
        found.append(Finding(rule, row.id, customer.external_id, row.attempted_at, message))

    for row in rows:
        at = row.attempted_at
        if at < start or row.direction != Direction.OUTBOUND:
            continue
        about = _about(row)
        if not set(debtor.zones) <= set(row.time_zones or ALL_STATES_ZONES):
            flag("F3", row, f"zones {debtor.zones} not all considered (the guard used {row.time_zones})")
        if federal and row.channel in ("call", "sms", "email"):
            for zone in debtor.zones:
                local = at.astimezone(ZoneInfo(zone))
                if not policy.day_starts <= local.time() < policy.day_ends:
                    flag("F2", row, f"{local:%H:%M} in {zone}")
            for window in (profile.inconvenient_times if profile else []) or []:
                for zone in debtor.zones:
                    local = at.astimezone(ZoneInfo(zone))
                    days = window.get("days") or list(range(7))
                    if local.weekday() in days and window["start"] <= local.strftime("%H:%M") < window["end"]:
                        flag("F2", row, f"inside the debtor's inconvenient time {window['start']}-{window['end']}")
        if federal and row.channel == "call" and row.connected:
            window_start = at - timedelta(days=policy.call_window_days)
            recent_calls = [
                r for r in outbound[bisect_right(times, window_start) : bisect_right(times, at)] if r.channel == "call"
            ]
            for debt in about or set(debtor.open_invoices) or {"*"}:
                count = sum(1 for r in recent_calls if debt == "*" or not _about(r) or debt in _about(r))
                if count > policy.calls_per_window:
                    flag("F1", row, f"{count} calls about {debt} within {policy.call_window_days} days")
                    break
            quiet = at - timedelta(days=policy.quiet_days_after_conversation)
            for other in rows:
                if (
                    other.conversation
                    and other.channel == "call"
                    and quiet < other.attempted_at < at
                    and _overlaps(about, _about(other))
                ):
                    flag("F1", row, f"a call {at - other.attempted_at} after a conversation")
                    break
        if debtor.consumer and debtor.state == "MA" and row.channel in ("call", "sms"):
            work = row.line == "work"
            days, cap = (30, policy.ma_other_per_30_days) if work else (7, policy.ma_home_cell_per_7_days)
            lo = bisect_right(times, at - timedelta(days=days))
            same = [
                r
                for r in outbound[lo : bisect_right(times, at)]
                if r.channel in ("call", "sms") and (r.line == "work") == work and _overlaps(about, _about(r))
            ]
            if len(same) > cap:
                flag("S2", row, f"{len(same)} phone communications in {days} days")
        if debtor.consumer and debtor.state == "WA" and third_party:
            lo = bisect_right(times, at - timedelta(days=7))
            if bisect_right(times, at) - lo > policy.wa_per_week:
                flag("S6", row, "more than the weekly limit of communications")
        if debtor.consumer and debtor.nyc and row.channel != "letter":
            lo = bisect_right(times, at - timedelta(days=7))
            recent = [r for r in outbound[lo : bisect_right(times, at)] if r.channel != "letter"]
            if len(recent) > policy.nyc_per_7_days:
                flag("S4", row, f"{len(recent)} communications in 7 days")
        if (
            profile
            and profile.cease_requested_at
            and profile.cease_requested_at <= at
            and row.purpose in ("collection", "validation_notice", "dispute_response")
        ):
            flag("F6", row, f"after the cease request of {profile.cease_requested_at:%Y-%m-%d}")
        if _active(debtor.opt_outs, row.channel, row.address, at):
            flag("F6", row, f"after an opt-out of {row.channel} {row.address}")
        if row.channel == "sms" and not _active(debtor.consents, "sms", row.address, at):
            flag("T1", row, f"a text to {row.address} without consent")
        if (
            row.channel == "call"
            and row.autodialed
            and row.line in ("cell", "unknown")
            and not _active(debtor.consents, "call", row.address, at)
        ):
            flag("T1", row, "an autodialed call without consent")
        if row.channel == "email" and federal and row.address in debtor.employer_emails:
            flag("F4", row, "email to an employer-provided address")
        if (
            profile
            and federal
            and profile.attorney_represented
            and profile.attorney_since
            and at.date() >= profile.attorney_since
        ):
            flag("F5", row, "the debtor has an attorney")
        if profile and profile.bankruptcy_filed_on and at.date() >= profile.bankruptcy_filed_on:
            flag("B1", row, "after the bankruptcy filing")
        if profile and federal and profile.deceased_on and at.date() >= profile.deceased_on:
            flag("F20", row, "the debtor has died")
        if row.purpose == "collection":
            targets = about or set(debtor.open_invoices)
            for number in targets:
                for opened, until in debtor.disputes.get(number, []):
                    if opened <= at and (until is None or at < until):
                        flag("F12", row, f"{number} was under dispute")
    return found


__all__ = ["AuditReport", "Finding", "attempt_ledger_audit"]
