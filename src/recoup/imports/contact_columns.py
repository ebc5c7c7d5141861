"""Contact normalisation over whole columns.

The rules are those of ``recoup.ledger.contacts``; this module only makes them fast. Phones written in
the usual North American shapes are checked against phonenumbers' own NANP patterns column-wise, and
addresses in the usual "street, city, ST 12345" shape are split by one regex. Every other value goes
through the scalar functions, once per distinct value.
"""

from __future__ import annotations

import polars as pl

from recoup.ledger.contacts import (
    EMAIL_PATTERN,
    US_STATES,
    ContactError,
    nanp_regions,
    normalise_phone,
    parse_address,
)

NANP_SHAPE = r"^\s*(?:\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})\s*$"
ADDRESS_SHAPE = (
    r"(?i)^\s*(?P<line1>\d+[A-Za-z]?\s+[^,]+?)\s*,\s*"
    r"(?:(?P<line2>(?:apt|apartment|suite|ste|unit|bldg|fl|floor|rm|room|#)\.?\s*#?\s*[A-Za-z0-9-]+)\s*,\s*)?"
    r"(?P<city>[A-Za-z][A-Za-z .'-]*?)\s*,\s*(?P<state>[A-Za-z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?)\s*$"
)
_UNIT_IN_LINE1 = r"(?i)^(.*?)\s+((?:apt|apartment|suite|ste|unit|bldg|fl|floor|rm|room|#)\.?\s*#?\s*[A-Za-z0-9-]+)$"


