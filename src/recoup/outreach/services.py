"""Writes for outreach besides the cycle itself: tracking, opt-outs, bounces, pauses, ladders, templates."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from recoup.audit.services import actor_label, audit_record
from recoup.compliance.models import PermissionKind
from recoup.compliance.services import permission_record
from recoup.core.bounces import BounceKind, bounces_in
from recoup.core.compliance import Channel
from recoup.core.ladder import LadderError, PauseKind
from recoup.core.ladder_data import ladder_from_data, ladder_to_data
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus, Customer
from recoup.organisations.models import Organisation
from recoup.outreach.models import (
    AccountPause,
    CallTask,
    CallTaskStatus,
    LadderPolicy,
    Message,
    MessageStatus,
    MessageTemplate,
    OutreachSettings,
)
from recoup.outreach.templates import TemplateProblem, check_template, default_templates


class OutreachError(ValueError):
    pass


# --- Tracking. Each returns the message, or None for an unknown token (the views answer the same either way). ---


def message_opened(token: str, at: datetime | None = None) -> Message | None:
    at = at or timezone.now()
    Message.objects.filter(token=token).update(opens=F("opens") + 1)
    Message.objects.filter(token=token, opened_at__isnull=True).update(opened_at=at)
    return Message.objects.filter(token=token).first()


def message_clicked(token: str, at: datetime | None = None) -> Message | None:
    at = at or timezone.now()
    Message.objects.filter(token=token).update(clicks=F("clicks") + 1)
    Message.objects.filter(token=token, clicked_at__isnull=True).update(clicked_at=at)
    # A click proves the message was seen even when images were blocked.
    Message.objects.filter(token=token, opened_at__isnull=True).update(opened_at=at)
    return Message.objects.filter(token=token).first()


@transaction.atomic
def unsubscribe(token: str, at: datetime | None = None) -> Message | None:
    """The debtor asked for no more reminder emails at this address (one-click, RFC 8058). Idempotent."""
    at = at or timezone.now()
    message = Message.objects.select_for_update().select_related("customer").filter(token=token).first()
    if message is None or message.channel != Channel.EMAIL:
        return None
    if message.unsubscribed_at is None:
        message.unsubscribed_at = at
        message.save(update_fields=["unsubscribed_at"])
        permission_record(
            customer=message.customer,
            kind=PermissionKind.OPT_OUT,
            channel=Channel.EMAIL,
            address=message.to_address,
            source="unsubscribe link in a reminder",
            actor="debtor",
            at=at,
        )
    return message


# --- Bounces. ---


@dataclass
class BounceResult:
    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    sender: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


@transaction.atomic
def bounce_process(organisation: Organisation, raw: bytes, at: datetime | None = None) -> BounceResult:
    """Read a bounce (DSN or provider notice). A hard bounce marks the message bounced and the address bad,
    so the cycle stops using it (and the customer page says why). Re-processing the same bounce is harmless."""
    at = at or timezone.now()
    result = BounceResult()
    for bounce in bounces_in(raw):
        messages = Message.objects.filter(organisation=organisation, channel=Channel.EMAIL)
        message = None
        if bounce.original_message_id:
            message = messages.filter(message_id=bounce.original_message_id).first()
        if message is None:
            message = messages.filter(to_address=bounce.recipient).order_by("-created_at", "-id").first()
        if message is None:
            result.unmatched.append(bounce.recipient)
            continue
        getattr(result, bounce.kind.value).append(bounce.recipient)
        if bounce.kind is not BounceKind.HARD:
            message.last_error = f"{bounce.kind.value} bounce {bounce.status}: {bounce.diagnostic}"[:500]
            message.save(update_fields=["last_error"])
            continue
        message.status, message.bounced_at = MessageStatus.BOUNCED, message.bounced_at or at
        message.last_error = f"bounced {bounce.status}: {bounce.diagnostic}"[:500]
        message.save(update_fields=["status", "bounced_at", "last_error"])
        points = ContactPoint.objects.filter(
            customer_id=message.customer_id, kind=ContactKind.EMAIL, value=message.to_address
        ).exclude(status=ContactStatus.BAD)
        for point in points:
            point.status = ContactStatus.BAD
            point.save(update_fields=["status"])
            audit_record(
                organisation=organisation,
                actor="bounce processing",
                action="contact.bounced",
                target=point.customer,
                before={"email": point.value, "status": "active"},
                after={"status": ContactStatus.BAD, "bounce": bounce.status, "diagnostic": bounce.diagnostic[:200]},
            )
    return result


# --- Pauses. ---


@transaction.atomic
def pause_add(
    *, customer: Customer, kind: str, actor, until: date | None = None, note: str = "", today: date | None = None
) -> AccountPause:
    if kind not in {k.value for k in PauseKind}:
        raise OutreachError(f"unknown pause {kind!r}")
    if until is not None and today is not None and until < today:
        raise OutreachError("a pause cannot end in the past")
    pause = AccountPause.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        kind=kind,
        until=until,
        note=note.strip()[:300],
        created_by=actor_label(actor),
    )
    audit_record(
        organisation=customer.organisation,
        actor=actor,
        action="chasing.paused",
        target=customer,
        after={"kind": kind, "until": until.isoformat() if until else None, "note": pause.note},
    )
    return pause


@transaction.atomic
def pause_lift(*, pause: AccountPause, actor) -> None:
    if pause.lifted_at is not None:
        return
    pause.lifted_at = timezone.now()
    pause.save(update_fields=["lifted_at"])
    audit_record(
        organisation=pause.customer.organisation,
        actor=actor,
        action="chasing.resumed",
        target=pause.customer,
        before={"kind": pause.kind, "until": pause.until.isoformat() if pause.until else None},
    )


# --- Ladders and templates. ---


@transaction.atomic
def ladder_save(*, organisation: Organisation, data: dict, actor, is_default: bool | None = None) -> LadderPolicy:
    """Create or replace a ladder from plain data; every problem is reported at once (``LadderError``)."""
    ladder = ladder_from_data(data)
    known = set(default_templates()) | set(
        MessageTemplate.objects.filter(organisation=organisation).values_list("key", flat=True)
    )
    missing = [f"steps ({s.key}): no template called {s.template!r}" for s in ladder.steps if s.template not in known]
    if missing:
        raise LadderError(missing)
    policy, created = LadderPolicy.objects.select_for_update().get_or_create(
        organisation=organisation,
        key=ladder.key,
        defaults={"name": ladder.name, "definition": ladder_to_data(ladder)},
    )
    before = None if created else policy.definition
    policy.name, policy.definition = ladder.name, ladder_to_data(ladder)
    if is_default is not None:
        if is_default:
            LadderPolicy.objects.filter(organisation=organisation).exclude(pk=policy.pk).update(is_default=False)
        policy.is_default = is_default
    policy.save()
    audit_record(
        organisation=organisation,
        actor=actor,
        action="ladder.saved",
        target=policy,
        before=before,
        after=policy.definition,
    )
    return policy


def ladders_export(organisation: Organisation) -> str:
    items = []
    for policy in LadderPolicy.objects.filter(organisation=organisation).order_by("key"):
        item = dict(policy.definition)
        if policy.is_default:
            item = {"default": True, **item}
        items.append(item)
    return yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=110)


def ladders_import(organisation: Organisation, text: str, actor) -> list[LadderPolicy]:
    """Import ladders from YAML (a list, or one mapping). All or nothing: any problem and nothing changes."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LadderError([f"not valid YAML: {exc}"]) from None
    items = loaded if isinstance(loaded, list) else [loaded]
    problems: list[str] = []
    parsed = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"ladder {n + 1}: a mapping with key, name and steps")
            continue
        item = dict(item)
        default = item.pop("default", None)
        try:
            ladder_from_data(item)
        except LadderError as exc:
            problems.extend(f"ladder {item.get('key', n + 1)}: {p}" for p in exc.problems)
            continue
        parsed.append((item, default))
    if problems:
        raise LadderError(problems)
    with transaction.atomic():
        return [ladder_save(organisation=organisation, data=item, actor=actor, is_default=d) for item, d in parsed]


