"""Parsing whole text columns at once: amounts, dates, currencies, flags and terms.

Each parser returns the parsed values and, aligned with them, a reason for every value that is not
acceptable (null where the value is fine or empty). The grammar is the one defined in ``recoup.core``
(``money.AMOUNT_PATTERN``, ``dates.ISO_PATTERN``/``US_PATTERN``); the tests check that these column
parsers agree with the scalar ones value by value.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from recoup.core import currency as currencies
from recoup.core.dates import AUTO, ISO_PATTERN, US_PATTERN
from recoup.core.money import AMOUNT_PATTERN, MAX_WHOLE_DIGITS, SYMBOL_CURRENCIES
from recoup.core.terms import TermsParseError, parse_terms

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL = r"^\s*([0-9]{4,6})(?:\.[0-9]+)?\s*$"
SHEET_DATETIME = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2})[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?\s*$"


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped.str.len_chars() > 0).then(stripped)


def parse_currency(values: pl.Expr, default: str) -> tuple[pl.Expr, pl.Expr]:
    code = blank_to_null(values).str.to_uppercase().fill_null(pl.lit(default))
    known = code.is_in(sorted(currencies.EXPONENTS))
    reason = pl.when(~known).then(pl.lit("not an ISO 4217 currency code"))
    return pl.when(known).then(code), reason


def currency_exponent(code: pl.Expr) -> pl.Expr:
    return code.replace_strict(currencies.EXPONENTS, default=None, return_dtype=pl.Int64)


def parse_amounts(values: pl.Expr, currency: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Minor units (Int64) and reasons, for amounts in the row's ``currency`` (a valid code or null)."""
    text = values.fill_null("")
    g = text.str.extract_groups(AMOUNT_PATTERN)
    whole, frac = g.struct.field("int"), g.struct.field("frac").fill_null("")
    prefix, suffix = g.struct.field("prefix"), g.struct.field("suffix")
    lead, inner = g.struct.field("lead_sign"), g.struct.field("inner_sign")
    opened, closed = g.struct.field("open").is_not_null(), g.struct.field("close").is_not_null()
    exponent = currency_exponent(currency)
    negatives = (
        (lead == "-").fill_null(False).cast(pl.Int8)
        + (inner == "-").fill_null(False).cast(pl.Int8)
        + opened.cast(pl.Int8)
    )
    whole_digits = whole.str.replace_all(",", "")

    def marker_reason(marker: pl.Expr) -> pl.Expr:
        """recoup.core.money.currency_marker_reason, column-wise."""
        chain = pl.when(marker.is_null()).then(pl.lit(None, dtype=pl.String))
        for symbol, allowed in SYMBOL_CURRENCIES.items():
            chain = chain.when((marker == symbol) & ~currency.is_in(sorted(allowed))).then(
                pl.lit(f"currency symbol {symbol} does not match ") + currency
            )
        is_code = ~marker.is_in(list(SYMBOL_CURRENCIES))
        return chain.when(is_code & (marker.str.to_uppercase() != currency)).then(
            pl.lit("currency ") + marker.str.to_uppercase() + pl.lit(" does not match ") + currency
        )

    shape_ok = whole.is_not_null() | (frac.str.len_chars() > 0)
    reason = (
        pl.when(~shape_ok | text.str.contains(AMOUNT_PATTERN).not_())
        .then(pl.lit("not an amount (expected digits such as 1,234.56)"))
        .when(opened != closed)
        .then(pl.lit("unbalanced parentheses"))
        .when(marker_reason(prefix).is_not_null())
        .then(marker_reason(prefix))
        .when(marker_reason(suffix).is_not_null())
        .then(marker_reason(suffix))
        .when(currency.is_not_null() & (frac.str.len_chars() > exponent))
        .then(
            pl.lit("has ")
            + frac.str.len_chars().cast(pl.String)
            + pl.lit(" decimal places; ")
            + currency
            + pl.lit(" allows ")
            + exponent.cast(pl.String)
        )
        .when((lead == "+") & (negatives > 0))
        .then(pl.lit("has both + and - signs"))
        .when(negatives > 1)
        .then(pl.lit("has more than one minus sign"))
        .when(whole_digits.fill_null("").str.replace(r"^0+", "").str.len_chars() > MAX_WHOLE_DIGITS)
        .then(pl.lit("too large"))
    )
    frac_value = pl.when(frac.str.len_chars() > 0).then(frac.cast(pl.Int64, strict=False)).otherwise(0)
    scale = pl.lit(10, dtype=pl.Int64).pow(exponent - frac.str.len_chars().cast(pl.Int64)).cast(pl.Int64)
    magnitude = (
        whole_digits.fill_null("0").cast(pl.Int64, strict=False)
        * pl.lit(10, dtype=pl.Int64).pow(exponent).cast(pl.Int64)
        + frac_value * scale
    )
    minor = pl.when(reason.is_null() & currency.is_not_null()).then(
        pl.when(negatives > 0).then(-magnitude).otherwise(magnitude)
    )
    return minor, reason