def normalise_emails(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(normal form or null, reason or null) for each value; empty values give (null, null)."""
    cleaned = values.str.strip_chars().str.to_lowercase()
    cleaned = pl.select(pl.when(cleaned.str.len_chars() > 0).then(cleaned)).to_series()
    valid = cleaned.str.contains(EMAIL_PATTERN)
    normal = pl.select(pl.when(valid).then(cleaned)).to_series().alias("email")
    reason = (
        pl.select(pl.when(cleaned.is_not_null() & ~valid).then(pl.lit("not an email address")))
        .to_series()
        .alias("reason")
    )
    return normal, reason


def _nanp_valid(national: pl.Expr) -> pl.Expr:
    """phonenumbers.is_valid_number for 10-digit NANP national numbers, as one expression."""
    chain = None
    for region in nanp_regions(10):
        if region.general is None or not region.types:
            valid = pl.lit(False)
        else:
            valid = national.str.contains(f"^(?:{region.general})$") & national.str.contains(
                "^(?:" + "|".join(region.types) + ")$"
            )
        # Regions with leading digits are picked by them alone, as phonenumbers does.
        selected = national.str.contains(f"^(?:{region.leading_digits})") if region.leading_digits else valid
        chain = pl.when(selected).then(valid) if chain is None else chain.when(selected).then(valid)
    return chain.otherwise(pl.lit(False))


def normalise_phones(values: pl.Series, default_region: str = "US") -> tuple[pl.Series, pl.Series]:
    """(E.164 or null, reason or null) for each value; empty values give (null, null)."""
    frame = pl.DataFrame({"raw": values.str.strip_chars()}).with_columns(
        pl.when(pl.col("raw").str.len_chars() > 0).then(pl.col("raw")).alias("raw")
    )
    distinct = frame.select(pl.col("raw").drop_nulls().unique())
    parts = pl.col("raw").str.extract_groups(NANP_SHAPE)
    distinct = distinct.with_columns(
        pl.concat_str(parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3")).alias("national")
    )
    if default_region in {r.region for r in nanp_regions(10)}:
        fast = distinct.filter(pl.col("national").is_not_null()).with_columns(
            _nanp_valid(pl.col("national")).alias("valid")
        )
        fast = fast.select(
            "raw",
            pl.when(pl.col("valid")).then(pl.lit("+1") + pl.col("national")).alias("e164"),
            pl.when(~pl.col("valid")).then(pl.lit("not a valid phone number")).alias("reason"),
        )
        slow_values = distinct.filter(pl.col("national").is_null())["raw"].to_list()
    else:
        fast = pl.DataFrame(schema={"raw": pl.String, "e164": pl.String, "reason": pl.String})
        slow_values = distinct["raw"].to_list()
    slow_rows = []
    for raw in slow_values:
        try:
            slow_rows.append((raw, normalise_phone(raw, default_region), None))
        except ContactError as error:
            slow_rows.append((raw, None, error.reason))
    slow = pl.DataFrame(slow_rows, schema={"raw": pl.String, "e164": pl.String, "reason": pl.String}, orient="row")
    lookup = pl.concat([fast, slow])
    joined = frame.join(lookup, on="raw", how="left", maintain_order="left")
    return joined["e164"].alias("phone"), joined["reason"].alias("reason")


ADDRESS_FIELDS = ("raw", "line1", "line2", "city", "region", "postal_code", "country", "one_line")


def parse_addresses(values: pl.Series) -> tuple[pl.Series, pl.DataFrame]:
    """The normal one-line form of each address (null where empty), and the parsed parts of each distinct
    address (columns ``ADDRESS_FIELDS``, one row per ``one_line``).

    Unparseable addresses are kept as their cleaned raw text in ``one_line`` with empty parts; an
    address never makes a row invalid. Parts are returned per distinct address, not per row, because a
    ledger repeats each customer's address on every invoice.
    """
    frame = (
        pl.DataFrame({"raw": values})
        .with_columns(pl.col("raw").str.replace_all(r"\s+", " ").str.strip_chars().alias("text"))
        .with_columns(pl.when(pl.col("text").str.len_chars() > 0).then(pl.col("text")).alias("text"))
    )
    distinct = frame.select(pl.col("text").drop_nulls().unique())
    groups = pl.col("text").str.extract_groups(ADDRESS_SHAPE)
    shaped = distinct.with_columns(groups.alias("g")).unnest("g").with_columns(pl.col("state").str.to_uppercase())
    fast = shaped.filter(pl.col("line1").is_not_null() & pl.col("state").is_in(sorted(US_STATES)))

    def clean(expr: pl.Expr) -> pl.Expr:
        # The same normal form as recoup.ledger.contacts._clean.
        spaced = expr.str.replace_all(r"\.", " ").str.replace_all(r"#\s*", "# ")
        return spaced.str.replace_all(r"\s+", " ").str.strip_chars(" ,").str.to_uppercase()

    unit = pl.col("line1").str.extract_groups(_UNIT_IN_LINE1)
    fast = (
        fast.with_columns(
            pl.when(pl.col("line2").is_null() & unit.struct.field("1").is_not_null())
            .then(unit.struct.field("1"))
            .otherwise(pl.col("line1"))
            .alias("line1"),
            pl.when(pl.col("line2").is_null()).then(unit.struct.field("2")).otherwise(pl.col("line2")).alias("line2"),
        )
        .select(
            "text",
            clean(pl.col("line1")).alias("line1"),
            clean(pl.col("line2")).fill_null("").alias("line2"),
            clean(pl.col("city")).alias("city"),
            pl.col("state").alias("region"),
            pl.col("zip").alias("postal_code"),
            pl.lit("US").alias("country"),
        )
        .with_columns(
            pl.concat_str(
                [
                    pl.col("line1"),
                    pl.when(pl.col("line2") != "").then(pl.col("line2")),
                    pl.col("city"),
                    pl.col("region") + pl.lit(" ") + pl.col("postal_code"),
                ],
                separator=", ",
                ignore_nulls=True,
            ).alias("one_line")
        )
    )
    slow_texts = shaped.filter(~pl.col("text").is_in(fast["text"].implode()))["text"].to_list()
    slow_rows = []
    for text in slow_texts:
        address = parse_address(text)
        slow_rows.append(
            (
                text,
                address.line1 if address.parsed else "",
                address.line2,
                address.city,
                address.region,
                address.postal_code,
                address.country,
                address.one_line,
            )
        )
    parsed_fields = [f for f in ADDRESS_FIELDS if f != "raw"]
    slow = pl.DataFrame(slow_rows, schema={"text": pl.String} | {f: pl.String for f in parsed_fields}, orient="row")
    lookup = pl.concat([fast.select("text", *parsed_fields), slow])
    one_line = frame.join(lookup.select("text", "one_line"), on="text", how="left", maintain_order="left")
    parts = lookup.rename({"text": "raw"}).unique(subset=["one_line"], keep="first", maintain_order=True)
    return one_line["one_line"].alias("address"), parts