@transaction.atomic
def template_save(*, organisation: Organisation, key: str, subject: str, body: str, actor) -> MessageTemplate:
    try:
        check_template(subject, body)
    except TemplateProblem as exc:
        raise OutreachError(str(exc)) from None
    template, _ = MessageTemplate.objects.update_or_create(
        organisation=organisation, key=key, defaults={"subject": subject, "body": body}
    )
    audit_record(organisation=organisation, actor=actor, action="template.saved", target=template, after={"key": key})
    return template


# --- Call tasks. ---


def call_task_close(*, customer: Customer, call, at: datetime | None = None) -> int:
    """A call was logged: the customer's open call task is done. Returns how many were closed."""
    return CallTask.objects.filter(customer=customer, status=CallTaskStatus.OPEN).update(
        status=CallTaskStatus.DONE, closed_at=at or timezone.now(), call=call
    )


@transaction.atomic
def call_outcome_apply(*, customer: Customer, call, actor, today: date | None = None) -> None:
    """What a call's outcome does to the account, besides closing its call task:

    * wrong number: the number is marked bad, so neither the queue nor the guard's panel offers it again;
    * dispute: chasing pauses until someone records the dispute on an invoice and lifts the pause;
    * callback requested: a call task for the next day;
    * a promise to pay pauses the ladder by itself (``accounts.pauses_of`` reads it from the call).
    """
    at = call.called_at
    call_task_close(customer=customer, call=call, at=at)
    if call.outcome == "wrong_number" and call.phone:
        for point in ContactPoint.objects.filter(customer=customer, kind=ContactKind.PHONE, value=call.phone).exclude(
            status=ContactStatus.BAD
        ):
            point.status = ContactStatus.BAD
            point.save(update_fields=["status"])
            audit_record(
                organisation=customer.organisation,
                actor=actor,
                action="contact.wrong_number",
                target=customer,
                before={"phone": point.value, "status": "active"},
                after={"status": ContactStatus.BAD},
            )
    elif call.outcome == "dispute":
        note = "disputed on a call; record which invoice"
        pause_add(customer=customer, kind=PauseKind.DISPUTE, actor=actor, note=note)
    elif call.outcome == "callback_requested" and today is not None:
        # The savepoint keeps the call when an open call task exists already (one per customer).
        with contextlib.suppress(IntegrityError), transaction.atomic():
            CallTask.objects.create(
                organisation_id=customer.organisation_id,
                customer=customer,
                due_on=today + timedelta(days=1),
                reason="Asked to be called back",
                script=call.notes or "They asked to be called back.",
                created_at=at,
                assignee_id=call.author_id,
            )


