"""A record of every import: what was read, what it did, and every problem found."""

from __future__ import annotations

from django.db import models

from recoup.organisations.models import Organisation


class ImportRun(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected: nothing written"
        QUARANTINED = "quarantined", "Applied, bad rows quarantined"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    profile = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list, help_text="The first 1,000 problems: [line, column, value, reason]")
    quarantine_file = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-started_at"]
