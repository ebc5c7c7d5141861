"""Turning a file's text rows into typed ledger rows, collecting every problem on the way.

Validation never stops at the first bad value: each field of each row is checked, and every problem
becomes a :class:`~recoup.core.errors.RowError` (line, column, value, reason). Rows with no problem go on
to the ledger; what happens to the others (reject the file, or quarantine them) is the service's call.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from recoup.core.dates import AUTO
from recoup.core.errors import RowError
from recoup.imports.columns import (
    blank_to_null,
    parse_amount_series,
    parse_currency,
    parse_date_series,
    parse_dates,
    parse_flags,
    parse_terms_column,
)
from recoup.imports.contact_columns import ADDRESS_FIELDS, normalise_emails, normalise_phones, parse_addresses
from recoup.imports.profiles import Profile
from recoup.imports.reading import LINE, SourceFile

KIND_WORDS = {
    "person": "person",
    "individual": "person",
    "consumer": "person",
    "patient": "person",
    "business": "business",
    "company": "business",
    "organisation": "business",
    "organization": "business",
    "commercial": "business",
}


SOURCE_PREFIX = "__file__"

# The ledger's column sizes (recoup.ledger.models): a longer value is a row error, not a database error.
MAX_LENGTHS = {
    "customer_id": 100,
    "customer_name": 300,
    "invoice_number": 64,
    "segment": 50,
    "method": 30,
    "reference": 100,
    "email": 254,
    "address": 400,
}


@dataclass(slots=True)
class Checked:
    """Typed rows that passed every check, and the problems found in the others."""

    rows: pl.DataFrame
    errors: list[RowError]
    duplicates: int = 0
    lines_with_errors: frozenset[int] = frozenset()
    addresses: pl.DataFrame | None = None
    """Parsed parts of each distinct address in ``rows`` (keyed by ``one_line``)."""


class _Checker:
    """Accumulates typed columns and their reasons over one source frame."""

    def __init__(self, source: SourceFile, columns: dict[str, str]) -> None:
        self.source = source
        self.columns = columns
        # The file's columns are kept under a prefix so a header named like a field ("amount") is never
        # mistaken for the typed column of that field.
        # Checks build one lazy plan, collected once: Polars then shares work between expressions (a regex
        # applied to a column once, not once per use) and runs the columns in parallel.
        self.plan = source.frame.lazy().rename({h: SOURCE_PREFIX + h for h in source.headers})
        self.frame: pl.DataFrame | None = None
        self.addresses = pl.DataFrame(schema={f: pl.String for f in ADDRESS_FIELDS})
        self.reasons: list[tuple[str, str]] = []  # (reason column, field)

    @staticmethod
    def src(header: str) -> pl.Expr:
        """The file's column ``header`` as text."""
        return pl.col(SOURCE_PREFIX + header)

    def raw(self, field: str) -> pl.Expr:
        header = self.columns.get(field)
        return self.src(header) if header is not None else pl.lit(None, dtype=pl.String)

    def add(self, name: str, value: pl.Expr, reason: pl.Expr | None = None, field: str | None = None) -> None:
        """Add the typed column ``name``; ``reason`` (null when fine) is reported against the file column
        of ``field`` (by default the field called ``name``)."""
        expressions = [value.alias(name)]
        if reason is not None:
            expressions.append(self._reason(field or name, reason))
        self.plan = self.plan.with_columns(expressions)

    def check(self, field: str, reason: pl.Expr) -> None:
        """Report ``reason`` (null when fine) against the file column that feeds ``field``."""
        self.plan = self.plan.with_columns(self._reason(field, reason))

    def _reason(self, field: str, reason: pl.Expr) -> pl.Expr:
        reason_column = f"__reason_{len(self.reasons)}"
        self.reasons.append((reason_column, field))
        return reason.alias(reason_column)

    def add_series(
        self, name: str, value: pl.Series, reason: pl.Series | None = None, field: str | None = None
    ) -> None:
        self.add(name, pl.lit(value), None if reason is None else pl.lit(reason), field)

    def column(self, field: str) -> pl.Series:
        """The file's column feeding ``field``, as read (for checks that work on whole series)."""
        return self.source.frame[self.columns[field]]

    def add_frame_columns(self, columns: list[pl.Series]) -> None:
        self.plan = self.plan.with_columns(columns)

    def text(self, field: str, required: bool = False) -> None:
        value = blank_to_null(self.raw(field))
        reason = pl.when(value.is_null()).then(pl.lit(f"is empty; {field} is required")) if required else None
        if field in MAX_LENGTHS:
            too_long = pl.when(value.str.len_chars() > MAX_LENGTHS[field]).then(
                pl.lit(f"is longer than {MAX_LENGTHS[field]} characters")
            )
            reason = too_long if reason is None else pl.coalesce(reason, too_long)
        self.add(field, value, reason)

    def errors(self) -> tuple[list[RowError], pl.Series]:
        """Run the checks; every problem found, in line order, and a mask of the rows that have none."""
        self.frame = self.plan.collect()
        if not self.reasons:
            return [], pl.Series([True] * self.frame.height)
        errors: list[RowError] = []
        for reason_column, field in self.reasons:
            header = self.columns.get(field, field)
            raw = self.raw(field).fill_null("").alias("__raw")
            bad = self.frame.filter(pl.col(reason_column).is_not_null()).select(LINE, raw, reason_column)
            errors.extend(RowError(line, header, value, reason) for line, value, reason in bad.iter_rows())
        errors.sort(key=lambda e: e.line)
        ok = self.frame.select(pl.all_horizontal(pl.col(c).is_null() for c, _ in self.reasons)).to_series()
        return errors, ok


