"""Compliance facts for the demo portfolio: the situations the guard exists for, in realistic shares.

Some debtors carry a phone from another state (a Hawaii cell with a New York address), most people's
phones are cells and some consented to texts, and a few asked to stop contact, have an attorney, filed
for bankruptcy, died, opted out of email, named inconvenient times or gave a work email. Medical and
dental practices' patients carry medical debt. The numbers and domains stay fictional (555-01XX,
example.net).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from recoup.compliance.models import ContactPermission, DebtorProfile, PermissionKind
from recoup.ledger.models import ContactKind, ContactPoint, ContactSource, Customer, CustomerKind
from recoup.organisations.models import Organisation

SEGMENT_DEBT_TYPES = {"dental": "dental", "medical": "medical", "b2b": "trade", "contracting": "services"}
# Area codes in other zones than most addresses, for the "phone says elsewhere" case.
AWAY_AREA_CODES = ["808", "907", "213", "206", "305", "212", "602", "303"]
BATCH = 5_000


def seed_compliance_facts(organisation: Organisation, as_of: date, seed: int) -> dict[str, int]:
    """Add the facts to every demo customer of ``organisation``; returns how many of each were added."""
    rng = np.random.default_rng(seed + 7)
    moment = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    customers = list(Customer.objects.filter(organisation=organisation).values_list("id", "kind", "segment"))
    phones = {
        customer_id: (point_id, value)
        for customer_id, point_id, value in ContactPoint.objects.filter(
            customer__organisation=organisation, kind=ContactKind.PHONE, is_primary=True
        ).values_list("customer_id", "id", "value")
    }
    # A generated "away" number can equal one the customer already has; contact points are unique.
    known_phones: dict[int, set[str]] = {}
    for customer_id, value in ContactPoint.objects.filter(
        customer__organisation=organisation, kind=ContactKind.PHONE
    ).values_list("customer_id", "value"):
        known_phones.setdefault(customer_id, set()).add(value)
    counts = dict.fromkeys(
        [
            "cell",
            "away_phone",
            "sms_consent",
            "cease",
            "attorney",
            "bankruptcy",
            "deceased",
            "email_opt_out",
            "inconvenient",
            "no_work_contact",
            "work_email",
        ],
        0,
    )
    profiles, permissions, extra_points, lines = [], [], [], {"cell": [], "home": [], "work": []}
    for customer_id, kind, segment in customers:
        person = kind == CustomerKind.PERSON
        draw = rng.random(12)
        profile = DebtorProfile(customer_id=customer_id, debt_type=SEGMENT_DEBT_TYPES.get(segment, ""))
        line = ("cell" if draw[0] < 0.7 else "home") if person else "work"
        point_id, number = phones.get(customer_id, (None, ""))
        if point_id is not None:
            lines[line].append(point_id)
            counts["cell"] += line == "cell"
        area = AWAY_AREA_CODES[int(draw[2] * len(AWAY_AREA_CODES))]
        away = f"+1{area}55501{customer_id % 100:02d}"
        if person and draw[1] < 0.12 and away not in known_phones.get(customer_id, ()):
            extra_points.append(_point(customer_id, ContactKind.PHONE, away, "cell", moment))
            counts["away_phone"] += 1
        if person and line == "cell" and number and draw[3] < 0.45:
            permissions.append(
                _permission(
                    customer_id,
                    PermissionKind.CONSENT,
                    "sms",
                    number,
                    "signed the intake form",
                    moment - timedelta(days=400),
                )
            )
            counts["sms_consent"] += 1
        if person:
            if draw[4] < 0.03:
                profile.cease_requested_at = moment - timedelta(days=int(draw[5] * 200))
                counts["cease"] += 1
            elif draw[4] < 0.05:
                profile.attorney_name, profile.attorney_since = "Dana Whitfield, Esq.", as_of - timedelta(days=90)
                counts["attorney"] += 1
            elif draw[4] < 0.06:
                profile.bankruptcy_filed_on = as_of - timedelta(days=int(draw[5] * 300))
                counts["bankruptcy"] += 1
            elif draw[4] < 0.065:
                profile.deceased_on = as_of - timedelta(days=60)
                profile.estate_representative = "Estate of the debtor, c/o executor"
                counts["deceased"] += 1
            if draw[6] < 0.04:
                permissions.append(
                    _permission(
                        customer_id, PermissionKind.OPT_OUT, "email", "", "asked by email", moment - timedelta(days=30)
                    )
                )
                counts["email_opt_out"] += 1
            if draw[7] < 0.05:
                profile.inconvenient_times = [
                    {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00", "note": "at work"}
                ]
                counts["inconvenient"] += 1
            if draw[8] < 0.03:
                profile.workplace_contact_prohibited = True
                counts["no_work_contact"] += 1
            if draw[9] < 0.03:
                extra_points.append(
                    _point(
                        customer_id,
                        ContactKind.EMAIL,
                        f"debtor{customer_id}@employer.example.net",
                        "",
                        moment,
                        employer=True,
                    )
                )
                counts["work_email"] += 1
        # Only debtors with something to say get a profile row: the rest read the organisation's defaults.
        has_facts = any(
            getattr(profile, name)
            for name in (
                "cease_requested_at",
                "attorney_name",
                "bankruptcy_filed_on",
                "deceased_on",
                "workplace_contact_prohibited",
                "inconvenient_times",
            )
        )
        if has_facts or (person and profile.debt_type in ("medical", "dental")):
            profiles.append(profile)
    for line, ids in lines.items():
        for start in range(0, len(ids), BATCH):
            ContactPoint.objects.filter(id__in=ids[start : start + BATCH]).update(line=line)
    DebtorProfile.objects.bulk_create(profiles, batch_size=BATCH)
    ContactPermission.objects.bulk_create(permissions, batch_size=BATCH)
    ContactPoint.objects.bulk_create(extra_points, batch_size=BATCH)
    return counts


def _point(customer_id: int, kind: str, value: str, line: str, moment: datetime, employer: bool = False):
    return ContactPoint(
        customer_id=customer_id,
        kind=kind,
        value=value,
        raw=value,
        is_primary=False,
        source=ContactSource.DEMO,
        line=line or "unknown",
        employer_provided=employer,
        created_at=moment,
    )


def _permission(customer_id: int, kind: str, channel: str, address: str, source: str, at: datetime):
    return ContactPermission(
        customer_id=customer_id, kind=kind, channel=channel, address=address, source=source, recorded_at=at
    )
