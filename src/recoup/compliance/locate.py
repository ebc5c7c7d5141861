"""Where a debtor may be: candidate time zones from the ZIP code, the phones' area codes and the state.

Every source adds zones; none overrides another, because the rules want the time to be convenient in
every place the file suggests (F3). A ZIP code gives one zone (the ``zipcodes`` package); a geographic
phone number gives its area code's zone (``phonenumbers``), so a Hawaii cell with a New York address
yields both. The state is used only when neither is known. Toll-free and other non-geographic numbers
say nothing about location and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
import zipcodes
from phonenumbers import timezone as phone_timezones

from recoup.core.compliance.zones import STATE_ZONES

NYC_COUNTIES = frozenset({"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"})
# A number whose area code spans more zones than this is not tied to a place (toll-free, or unknown).
MAX_ZONES_PER_AREA_CODE = 3


@lru_cache(maxsize=50_000)
def zip_record(postal_code: str) -> dict | None:
    five = (postal_code or "").strip()[:5]
    if len(five) != 5 or not five.isdigit():
        return None
    try:
        matches = zipcodes.matching(five)
    except (TypeError, ValueError):
        return None
    return matches[0] if matches else None


@lru_cache(maxsize=50_000)
def phone_zones(number: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in phone_timezones.time_zones_for_number(parsed) if z != "Etc/Unknown")
    return zones if 0 < len(zones) <= MAX_ZONES_PER_AREA_CODE else ()


def candidate_time_zones(postal_code: str = "", phones: Iterable[str] = (), state: str = "") -> tuple[str, ...]:
    """Every zone the debtor may be in, in a stable order; empty when nothing is known."""
    zones: list[str] = []
    record = zip_record(postal_code) if postal_code else None
    if record and record.get("timezone"):
        zones.append(record["timezone"])
    for number in phones:
        zones.extend(phone_zones(number))
    if not zones and state:
        zones.extend(STATE_ZONES.get(state.upper(), ()))
    return tuple(dict.fromkeys(zones))


def state_of(postal_code: str, fallback: str = "") -> str:
    record = zip_record(postal_code) if postal_code else None
    return (record or {}).get("state") or fallback.upper()


def in_new_york_city(postal_code: str) -> bool:
    record = zip_record(postal_code) if postal_code else None
    return bool(record) and record.get("state") == "NY" and record.get("county") in NYC_COUNTIES
