"""ISO 4217 currencies and their minor-unit exponents.

Only the exponent matters to Recoup: an amount is stored as an integer count of minor units
(cents for USD, yen for JPY, fils for KWD), so ``10 ** exponent`` minor units make one major unit.
"""

from __future__ import annotations

# Active ISO 4217 codes whose minor unit is not 2 digits.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # zero-decimal currencies
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # three-decimal currencies
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # four-decimal unit of account
    "CLF": 4,
    "UYW": 4,
}

# Active ISO 4217 codes with the usual two-digit minor unit.
_TWO_DECIMAL = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD
CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA
MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR
RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD
TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG
""".split()

EXPONENTS: dict[str, int] = {code: 2 for code in _TWO_DECIMAL} | _EXPONENT_EXCEPTIONS


class UnknownCurrencyError(ValueError):
    """The code is not an active ISO 4217 currency."""


def is_currency(code: str) -> bool:
    return code in EXPONENTS


def exponent(code: str) -> int:
    """Number of decimal digits in the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        return EXPONENTS[code]
    except KeyError:
        raise UnknownCurrencyError(f"{code!r} is not an ISO 4217 currency code") from None


def normalise_code(raw: str) -> str:
    """Upper-case and validate a currency code typed by a person ('usd' -> 'USD')."""
    code = raw.strip().upper()
    exponent(code)
    return code
