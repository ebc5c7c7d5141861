"""Money as an integer count of minor units plus an ISO 4217 currency.

``Money`` never holds a float: the constructor refuses one. Decimals appear only at the edges, when an
amount is parsed from text (:func:`parse_amount`) or shown to a person (:meth:`Money.to_decimal`,
:meth:`Money.format`). All rounding of amounts goes through :func:`quantize`, the one place where a
fractional amount becomes whole minor units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from recoup.core.currency import exponent, normalise_code


class MoneyError(ValueError):
    """Base class of money errors."""


class FloatMoneyError(MoneyError, TypeError):
    """A float was offered where an exact amount is required."""


class CurrencyMismatchError(MoneyError):
    """An operation mixed two currencies: balances are never summed across currencies."""


class AmountParseError(MoneyError):
    """Text that is not an amount in the given currency. ``reason`` is meant for a person."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason


ROUNDING = ROUND_HALF_UP
"""How a fractional amount of minor units is rounded: half away from zero, as on an invoice."""


def quantize(value: Decimal | int, currency: str) -> int:
    """Round a major-unit amount (e.g. ``Decimal('12.345')`` USD) to whole minor units (1235).

    This is the one place where Recoup rounds money.
    """
    if isinstance(value, float):
        raise FloatMoneyError("amounts must be Decimal or int, not float")
    scaled = Decimal(value).scaleb(exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUNDING))


def round_minor(value: Decimal, currency: str) -> int:
    """Round a fractional count of minor units (e.g. interest ``Decimal('1234.5')`` cents) to an int."""
    if isinstance(value, float):
        raise FloatMoneyError("amounts must be Decimal or int, not float")
    exponent(currency)
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUNDING))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (``Money(1999, 'USD')`` is $19.99).

    Attributes:
        minor: integer count of minor units; negative for a credit.
        currency: upper-case ISO 4217 code.
    """

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, float):
            raise FloatMoneyError("Money refuses floats: pass integer minor units or use Money.of(Decimal)")
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be an int, got {type(self.minor).__name__}")
        exponent(self.currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a major-unit amount: ``Money.of(Decimal('19.99'), 'USD')``. Refuses floats."""
        if isinstance(amount, float):
            raise FloatMoneyError("Money.of refuses floats: pass a Decimal or a string")
        currency = normalise_code(currency)
        if isinstance(amount, str):
            return cls(parse_amount(amount, currency), currency)
        return cls(decimal_to_minor_exact(Decimal(amount), currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use allocate() to split it")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def to_decimal(self) -> Decimal:
        """The major-unit amount, exact: ``Money(1999, 'USD').to_decimal() == Decimal('19.99')``."""
        return to_decimal(self.minor, self.currency)

    def format(self) -> str:
        """For people: ``$1,234.56``, ``-$5.00``, ``1,234.567 KWD``."""
        return format_minor(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights``; the parts sum exactly to this amount."""
        return [Money(part, self.currency) for part in allocate_minor(self.minor, weights)]


def money_sum(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; an empty iterable gives zero. Mixed currencies raise."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def allocate_minor(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units by integer ``weights`` (largest remainder); the parts sum to ``total``."""
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(isinstance(w, float) or w < 0 for w in weights):
        raise ValueError("weights must be non-negative integers")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    parts = [magnitude * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(magnitude * weights[i] % weight_sum), i))
    for i in remainders[: magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units to an exact major-unit Decimal with the currency's number of places."""
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def decimal_string(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string for exports and JSON: ``'1234.50'``."""
    return str(to_decimal(minor, currency))


_SYMBOLS = {
    "USD": "$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CHF": "CHF ",
}


def format_minor(minor: int, currency: str) -> str:
    """Minor units for people: symbol, thousands separators, the currency's decimals."""
    text = f"{abs(to_decimal(minor, currency)):,}"
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {currency}"


# One grammar for amounts typed by people or exported by accounting systems. The import path applies the
# same pattern column-wise with Polars, so both must agree (tests/imports/test_columns.py checks it).
# Digits are ASCII only: other scripts' digits are not amounts an accounting export writes.
AMOUNT_SYMBOLS = "$€£¥₹"
SYMBOL_CURRENCIES: dict[str, frozenset[str]] = {
    "$": frozenset(
        "USD CAD AUD NZD SGD HKD TWD MXN BSD BBD BZD BMD KYD JMD TTD XCD FJD SBD LRD NAD SRD GYD BND "
        "CLP COP ARS CUP DOP UYU".split()
    ),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP", "GIP", "FKP", "SHP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}
MAX_WHOLE_DIGITS = 13
"""Amounts up to ten trillion major units: ample for receivables, and far from int64 overflow."""

AMOUNT_PATTERN = (
    r"^\s*(?P<lead_sign>[-+])?\s*(?P<open>\()?\s*"
    r"(?P<prefix>[" + AMOUNT_SYMBOLS + r"]|[A-Za-z]{3})?\s*(?P<inner_sign>-)?\s*"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]*))?\s*"
    r"(?P<suffix>[A-Za-z]{3}|[" + AMOUNT_SYMBOLS + r"])?\s*(?P<close>\))?\s*$"
)
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def currency_marker_reason(marker: str | None, currency: str) -> str | None:
    """Why a currency code or symbol written with an amount does not fit ``currency``, if it does not."""
    if not marker:
        return None
    if marker in SYMBOL_CURRENCIES:
        if currency not in SYMBOL_CURRENCIES[marker]:
            return f"currency symbol {marker} does not match {currency}"
        return None
    if marker.upper() != currency:
        return f"currency {marker.upper()} does not match {currency}"
    return None


def parse_amount(text: str, currency: str) -> int:
    """Parse ``'$1,234.56'``, ``'(12.50)'``, ``'USD 7'`` or ``'-3'`` into minor units of ``currency``.

    Raises :class:`AmountParseError` with a reason a person can act on. Refuses more decimal places
    than the currency has, rather than rounding them away silently, and a currency code or symbol
    that does not fit ``currency``.
    """
    if isinstance(text, float):
        raise FloatMoneyError("parse_amount takes text, not a float")
    match = _AMOUNT_RE.match(text)
    if match is None or (match["int"] is None and not match["frac"]):
        raise AmountParseError(text, "not an amount (expected digits such as 1,234.56)")
    groups = match.groupdict()
    if (groups["open"] is None) != (groups["close"] is None):
        raise AmountParseError(text, "unbalanced parentheses")
    for marker in (groups["prefix"], groups["suffix"]):
        reason = currency_marker_reason(marker, currency)
        if reason:
            raise AmountParseError(text, reason)
    frac = groups["frac"] or ""
    places = exponent(currency)
    if len(frac) > places:
        raise AmountParseError(text, f"has {len(frac)} decimal places; {currency} allows {places}")
    digits = (groups["int"] or "0").replace(",", "")
    negatives = sum(1 for g in ("lead_sign", "inner_sign") if groups[g] == "-") + (groups["open"] is not None)
    if groups["lead_sign"] == "+" and negatives:
        raise AmountParseError(text, "has both + and - signs")
    if negatives > 1:
        raise AmountParseError(text, "has more than one minus sign")
    if len(digits.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise AmountParseError(text, "too large")
    minor = int(digits) * 10**places + (int(frac.ljust(places, "0")) if places else 0)
    return -minor if negatives else minor


def decimal_to_minor_exact(value: Decimal, currency: str) -> int:
    """A Decimal with no more places than the currency allows, as minor units; refuses to round."""
    scaled = Decimal(value).scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{value} has more decimal places than {currency} allows")
    return int(scaled)
