"""Import profiles: which file column feeds which Recoup field.

The ``generic`` profile matches headers named like Recoup's fields, case-insensitively (``Invoice
Number`` and ``invoice_number`` both work). ``--map COLUMN=field`` adds or overrides mappings. A profile
for a known export (``ibm-ar``) also says how to read its values, and whether a row carries a settlement
that becomes a payment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class ImportKind(StrEnum):
    INVOICES = "invoices"
    PAYMENTS = "payments"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    required: bool = False
    help: str = ""


INVOICE_FIELDS: tuple[Field, ...] = (
    Field("customer_id", True, "the customer's id in your accounting system"),
    Field("customer_name", help="person or business name"),
    Field("email"),
    Field("phone", help="read as a US number unless it starts with +country code"),
    Field("address", help="one-line postal address"),
    Field("invoice_number", True, "unique per organisation"),
    Field("issue_date", True),
    Field("due_date", True),
    Field("amount", True, "invoice total, e.g. 1,234.56 or $1,234.56"),
    Field("currency", help="ISO code; defaults to the organisation's"),
    Field("terms", help="e.g. Net 30"),
    Field("disputed", help="yes/no"),
    Field("segment", help="your own grouping, e.g. dental, b2b"),
    Field("customer_kind", help="person or business"),
)

PAYMENT_FIELDS: tuple[Field, ...] = (
    Field("customer_id", help="required unless invoice_number is given"),
    Field("invoice_number", help="the invoice paid; the rest goes to the oldest open invoices"),
    Field("payment_date", True),
    Field("amount", True),
    Field("currency"),
    Field("method", help="e.g. check, ach, card"),
    Field("reference", help="check number or bank reference; makes re-imports exact"),
)

FIELDS = {ImportKind.INVOICES: INVOICE_FIELDS, ImportKind.PAYMENTS: PAYMENT_FIELDS}


def header_key(header: str) -> str:
    """``' Invoice Number '`` -> ``'invoice_number'``: how headers are compared."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


@dataclass(frozen=True, slots=True)
class Profile:
    """How to read one kind of export.

    Attributes:
        name: what ``--profile`` takes.
        columns: Recoup field -> the export's header, beyond the generic name matching.
        date_format: strptime format of the export's dates, or 'auto'.
        settlement: for exports where each invoice row also records its payment: payment field ->
            header (``payment_date``, ``amount``). Rows with a settlement date get a payment, applied to
            the row's invoice.
        segment_template: builds the customer segment from a column, e.g. 'country-{countryCode}'.
    """

    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str = "auto"
    settlement: dict[str, str] = field(default_factory=dict)
    segment_template: tuple[str, str] | None = None


PROFILES: dict[str, Profile] = {
    "generic": Profile("generic", "headers named like Recoup's fields (see docs/imports.md)"),
    "ibm-ar": Profile(
        "ibm-ar",
        "IBM Watson Analytics 'Accounts Receivable' sample: an invoice and its settlement per row",
        columns={
            "customer_id": "customerID",
            "invoice_number": "invoiceNumber",
            "issue_date": "InvoiceDate",
            "due_date": "DueDate",
            "amount": "InvoiceAmount",
            "disputed": "Disputed",
        },
        date_format="%m/%d/%Y",
        settlement={"payment_date": "SettledDate", "amount": "InvoiceAmount"},
        segment_template=("countryCode", "country-{}"),
    ),
}


class MappingError(ValueError):
    """The file's columns cannot feed the import: a required field has no column, or a --map is wrong."""


def parse_map_options(options: list[str], kind: ImportKind) -> dict[str, str]:
    """``['Cust No=customer_id']`` -> ``{'customer_id': 'Cust No'}``."""
    known = {f.name for f in FIELDS[kind]}
    mapping: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise MappingError(f"--map {option!r}: write COLUMN=field, e.g. --map 'Cust No=customer_id'")
        target = target.strip()
        if target not in known:
            raise MappingError(f"--map {option!r}: {target!r} is not a field; fields are {', '.join(sorted(known))}")
        mapping[target] = column.strip()
    return mapping


def resolve_columns(
    headers: list[str], kind: ImportKind, profile: Profile, overrides: dict[str, str], strict: bool = True
) -> dict[str, str]:
    """Recoup field -> file header, for every field the file can feed. Raises ``MappingError`` when a
    required field has no column or a mapping names a column the file lacks; with ``strict=False`` it
    returns what it can match (for suggesting a mapping to a person)."""
    candidates: dict[str, list[str]] = {}
    for header in headers:
        candidates.setdefault(header_key(header), []).append(header)

    def find(wanted: str, field: str, explicit: bool) -> str | None:
        # A column named explicitly (by --map or a profile) is taken as written when it exists; a field
        # matched by its name alone is ambiguous when two headers normalise to it.
        exact = [h for h in headers if h.lower() == wanted.strip().lower()] if explicit else []
        found = exact or candidates.get(header_key(wanted), [])
        if len(found) > 1 and not strict:
            return None
        if len(found) > 1:
            raise MappingError(
                f"columns {found[0]!r} and {found[1]!r} both look like {field}; rename one, or say which with "
                f"--map '{found[0]}={field}'"
            )
        return found[0] if found else None

    resolved: dict[str, str] = {}
    for spec in FIELDS[kind]:
        explicit = overrides.get(spec.name) or profile.columns.get(spec.name)
        actual = find(explicit or spec.name, spec.name, explicit is not None)
        if explicit and actual is None and strict:
            raise MappingError(f"column {explicit!r} (for {spec.name}) is not in the file; its columns are {headers}")
        if actual is not None:
            resolved[spec.name] = actual
    if not strict:
        return resolved
    missing = [f.name for f in FIELDS[kind] if f.required and f.name not in resolved]
    if kind is ImportKind.PAYMENTS and "customer_id" not in resolved and "invoice_number" not in resolved:
        missing.append("customer_id or invoice_number")
    if missing:
        raise MappingError(
            f"no column for required field(s) {', '.join(missing)}; the file's columns are {headers}. "
            "Rename the columns or map them with --map 'Your Column=field'."
        )
    return resolved
