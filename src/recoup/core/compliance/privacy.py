"""What may leave the system about a person (D3), and what no model may look at (E2)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from recoup.core.compliance.facts import Violation
from recoup.core.compliance.guard import violation

# D3: HIPAA's minimum necessary for collection (45 CFR 164.502(b), 164.514(d)). A medical account sent
# to an agency, a printer or any other business associate carries these fields and nothing else: no
# diagnosis, procedure codes, clinical notes or insurance detail.
HIPAA_MINIMUM_NECESSARY_FIELDS = frozenset(
    {
        "customer_id",
        "name",
        "email",
        "phone",
        "address",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postal_code",
        "country",
        "account_number",
        "invoice_number",
        "date_of_service",
        "issue_date",
        "due_date",
        "provider",
        "amount",
        "balance",
        "currency",
    }
)


def minimum_necessary(record: Mapping[str, object]) -> dict[str, object]:
    """The record with only the fields HIPAA's minimum-necessary standard lets a medical account carry."""
    return {k: v for k, v in record.items() if k in HIPAA_MINIMUM_NECESSARY_FIELDS}


def fields_beyond_minimum(record: Mapping[str, object]) -> list[str]:
    return sorted(k for k in record if k not in HIPAA_MINIMUM_NECESSARY_FIELDS)


# E2: protected attributes under ECOA and Regulation B (12 CFR 1002.2(z)) and fair-lending practice,
# and their obvious proxies. A name matches when one of these appears among its words (split at
# underscores, dashes, spaces and camelCase), or as one of the compound phrases.
PROTECTED_ATTRIBUTES: dict[str, str] = {
    "age": "age",
    "dob": "age",
    "birth": "age",
    "birthday": "age",
    "birthdate": "age",
    "born": "age",
    "retired": "age (a proxy)",
    "retirement": "age (a proxy)",
    "medicare": "age (a proxy)",
    "sex": "sex",
    "gender": "sex",
    "pregnant": "sex",
    "pregnancy": "sex",
    "salutation": "sex and marital status (a proxy)",
    "honorific": "sex and marital status (a proxy)",
    "race": "race",
    "racial": "race",
    "ethnicity": "race and national origin",
    "ethnic": "race and national origin",
    "color": "race (color)",
    "colour": "race (color)",
    "religion": "religion",
    "religious": "religion",
    "church": "religion (a proxy)",
    "nationality": "national origin",
    "citizenship": "national origin",
    "immigration": "national origin",
    "language": "national origin (a proxy)",
    "surname": "race and national origin (a proxy)",
    "lastname": "race and national origin (a proxy)",
    "firstname": "sex and race (a proxy)",
    "marital": "marital status",
    "married": "marital status",
    "spouse": "marital status",
    "widowed": "marital status",
    "divorced": "marital status",
    "disability": "disability",
    "disabled": "disability",
    "handicap": "disability",
    "orientation": "sexual orientation",
    "welfare": "receipt of public assistance",
    "snap": "receipt of public assistance",
    "medicaid": "receipt of public assistance",
    "ssi": "receipt of public assistance",
    "assistance": "receipt of public assistance",
    "veteran": "military status",
    "genetic": "genetic information",
    "photo": "race and sex (a proxy)",
    "zip": "race (a proxy: ZIP codes track segregation)",
    "zipcode": "race (a proxy: ZIP codes track segregation)",
    "postcode": "race (a proxy: ZIP codes track segregation)",
    "tract": "race (a proxy: census tracts track segregation)",
    "neighborhood": "race (a proxy)",
    "neighbourhood": "race (a proxy)",
}
PROTECTED_PHRASES: dict[tuple[str, ...], str] = {
    ("national", "origin"): "national origin",
    ("first", "name"): "sex and race (a proxy)",
    ("last", "name"): "race and national origin (a proxy)",
    ("family", "name"): "race and national origin (a proxy)",
    ("public", "assistance"): "receipt of public assistance",
    ("postal", "code"): "race (a proxy: ZIP codes track segregation)",
    ("census", "block"): "race (a proxy)",
    ("year", "of", "birth"): "age",
    ("name", "prefix"): "sex and marital status (a proxy)",
}
# Words that make "age" about the debt rather than the person.
AGE_OF_DEBT = frozenset({"invoice", "debt", "account", "balance", "item", "receivable", "aging", "ageing"})

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def protected_attribute_of(feature: str) -> str | None:
    """What protected attribute ``feature`` names or stands in for, or None."""
    words = _words(feature)
    for phrase, attribute in PROTECTED_PHRASES.items():
        size = len(phrase)
        if any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1)):
            return attribute
    for word in words:
        attribute = PROTECTED_ATTRIBUTES.get(word)
        if attribute is None:
            continue
        if word == "age" and AGE_OF_DEBT & set(words):
            continue
        return attribute
    return None


def features_check(features: Iterable[str]) -> list[Violation]:
    """One violation per feature that is a protected attribute or an obvious proxy for one."""
    found = []
    for feature in features:
        attribute = protected_attribute_of(feature)
        if attribute:
            found.append(violation("E2", f"The feature {feature!r} is, or stands in for, {attribute}."))
    return found
