"""Aging: which bucket each open item falls in, as of a date.

The definitions (ROADMAP "Formulas"):

* days past due = as-of date - due date, in calendar days;
* the open balance of an invoice as of D = amount - payments and credits applied on or before D,
  never below zero; an invoice issued after D does not exist yet as of D;
* bucket edges are inclusive at the top: Current (not yet past due), 1-30, 31-60, ... and a last
  open-ended bucket.

The database-backed report (``recoup.reporting``) computes the same thing in SQL for speed; this module
is the definition it is tested against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90, 120)
OVER_90_DAYS = 90


class AgingBasis(StrEnum):
    """What the age of an item is counted from."""

    DUE = "due"
    INVOICE = "invoice"


class BucketSchemeError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class BucketScheme:
    """Aging buckets given by their upper edges in days: ``(30, 60, 90, 120)`` gives
    Current, 1-30, 31-60, 61-90, 91-120 and 120+ on the due-date basis.

    On the invoice-date basis there is no "Current": the first bucket is 0-30 days since issue.
    """

    edges: tuple[int, ...] = DEFAULT_EDGES

    def __post_init__(self) -> None:
        if not self.edges:
            raise BucketSchemeError("at least one bucket edge is needed")
        if any(isinstance(e, bool) or not isinstance(e, int) or e < 1 for e in self.edges):
            raise BucketSchemeError("bucket edges must be positive whole days")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise BucketSchemeError("bucket edges must increase, e.g. 30,60,90,120")

    @classmethod
    def parse(cls, text: str) -> BucketScheme:
        """``'30,60,90'`` -> edges (30, 60, 90)."""
        try:
            edges = tuple(int(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise BucketSchemeError(f"{text!r}: bucket edges are whole days separated by commas") from None
        return cls(edges)

    def labels(self, basis: AgingBasis = AgingBasis.DUE) -> list[str]:
        if basis is AgingBasis.DUE:
            first = ["Current"]
            lower = 1
        else:
            first = []
            lower = 0
        ranges = []
        for edge in self.edges:
            ranges.append(f"{lower}-{edge}")
            lower = edge + 1
        return first + ranges + [f"{self.edges[-1]}+"]

    def index_for(self, age_days: int, basis: AgingBasis = AgingBasis.DUE) -> int:
        """Bucket index for an item ``age_days`` old (days past due, or days since issue)."""
        offset = 1 if basis is AgingBasis.DUE else 0
        if basis is AgingBasis.DUE and age_days <= 0:
            return 0
        for i, edge in enumerate(self.edges):
            if age_days <= edge:
                return i + offset
        return len(self.edges) + offset

    def earliest_dates(self, as_of: date, basis: AgingBasis = AgingBasis.DUE) -> list[date]:
        """For each bucket but the last, the earliest reference date (due or issue) that falls in it.

        An item belongs to the first bucket whose earliest date is on or before its reference date.
        This lets SQL bucket by comparing dates, with no date arithmetic in the database.
        """
        starts = [0] if basis is AgingBasis.DUE else []
        starts += list(self.edges)
        return [as_of - timedelta(days=s) for s in starts]


@dataclass(frozen=True, slots=True)
class Item:
    """An invoice as aging sees it.

    Attributes:
        invoice_id: identity of the invoice (any hashable).
        customer_id: identity of the customer.
        issue_date, due_date: plain dates.
        amount: invoice amount in minor units.
        currency: ISO code.
    """

    invoice_id: object
    customer_id: object
    issue_date: date
    due_date: date
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class Application:
    """A payment or credit applied to an invoice on a date."""

    invoice_id: object
    applied_on: date
    amount: int


def open_balance(amount: int, applications: Iterable[Application], as_of: date) -> int:
    """Amount minus what was applied on or before ``as_of``; never below zero."""
    applied = sum(a.amount for a in applications if a.applied_on <= as_of)
    return max(0, amount - applied)


def days_past_due(due_date: date, as_of: date) -> int:
    return (as_of - due_date).days


@dataclass(slots=True)
class CustomerAging:
    """One customer's aged balance in one currency."""

    customer_id: object
    currency: str
    buckets: list[int]
    open_invoices: int = 0
    oldest_due_date: date | None = None
    past_due: int = 0

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(slots=True)
class AgingResult:
    """Aging of a ledger in one currency."""

    as_of: date
    currency: str
    labels: list[str]
    totals: list[int]
    customers: dict[object, CustomerAging] = field(default_factory=dict)
    past_due: int = 0
    over_90: int = 0

    @property
    def total_open(self) -> int:
        return sum(self.totals)


def age_ledger(
    items: Sequence[Item],
    applications: Iterable[Application],
    as_of: date,
    scheme: BucketScheme = BucketScheme(),
    basis: AgingBasis = AgingBasis.DUE,
) -> dict[str, AgingResult]:
    """Age every item as of ``as_of``; one result per currency, never summing across currencies."""
    applied: dict[object, int] = defaultdict(int)
    for application in applications:
        if application.applied_on <= as_of:
            applied[application.invoice_id] += application.amount
    labels = scheme.labels(basis)
    results: dict[str, AgingResult] = {}
    for item in items:
        if item.issue_date > as_of:
            continue
        balance = max(0, item.amount - applied.get(item.invoice_id, 0))
        if balance == 0:
            continue
        result = results.get(item.currency)
        if result is None:
            result = results[item.currency] = AgingResult(as_of, item.currency, labels, [0] * len(labels))
        overdue_days = days_past_due(item.due_date, as_of)
        reference = item.due_date if basis is AgingBasis.DUE else item.issue_date
        index = scheme.index_for((as_of - reference).days, basis)
        result.totals[index] += balance
        customer = result.customers.get(item.customer_id)
        if customer is None:
            customer = result.customers[item.customer_id] = CustomerAging(
                item.customer_id, item.currency, [0] * len(labels)
            )
        customer.buckets[index] += balance
        customer.open_invoices += 1
        if customer.oldest_due_date is None or item.due_date < customer.oldest_due_date:
            customer.oldest_due_date = item.due_date
        if overdue_days > 0:
            customer.past_due += balance
            result.past_due += balance
        if overdue_days > OVER_90_DAYS:
            result.over_90 += balance
    return results
