"""Who may see and do what: memberships of users in organisations, with a role, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recoup.organisations.models import Organisation


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    COLLECTOR = "collector", "Collector"
    VIEWER = "viewer", "Viewer"


# What each role may do. Owners do everything; collectors work accounts (notes, calls, disputes,
# imports); viewers only read.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({"read", "work", "import", "manage", "audit"}),
    Role.COLLECTOR: frozenset({"read", "work", "import"}),
    Role.VIEWER: frozenset({"read"}),
}


class Membership(models.Model):
    """A user's role in one organisation. A user sees only the data of organisations they belong to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.organisation}"

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a digest of the secret is stored; the token is shown once.

    The token acts as its user: it reaches the organisations the user belongs to, with the user's roles.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12, help_text="The start of the token, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