def check_invoices(
    source: SourceFile,
    columns: dict[str, str],
    *,
    default_currency: str,
    date_format: str = AUTO,
    profile: Profile | None = None,
) -> tuple[Checked, pl.DataFrame | None]:
    """Typed invoice rows (and, for profiles with settlements, the payments they record)."""
    c = _Checker(source, columns)
    serials = source.is_spreadsheet
    c.text("customer_id", required=True)
    c.text("invoice_number", required=True)
    c.text("customer_name")
    _currency_and_amount(c, default_currency)
    c.check(
        "amount",
        pl.when(pl.col("amount_cents") < 0).then(pl.lit("is negative; record credits as credit notes")),
    )
    for field in ("issue_date", "due_date"):
        value, reason = parse_date_series(c.column(field), date_format, serials)
        c.add_series(field, value, reason)
    c.check(
        "due_date",
        pl.when(pl.col("due_date") < pl.col("issue_date")).then(
            pl.lit("is before the issue date ") + pl.col("issue_date").cast(pl.String)
        ),
    )
    flag, flag_reason = parse_flags(c.raw("disputed"))
    if "disputed" in columns:
        c.add("disputed", flag, flag_reason)
    else:
        c.add("disputed", pl.lit(None, dtype=pl.Boolean))  # not given: a re-import keeps the ledger's flag
    if profile is not None and profile.segment_template and profile.segment_template[0] in source.headers:
        column, template = profile.segment_template
        prefix, _, suffix = template.partition("{}")
        c.add("segment", pl.lit(prefix) + blank_to_null(c.src(column)) + pl.lit(suffix))
    else:
        c.text("segment")
    kind_text = blank_to_null(c.raw("customer_kind")).str.to_lowercase()
    kind = kind_text.replace_strict(KIND_WORDS, default=None, return_dtype=pl.String)
    c.add(
        "customer_kind",
        kind,
        pl.when(kind_text.is_not_null() & kind.is_null()).then(pl.lit("expected person or business")),
    )
    _contacts(c)
    if "terms" in columns:
        terms, terms_reason = parse_terms_column(c.column("terms"))
        c.add_series("terms_days", terms, terms_reason, field="terms")
    else:
        c.add("terms_days", pl.lit(None, dtype=pl.Int64))
    if profile is not None and profile.settlement:
        settled = blank_to_null(c.src(profile.settlement["payment_date"]))
        paid_on, paid_reason = parse_dates(settled, profile.date_format, serials)
        has_settlement = settled.is_not_null()
        c.columns = {**c.columns, "settled_on": profile.settlement["payment_date"]}
        c.add("settled_on", paid_on, pl.when(has_settlement).then(paid_reason))
    errors, ok = c.errors()
    keep = [
        LINE,
        "customer_id",
        "customer_name",
        "customer_kind",
        "segment",
        "email",
        "phone",
        "address",
        "invoice_number",
        "issue_date",
        "due_date",
        "terms_days",
        "amount_cents",
        "currency",
        "disputed",
    ]
    has_settlements = "settled_on" in c.frame.columns
    # Select before filtering, and let the checker's wide frame go: at a million rows it is most of
    # the import's memory.
    rows = c.frame.select(keep + (["settled_on"] if has_settlements else [])).filter(ok)
    c.frame = None
    rows, duplicate_errors, duplicates = _dedupe(rows, "invoice_number", columns.get("invoice_number", ""))
    errors = sorted(errors + duplicate_errors, key=lambda e: e.line)
    settlements = None
    if has_settlements:
        # From the de-duplicated rows, so an exact repeat of a row does not record its payment twice.
        settlements = rows.filter(pl.col("settled_on").is_not_null()).select(
            LINE,
            "customer_id",
            "invoice_number",
            pl.col("settled_on").alias("payment_date"),
            "amount_cents",
            "currency",
        )
        rows = rows.drop("settled_on")
    checked = Checked(rows, errors, duplicates, frozenset(e.line for e in errors), c.addresses)
    return checked, settlements


