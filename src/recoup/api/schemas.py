"""What the API reads and writes. Amounts travel as decimal strings with their currency, never as floats."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator

AMOUNT = r"^-?[0-9]{1,13}(\.[0-9]{1,4})?$"
AMOUNT_OR_BLANK = r"^(-?[0-9]{1,13}(\.[0-9]{1,4})?)?$"


EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _iso_date_only(value):
    """Dates are ISO text (2026-03-14) between 1900 and 2999: pydantic alone would also take numbers as
    Unix timestamps, and reports subtract periods from the date."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError("no such calendar date") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        if not EARLIEST <= value <= LATEST:
            raise ValueError("expected a date between 1900-01-01 and 2999-12-31")
        return value
    raise ValueError("expected a date in the form YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


class Money(Schema):
    amount: str = Field(..., description="Decimal string, e.g. '1234.50'", examples=["1234.50"])
    currency: str = Field(..., min_length=3, max_length=3, examples=["USD"])


class OrganisationOut(Schema):
    slug: str
    name: str
    currency: str
    timezone: str
    role: str


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str
    is_primary: bool
    status: str
    source: str
    verified_at: datetime | None


class ContactPointIn(Schema):
    kind: str = Field(..., pattern="^(email|phone|address)$")
    value: str = Field(..., min_length=1, max_length=400)
    is_primary: bool = Field(False, strict=True)


class CustomerOut(Schema):
    id: int
    external_id: str
    name: str
    kind: str
    segment: str
    terms_days: int | None
    credit_limit: str | None
    open_balance: Money
    open_invoices: int
    oldest_due_date: date | None


class CustomerIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=100)
    name: str = Field("", max_length=300)
    kind: str = Field("business", pattern="^(person|business)$")
    segment: str = Field("", max_length=50)
    terms_days: int | None = Field(None, ge=0, le=3650, strict=True)
    credit_limit: str | None = Field(None, pattern=AMOUNT)


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=300)
    kind: str | None = Field(None, pattern="^(person|business)$")
    segment: str | None = Field(None, max_length=50)
    terms_days: int | None = Field(None, ge=0, le=3650, strict=True)
    credit_limit: str | None = Field(None, pattern=AMOUNT)


class InvoiceOut(Schema):
    id: int
    number: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Money
    open: Money
    disputed: bool
    settled_on: date | None


class InvoiceIn(Schema):
    customer_id: str = Field(..., min_length=1, max_length=100, description="The customer's external id")
    number: str = Field(..., min_length=1, max_length=64)
    issue_date: IsoDate
    due_date: IsoDate
    amount: str = Field(..., pattern=AMOUNT)
    currency: str | None = Field(None, min_length=3, max_length=3)
    terms_days: int | None = Field(None, ge=0, le=3650, strict=True)


class PaymentOut(Schema):
    id: int
    customer_id: str
    payment_date: date
    amount: Money
    applied: Money
    method: str
    reference: str


class PaymentIn(Schema):
    customer_id: str = Field(..., min_length=1, max_length=100)
    payment_date: IsoDate
    amount: str = Field(..., pattern=AMOUNT)
    currency: str | None = Field(None, min_length=3, max_length=3)
    invoice_number: str | None = Field(None, max_length=64)
    method: str = Field("", max_length=30)
    reference: str = Field("", max_length=100)


class ErrorOut(Schema):
    code: str
    message: str
    detail: object | None = None
