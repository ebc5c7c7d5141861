"""Normalising contact points: lower-case emails, E.164 phones, parsed US postal addresses.

Scalar functions for one value at a time. ``recoup.imports.contact_columns`` applies the same rules to
whole columns, taking fast paths for the common shapes and calling these for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import usaddress

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@" + _LABEL + r"(?:\." + _LABEL + r")+$"
_EMAIL_RE = re.compile(EMAIL_PATTERN)

US_STATES = frozenset(
    """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
    NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP AA AE AP
    """.split()
)


class ContactError(ValueError):
    """A contact value that cannot be used; ``reason`` is for a person."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r}: {reason}")
        self.value = value
        self.reason = reason


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not _EMAIL_RE.match(email):
        raise ContactError(raw, "not an email address")
    return email


def normalise_phone(raw: str, default_region: str = "US") -> str:
    """A phone number in E.164 form (``+14155550123``); numbers without a country code are read as
    numbers of ``default_region``."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise ContactError(raw, "not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError(raw, "not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str, home_region: str = "US") -> str:
    """For people: ``(415) 555-0123`` for numbers of the home region, international form otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    same_country = number.country_code == phonenumbers.country_code_for_region(home_region)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if same_country else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A postal address. ``parsed`` is False when only the raw text could be kept."""

    line1: str
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    parsed: bool = True

    @property
    def one_line(self) -> str:
        """The normal form used as the contact point's key."""
        if not self.parsed:
            return self.line1
        tail = f"{self.region} {self.postal_code}".strip()
        return ", ".join(part for part in (self.line1, self.line2, self.city, tail) if part)


def _clean(text: str) -> str:
    """Upper case, no dots, single spaces, and "#5" written "# 5" (as the column path writes it too)."""
    text = re.sub(r"#\s*", "# ", text.replace(".", " "))
    return re.sub(r"\s+", " ", text.strip(" ,")).strip().upper()


_STREET_LABELS = (
    "AddressNumberPrefix",
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "StreetNamePostModifier",
    "USPSBoxType",
    "USPSBoxID",
    "USPSBoxGroupType",
    "USPSBoxGroupID",
    "BuildingName",
    "LandmarkName",
    "CornerOf",
    "IntersectionSeparator",
    "SecondStreetName",
    "SecondStreetNamePostType",
)
_UNIT_LABELS = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")


@lru_cache(maxsize=65536)
def parse_address(raw: str) -> PostalAddress:
    """Parse a one-line US address. Never fails: an address that cannot be parsed keeps its raw text
    (upper-cased, spaces collapsed) with ``parsed=False``."""
    text = re.sub(r"\s+", " ", raw).strip()
    if not text:
        raise ContactError(raw, "empty address")
    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return PostalAddress(_clean(text), parsed=False)
    state = _clean(tagged.get("StateName", ""))
    zip_code = tagged.get("ZipCode", "").strip()
    line1 = _clean(" ".join(tagged[label] for label in _STREET_LABELS if label in tagged))
    line2 = _clean(" ".join(tagged[label] for label in _UNIT_LABELS if label in tagged))
    city = _clean(tagged.get("PlaceName", ""))
    if kind not in {"Street Address", "PO Box"} or not line1 or state not in US_STATES or not city:
        return PostalAddress(_clean(text), parsed=False)
    return PostalAddress(line1, line2, city, state, zip_code, "US")


@dataclass(frozen=True, slots=True)
class NanpRegion:
    """phonenumbers' metadata for one region of country code 1, as regexes over the national number.

    ``phonenumbers.is_valid_number`` picks the first region whose leading digits match (or, for regions
    without leading digits, whose number types match), then checks the number against that region's
    general and type patterns. Holding the patterns lets whole columns be checked the same way at once.
    """

    region: str
    leading_digits: str | None
    general: str | None
    types: tuple[str, ...]


@lru_cache(maxsize=1)
def nanp_regions(length: int = 10) -> tuple[NanpRegion, ...]:
    """The NANP regions in phonenumbers' lookup order, keeping the type patterns that admit ``length``."""
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    type_fields = (
        "premium_rate",
        "toll_free",
        "shared_cost",
        "voip",
        "personal_number",
        "pager",
        "uan",
        "voicemail",
        "fixed_line",
        "mobile",
    )

    def admits(desc) -> bool:
        if desc is None or not desc.national_number_pattern:
            return False
        return not desc.possible_length or length in desc.possible_length

    regions = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        types = tuple(
            getattr(metadata, name).national_number_pattern for name in type_fields if admits(getattr(metadata, name))
        )
        general = metadata.general_desc.national_number_pattern if admits(metadata.general_desc) else None
        regions.append(NanpRegion(region, metadata.leading_digits, general, types))
    return tuple(regions)
