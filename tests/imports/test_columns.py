"""The column-wise parsers agree with the scalar definitions in recoup.core, value by value."""

from __future__ import annotations

import random

import phonenumbers
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.core.dates import DateParseError, parse_date
from recoup.core.money import AmountParseError, parse_amount
from recoup.imports.columns import parse_amount_series, parse_date_series
from recoup.imports.contact_columns import normalise_emails, normalise_phones, parse_addresses
from recoup.ledger.contacts import ContactError, normalise_email, normalise_phone, parse_address

amount_texts = st.one_of(
    st.text(alphabet="0123456789,.-+()$€£¥ UDSEARJPY١２", max_size=16),
    st.builds(lambda zeros, n: "0" * zeros + str(n), st.integers(0, 4), st.integers(0, 10**15)),
    st.builds(
        lambda sign, whole, frac, sym: f"{sign}{sym}{whole:,}{frac}",
        st.sampled_from(["", "-", "+"]),
        st.integers(0, 10**9),
        st.sampled_from(["", ".", ".5", ".05", ".123"]),
        st.sampled_from(["", "$", "USD "]),
    ),
)


def _scalar_amount(text: str, currency: str):
    try:
        return parse_amount(text, currency), None
    except AmountParseError as error:
        return None, error.reason


@settings(max_examples=300)
@given(st.lists(amount_texts, min_size=1, max_size=30), st.sampled_from(["USD", "JPY", "KWD", "EUR", "CAD"]))
def test_amount_column_agrees_with_parse_amount(texts, currency):
    minor, reason = parse_amount_series(pl.Series(texts, dtype=pl.String), pl.Series([currency] * len(texts)))
    for text, got_minor, got_reason in zip(texts, minor, reason, strict=True):
        expected_minor, expected_reason = _scalar_amount(text, currency)
        assert got_minor == expected_minor, text
        assert got_reason == expected_reason, text


date_texts = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    st.builds(lambda m, d, y: f"{m}/{d}/{y}", st.integers(0, 40), st.integers(0, 40), st.integers(1900, 2100)),
    st.text(alphabet="0123456789-/ ", max_size=12),
)


@settings(max_examples=300)
@given(st.lists(date_texts, min_size=1, max_size=30))
def test_date_column_agrees_with_parse_date(texts):
    value, reason = parse_date_series(pl.Series(texts, dtype=pl.String))
    for text, got, got_reason in zip(texts, value, reason, strict=True):
        try:
            expected, expected_reason = parse_date(text), None
        except DateParseError as error:
            expected, expected_reason = None, error.reason
        assert got == expected, text
        assert got_reason == expected_reason, text


def test_phone_fast_path_agrees_with_phonenumbers():
    rng = random.Random(4)
    shapes = ["({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}.{b}.{c}"]
    values = [
        rng.choice(shapes).format(
            a=rng.randint(100, 999), b=f"{rng.randint(0, 999):03d}", c=f"{rng.randint(0, 9999):04d}"
        )
        for _ in range(5000)
    ] + ["+44 20 7946 0958", "garbage", "", "+1 (416) 555-0199", "242 357 1234", "+61 2 9374 4000"]
    e164, reasons = normalise_phones(pl.Series(values))
    for value, got, reason in zip(values, e164, reasons, strict=True):
        if not value:
            assert got is None and reason is None
            continue
        try:
            expected = normalise_phone(value)
        except ContactError:
            expected = None
        assert got == expected, value
        assert (reason is None) == (expected is not None)
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164[-1]))


def test_email_column():
    email, reason = normalise_emails(pl.Series([" Bob@Example.COM ", "not-an-email", "", None]))
    assert email.to_list() == ["bob@example.com", None, None, None]
    assert reason.to_list() == [None, "not an email address", None, None]
    assert normalise_email(" Bob@Example.COM ") == "bob@example.com"


def test_address_fast_path_agrees_with_usaddress():
    values = [
        "123 Main St, Springfield, IL 62704",
        "123 Main St #5, Boston, MA 02110",
        "123 Main St, # 5, Boston, MA 02110",
        "9 Elm Ave Apt 4, Boston, MA 02110",
        "77 W. Lake St., Suite 100, Chicago, IL 60601",
        "1600 Pennsylvania Ave NW, Washington, DC 20500-0003",
        "PO Box 12, Austin, TX 78701",
    ]
    one_line, parts = parse_addresses(pl.Series(values))
    by_line = {row["one_line"]: row for row in parts.iter_rows(named=True)}
    for value, normal in zip(values, one_line, strict=True):
        scalar = parse_address(value)
        assert normal == scalar.one_line
        row = by_line[normal]
        assert parse_address(row["raw"]).one_line == normal  # one spelling kept per address
        assert (row["line1"], row["city"], row["region"], row["postal_code"]) == (
            scalar.line1,
            scalar.city,
            scalar.region,
            scalar.postal_code,
        )


def test_unparseable_address_is_kept_not_rejected():
    one_line, parts = parse_addresses(pl.Series(["somewhere over the rainbow", None]))
    assert one_line.to_list() == ["SOMEWHERE OVER THE RAINBOW", None]
    assert parts.row(0, named=True)["line1"] == ""
