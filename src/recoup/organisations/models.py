"""The creditor: the business (or, later, the agency client) whose receivables Recoup collects."""

from __future__ import annotations

from django.db import models

from recoup.core.aging import DEFAULT_EDGES


def default_aging_edges() -> list[int]:
    return list(DEFAULT_EDGES)


class Organisation(models.Model):
    """A creditor. A single business has one, created by ``recoup init`` with the slug ``default``.

    ``currency`` is the default for imported rows that name none; ``timezone`` is where the business
    works (the debtor's own zone governs contact times, not this one).
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")
    aging_edges = models.JSONField(default=default_aging_edges)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class BalanceSheetEntry(models.Model):
    """Current assets and liabilities as the business reports them, for working capital."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="balance_sheets")
    as_of = models.DateField()
    currency = models.CharField(max_length=3)
    current_assets_cents = models.BigIntegerField()
    current_liabilities_cents = models.BigIntegerField()
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "currency", "as_of"], name="uniq_balance_sheet_day"),
            models.CheckConstraint(
                condition=models.Q(current_assets_cents__gte=0, current_liabilities_cents__gte=0),
                name="balance_sheet_non_negative",
            ),
        ]
        ordering = ["-as_of"]