def collector_for(organisation: Organisation):
    """The collector with the fewest open call tasks (owners when there are no collectors), or None."""
    from django.db.models import Count, Q

    from recoup.accounts.models import Membership

    members = Membership.objects.filter(organisation=organisation)
    pool = members.filter(role="collector") if members.filter(role="collector").exists() else members
    users = (
        pool.values("user_id")
        .annotate(
            open=Count(
                "user__calltask",
                filter=Q(user__calltask__status=CallTaskStatus.OPEN, user__calltask__organisation=organisation),
            )
        )
        .order_by("open", "user_id")
    )
    first = users.first()
    return first["user_id"] if first else None


SENDER_FIELDS = ("sender_name", "sender_email", "reply_to", "phone", "postal_address", "pay_url", "send_hour")


@transaction.atomic
def outreach_settings_update(*, organisation: Organisation, changes: dict, actor) -> OutreachSettings:
    """Who reminders come from and where debtors pay: per organisation, audited."""
    unknown = set(changes) - set(SENDER_FIELDS)
    if unknown:
        raise OutreachError(f"unknown settings: {', '.join(sorted(unknown))}")
    found, _ = OutreachSettings.objects.select_for_update().get_or_create(
        organisation=organisation, defaults={"sender_name": organisation.name}
    )
    before = {k: getattr(found, k) for k in changes}
    for name, value in changes.items():
        setattr(found, name, value)
    try:
        found.full_clean(exclude=["organisation"])
    except ValidationError as exc:
        raise OutreachError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    if not 0 <= found.send_hour <= 23:
        raise OutreachError("send_hour: an hour from 0 to 23")
    found.save()
    audit_record(
        organisation=organisation,
        actor=actor,
        action="outreach.settings_changed",
        target=found,
        before=before,
        after=changes,
    )
    return found
