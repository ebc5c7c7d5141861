"""Recording audit events. Call from inside the service's transaction, so the record and the change
commit or roll back together."""

from __future__ import annotations

from django.db import transaction

from recoup.audit.models import AuditEvent
from recoup.organisations.models import Organisation

SYSTEM = "system"


def actor_label(actor) -> str:
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", None) or getattr(actor, "username", None) or str(actor)


def audit_record(
    *,
    organisation: Organisation,
    actor,
    action: str,
    target=None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Record that ``actor`` (a user, a label such as 'cli', or None for the system) did ``action``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)[:200]
    user = actor if hasattr(actor, "pk") and hasattr(actor, "is_authenticated") else None
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=user,
        actor_label=actor_label(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        before=before,
        after=after,
    )