def check_payments(
    source: SourceFile,
    columns: dict[str, str],
    *,
    default_currency: str,
    date_format: str = AUTO,
    invoice_currencies: dict[str, str] | None = None,
) -> Checked:
    """Typed payment rows. A payment that names an invoice and gives no currency is in the invoice's
    currency (``invoice_currencies``: invoice number -> currency), so a yen invoice is paid in yen."""
    c = _Checker(source, columns)
    c.text("customer_id")
    c.text("invoice_number")
    c.check(
        "customer_id",
        pl.when(pl.col("customer_id").is_null() & pl.col("invoice_number").is_null()).then(
            pl.lit("needs a customer_id or an invoice_number")
        ),
    )
    fallback = None
    if invoice_currencies:
        fallback = blank_to_null(c.raw("invoice_number")).replace_strict(
            invoice_currencies, default=None, return_dtype=pl.String
        )
    _currency_and_amount(c, default_currency, fallback)
    c.check("amount", pl.when(pl.col("amount_cents") <= 0).then(pl.lit("must be more than zero")))
    value, reason = parse_date_series(c.column("payment_date"), date_format, source.is_spreadsheet)
    c.add_series("payment_date", value, reason)
    c.text("method")
    c.text("reference")
    errors, ok = c.errors()
    rows = c.frame.filter(ok).select(
        LINE,
        "customer_id",
        "invoice_number",
        "payment_date",
        "amount_cents",
        "currency",
        pl.col("method").fill_null(""),
        pl.col("reference").fill_null(""),
    )
    return Checked(rows, errors, 0, frozenset(e.line for e in errors))


def _currency_and_amount(c: _Checker, default_currency: str, fallback: pl.Expr | None = None) -> None:
    """The row's currency (its own cell, else ``fallback``, else the organisation's) and its amount,
    parsed with that currency's number of decimals."""
    given = c.raw("currency") if fallback is None else pl.coalesce(blank_to_null(c.raw("currency")), fallback)
    currency, currency_reason = parse_currency(given, default_currency)
    c.add("currency", currency, currency_reason)
    codes = (
        c.source.frame.lazy()
        .rename({h: SOURCE_PREFIX + h for h in c.source.headers})
        .with_columns(currency.alias("__code"))
        .select("__code")
        .collect()
        .to_series()
    )
    amount, amount_reason = parse_amount_series(c.column("amount"), codes)
    c.add_series("amount_cents", amount, amount_reason, field="amount")


def _contacts(c: _Checker) -> None:
    for field in ("email", "address"):
        if field in c.columns:
            c.check(
                field,
                pl.when(c.raw(field).str.strip_chars().str.len_chars() > MAX_LENGTHS[field]).then(
                    pl.lit(f"is longer than {MAX_LENGTHS[field]} characters")
                ),
            )
    if "email" in c.columns:
        email, reason = normalise_emails(c.column("email"))
        c.add_series("email", email, reason)
    else:
        c.add("email", pl.lit(None, dtype=pl.String))
    if "phone" in c.columns:
        phone, reason = normalise_phones(c.column("phone"))
        c.add_series("phone", phone, reason)
    else:
        c.add("phone", pl.lit(None, dtype=pl.String))
    if "address" in c.columns:
        one_line, c.addresses = parse_addresses(c.column("address"))
        c.add_series("address", one_line)
    else:
        c.add("address", pl.lit(None, dtype=pl.String))


def _dedupe(rows: pl.DataFrame, key: str, header: str) -> tuple[pl.DataFrame, list[RowError], int]:
    """Drop rows that repeat another row exactly; report rows that reuse a key with different values."""
    values = [c for c in rows.columns if c != LINE]
    counts = (
        rows.group_by(key)
        .agg(
            pl.len().alias("__n"),
            pl.struct(values).n_unique().alias("__distinct"),
            pl.col(LINE).alias("__lines"),
        )
        .filter(pl.col("__n") > 1)
    )
    if counts.height == 0:
        return rows, [], 0
    conflicting = counts.filter(pl.col("__distinct") > 1)
    errors = []
    for number, lines in conflicting.select(key, "__lines").iter_rows():
        listed = ", ".join(str(n) for n in sorted(lines))
        for line in lines:
            errors.append(RowError(line, header, number, f"appears on lines {listed} with different values"))
    rows = rows.filter(~pl.col(key).is_in(conflicting[key].implode()))
    before = rows.height
    rows = rows.unique(subset=values, keep="first", maintain_order=True)
    return rows, errors, before - rows.height
