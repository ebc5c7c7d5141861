from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.core.money import (
    AmountParseError,
    CurrencyMismatchError,
    FloatMoneyError,
    Money,
    allocate_minor,
    decimal_string,
    format_minor,
    parse_amount,
    quantize,
)

minor_units = st.integers(min_value=-(10**12), max_value=10**12)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD", "GBP"])


def test_money_refuses_floats():
    with pytest.raises(FloatMoneyError):
        Money(10.5, "USD")
    with pytest.raises(FloatMoneyError):
        Money.of(0.1, "USD")
    with pytest.raises(FloatMoneyError):
        quantize(0.1, "USD")
    with pytest.raises(TypeError):
        Money(True, "USD")


def test_money_refuses_unknown_currency_and_mixing():
    with pytest.raises(ValueError):
        Money(1, "XYZ")
    with pytest.raises(CurrencyMismatchError):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(CurrencyMismatchError):
        _ = Money(1, "USD") < Money(2, "EUR")


def test_money_of_is_exact_and_refuses_extra_places():
    assert Money.of(Decimal("19.99"), "USD") == Money(1999, "USD")
    assert Money.of("¥1,200", "JPY") == Money(1200, "JPY")
    assert Money.of(Decimal("1.234"), "KWD") == Money(1234, "KWD")
    with pytest.raises(ValueError):
        Money.of(Decimal("0.001"), "USD")


@given(minor_units, minor_units, currencies)
def test_addition_and_subtraction_are_exact(a, b, currency):
    total = Money(a, currency) + Money(b, currency)
    assert total.minor == a + b
    assert (total - Money(b, currency)).minor == a
    assert total.to_decimal() == Money(a, currency).to_decimal() + Money(b, currency).to_decimal()


@given(minor_units, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_allocate_sums_exactly_and_is_fair(total, weights):
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            allocate_minor(total, weights)
        return
    parts = allocate_minor(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part) - exact) < 1


@given(minor_units, currencies)
def test_decimal_string_round_trips_through_the_parser(minor, currency):
    assert parse_amount(decimal_string(minor, currency), currency) == minor
    assert parse_amount(format_minor(minor, currency).replace("CA$", "$"), currency) == minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("$1,234.56", 123456),
        ("(12.50)", -1250),
        ("USD 7", 700),
        ("-$3", -300),
        ("$-3", -300),
        (".5", 50),
        ("5.", 500),
        (" 1234 ", 123400),
        ("1,000,000.00 USD", 100000000),
    ],
)
def test_parse_amount_accepts_what_exports_write(text, minor):
    assert parse_amount(text, "USD") == minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,23.4", "not an amount"),
        ("-3.999", "3 decimal places"),
        ("EUR 5", "does not match"),
        ("(5", "unbalanced"),
        ("", "not an amount"),
        ("abc", "not an amount"),
        ("--5", "more than one minus"),
        ("1.234,56", "not an amount"),
        ("€5", "currency symbol € does not match USD"),
        ("£5.00", "currency symbol £ does not match USD"),
        ("١٢٣", "not an amount"),
        ("１２３", "not an amount"),
        ("12345678901234", "too large"),
    ],
)
def test_parse_amount_explains_rejections(text, reason):
    with pytest.raises(AmountParseError) as caught:
        parse_amount(text, "USD")
    assert reason in caught.value.reason


def test_quantize_rounds_half_away_from_zero_in_one_place():
    assert quantize(Decimal("0.005"), "USD") == 1
    assert quantize(Decimal("-0.005"), "USD") == -1
    assert quantize(Decimal("0.0049"), "USD") == 0
    assert quantize(Decimal("2.5"), "JPY") == 3


def test_symbols_fit_their_currencies():
    assert parse_amount("$5", "CAD") == 500
    assert parse_amount("€5", "EUR") == 500
    assert parse_amount("¥500", "JPY") == 500
    assert parse_amount("0000000000001234", "USD") == 123400  # leading zeros are not digits of size


def test_formatting_for_people():
    assert format_minor(123456, "USD") == "$1,234.56"
    assert format_minor(-500, "USD") == "-$5.00"
    assert format_minor(1234567, "KWD") == "1,234.567 KWD"
    assert format_minor(1200, "JPY") == "¥1,200"
