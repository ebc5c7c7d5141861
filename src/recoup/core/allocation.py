"""Applying a payment or credit to open invoices.

The invariants (property-tested): no invoice receives more than its open balance, the parts never exceed
the amount applied, and whatever cannot be applied stays on the payment as unapplied cash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class OverallocationError(ValueError):
    """An allocation would take an invoice below zero or use more than the payment holds."""


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice that can receive money: its identity and open balance in minor units."""

    invoice_id: object
    open_balance: int


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    parts: list[tuple[object, int]]
    unapplied: int

    @property
    def applied(self) -> int:
        return sum(amount for _, amount in self.parts)


def plan_allocation(
    amount: int, open_invoices: Sequence[OpenInvoice], preferred: object | None = None
) -> AllocationPlan:
    """Apply ``amount`` to ``preferred`` first, then to the others in the order given (oldest due first,
    by the caller's ordering). Returns the parts and the unapplied remainder."""
    if amount < 0:
        raise OverallocationError("a negative amount cannot be applied; record a reversal instead")
    ordered = sorted(open_invoices, key=lambda inv: inv.invoice_id != preferred) if preferred else open_invoices
    remaining = amount
    parts: list[tuple[object, int]] = []
    for invoice in ordered:
        if remaining == 0:
            break
        if invoice.open_balance <= 0:
            continue
        take = min(remaining, invoice.open_balance)
        parts.append((invoice.invoice_id, take))
        remaining -= take
    return AllocationPlan(parts, remaining)


def check_allocation(invoice_amount: int, already_applied: int, new_amount: int) -> None:
    """Raise unless applying ``new_amount`` keeps the invoice's applied total within its amount."""
    if new_amount <= 0:
        raise OverallocationError("an allocation must be a positive amount")
    if already_applied + new_amount > invoice_amount:
        raise OverallocationError(
            f"applying {new_amount} would exceed the invoice: {already_applied} of {invoice_amount} applied"
        )
