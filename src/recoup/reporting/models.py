"""Daily snapshots of the receivables, so trends are a read, not a recomputation."""

from __future__ import annotations

from django.db import models

from recoup.organisations.models import Organisation


class DailySnapshot(models.Model):
    """The aged receivables of one currency at the end of one day, and that day's credit sales.

    Every KPI over any period can be computed from a run of these rows: DSO needs open AR and the sum of
    ``sales_cents`` over the period; CEI needs open AR at both ends and current AR at the end.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="snapshots")
    currency = models.CharField(max_length=3)
    as_of = models.DateField()
    open_cents = models.BigIntegerField()
    current_cents = models.BigIntegerField()
    past_due_cents = models.BigIntegerField()
    over_90_cents = models.BigIntegerField()
    bucket_labels = models.JSONField(default=list)
    bucket_cents = models.JSONField(default=list)
    open_items = models.PositiveIntegerField(default=0)
    sales_cents = models.BigIntegerField(help_text="Invoices issued on this day")
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "currency", "as_of"], name="uniq_snapshot_day"),
        ]
        ordering = ["as_of"]