SIMPLE_AMOUNT = r"^\s*-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?\s*$"
"""The shape nearly every export writes: optional minus, digits, thousands separators, decimals. It is
a subset of ``AMOUNT_PATTERN`` that needs no capturing regex, so it is parsed on a fast path; everything
else (currency symbols and codes, parentheses) goes through the full grammar."""

SIMPLE_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _by_shape(frame: pl.DataFrame, simple: pl.Expr, fast, slow) -> tuple[pl.Series, pl.Series]:
    """Apply ``fast`` (value expr, reason expr) to rows matching ``simple`` and ``slow`` to the others,
    evaluating each only on its own rows, and return the results in the original row order."""
    indexed = frame.with_row_index("__row").with_columns(simple.alias("__simple"))
    parts = []
    for mask, (value, reason) in ((pl.col("__simple"), fast()), (~pl.col("__simple"), slow())):
        subset = indexed.filter(mask)
        if subset.height:
            parts.append(subset.select("__row", value.alias("value"), reason.alias("reason")))
    if not parts:
        return pl.Series("value", []), pl.Series("reason", [], dtype=pl.String)
    combined = pl.concat(parts, how="vertical_relaxed").sort("__row")
    return combined["value"], combined["reason"]


def parse_amount_series(values: pl.Series, currency: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Minor units and reasons for a column of amounts, with the fast path for plain shapes."""
    frame = pl.DataFrame({"text": values.fill_null(""), "currency": currency})

    def fast():
        exponent = currency_exponent(pl.col("currency"))
        negative = pl.col("text").str.strip_chars().str.starts_with("-")
        parts = pl.col("text").str.replace_all(r"[\s,-]", "").str.split_exact(".", 1)
        whole, frac = parts.struct.field("field_0"), parts.struct.field("field_1").fill_null("")
        places = frac.str.len_chars().cast(pl.Int64)
        reason = (
            pl.when(pl.col("currency").is_not_null() & (places > exponent))
            .then(
                pl.lit("has ")
                + places.cast(pl.String)
                + pl.lit(" decimal places; ")
                + pl.col("currency")
                + pl.lit(" allows ")
                + exponent.cast(pl.String)
            )
            .when(whole.str.replace(r"^0+", "").str.len_chars() > MAX_WHOLE_DIGITS)
            .then(pl.lit("too large"))
        )
        frac_value = pl.when(places > 0).then(frac.cast(pl.Int64, strict=False)).otherwise(0)
        magnitude = whole.cast(pl.Int64, strict=False) * pl.lit(10, dtype=pl.Int64).pow(exponent).cast(
            pl.Int64
        ) + frac_value * pl.lit(10, dtype=pl.Int64).pow(exponent - places).cast(pl.Int64)
        value = pl.when(reason.is_null() & pl.col("currency").is_not_null()).then(
            pl.when(negative).then(-magnitude).otherwise(magnitude)
        )
        return value, reason

    return _by_shape(
        frame,
        pl.col("text").str.contains(SIMPLE_AMOUNT),
        fast,
        lambda: parse_amounts(pl.col("text"), pl.col("currency")),
    )


def parse_date_series(
    values: pl.Series, date_format: str = AUTO, excel_serials: bool = False
) -> tuple[pl.Series, pl.Series]:
    """Dates and reasons for a column, with a fast path for plain ISO dates."""
    frame = pl.DataFrame({"text": values.fill_null("")})

    def fast():
        value = pl.col("text").str.to_date("%Y-%m-%d", strict=False)
        return value, pl.when(value.is_null()).then(pl.lit("no such calendar date"))

    if date_format != AUTO:
        value, reason = parse_dates(pl.col("text"), date_format, excel_serials)
        out = frame.select(value.alias("value"), reason.alias("reason"))
        return out["value"], out["reason"]
    return _by_shape(
        frame,
        pl.col("text").str.contains(SIMPLE_ISO_DATE),
        fast,
        lambda: parse_dates(pl.col("text"), date_format, excel_serials),
    )


def parse_dates(values: pl.Expr, date_format: str = AUTO, excel_serials: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """Dates and reasons. ``auto`` reads ISO and US month/day/year; spreadsheets may also hold day serials."""
    text = values.fill_null("").str.strip_chars()
    if date_format == AUTO:
        iso = text.str.extract_groups(ISO_PATTERN)
        us = text.str.extract_groups(US_PATTERN)
        parsed = pl.coalesce(
            _ymd(iso.struct.field("1"), iso.struct.field("2"), iso.struct.field("3")),
            _ymd(us.struct.field("3"), us.struct.field("1"), us.struct.field("2")),
        )
        # The same reasons as recoup.core.dates.auto_date_reason, without calling Python per row.
        first = us.struct.field("1").cast(pl.Int64)
        second = us.struct.field("2").cast(pl.Int64)
        unparsed_reason = (
            pl.when((first > 12) & (second <= 12))
            .then(pl.lit("looks like day/month/year; pass --date-format %d/%m/%Y"))
            .when(first.is_not_null() | iso.struct.field("1").is_not_null())
            .then(pl.lit("no such calendar date"))
            .otherwise(pl.lit("not a date (expected YYYY-MM-DD or MM/DD/YYYY, or pass --date-format)"))
        )
    else:
        parsed = text.str.to_date(date_format, strict=False)
        # chrono accepts '13' for %Y; a year must have four digits to count as a date here.
        parsed = pl.when(parsed.dt.year() >= 1000).then(parsed)
        unparsed_reason = pl.lit(f"not a date in the format {date_format}")
    if excel_serials:
        # A spreadsheet's date cells arrive as the reader renders them, whatever --date-format says:
        # a day serial (with a fraction when the cell holds a time) or ISO text with a time of day.
        serial = text.str.extract(EXCEL_SERIAL, 1).cast(pl.Int64, strict=False)
        stamped = text.str.extract(SHEET_DATETIME, 1).str.to_date("%Y-%m-%d", strict=False)
        parsed = pl.coalesce(stamped, parsed, pl.lit(EXCEL_EPOCH) + pl.duration(days=serial))
    reason = pl.when(parsed.is_null()).then(unparsed_reason)
    return parsed, reason


def _ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    text = pl.concat_str(year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.str.zfill(2))
    return text.str.to_date("%Y-%m-%d", strict=False)


TRUE_WORDS = {"yes", "y", "true", "t", "1", "disputed"}
FALSE_WORDS = {"no", "n", "false", "f", "0", ""}


def parse_flags(values: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    word = values.fill_null("").str.strip_chars().str.to_lowercase()
    flag = pl.when(word.is_in(sorted(TRUE_WORDS))).then(True).when(word.is_in(sorted(FALSE_WORDS))).then(False)
    reason = pl.when(flag.is_null()).then(pl.lit("expected yes or no"))
    return flag, reason


def parse_terms_column(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Terms in days (or null when empty) and reasons; each distinct text is parsed once."""
    days: dict[str, int | None] = {}
    reasons: dict[str, str | None] = {}
    for text in values.drop_nulls().unique().to_list():
        if not text.strip():
            days[text], reasons[text] = None, None
            continue
        try:
            days[text], reasons[text] = parse_terms(text), None
        except TermsParseError:
            days[text], reasons[text] = None, "not a payment term (e.g. Net 30, Due on receipt)"
    return (
        values.replace_strict(days, default=None, return_dtype=pl.Int64),
        values.replace_strict(reasons, default=None, return_dtype=pl.String),
    )
