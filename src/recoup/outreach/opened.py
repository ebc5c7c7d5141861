"""The seed's rule: a debtor who opened a reminder but still has not paid N days later gets a call.

N is the ladder's ``call_after_open_days``. The call goes into the collectors' queue for today with a script
that mentions the opened reminder. Once per opened reminder: a call task created after the open (done or not)
counts, and the database allows one open call task per customer, so two cycles cannot both add it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from recoup.compliance.models import AttemptSource
from recoup.compliance.services import contact_check
from recoup.core.compliance import Action, Channel
from recoup.ledger.models import Customer, Payment
from recoup.organisations.models import Organisation
from recoup.outreach.accounts import ladders_of, pauses_of
from recoup.outreach.models import CallTask, Message
from recoup.outreach.sending import message_context
from recoup.outreach.services import collector_for
from recoup.outreach.templates import render, template_for

LOOKBACK_DAYS = 60


def opened_unpaid(organisation: Organisation, as_of: date) -> list[tuple[Customer, Message, int]]:
    """(customer, the latest opened reminder, days waited) for every debtor due a call under the rule."""
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    latest: dict[int, Message] = {}
    for message in (
        Message.objects.filter(
            organisation=organisation,
            channel=Channel.EMAIL,
            opened_at__isnull=False,
            opened_at__gte=datetime.combine(since, datetime.min.time(), tzinfo=ZoneInfo(organisation.timezone)),
        )
        .select_related("customer", "touch")
        .order_by("opened_at")
    ):
        latest[message.customer_id] = message
    if not latest:
        return []
    zone = ZoneInfo(organisation.timezone)
    ladders = ladders_of(organisation, list(latest))
    paused = pauses_of(organisation, as_of, list(latest))
    waiting = []
    for customer_id, message in latest.items():
        customer = message.customer
        ladder = ladders.for_customer(customer_id, customer.segment, customer.kind)
        wait = ladder.call_after_open_days if ladder else None
        opened_on = timezone.localtime(message.opened_at, zone).date()
        if not wait or as_of < opened_on + timedelta(days=wait) or customer_id in paused or customer.open_cents <= 0:
            continue
        waiting.append((customer, message, wait, opened_on))
    ids = [customer.pk for customer, *_ in waiting]
    # The latest payment and the latest call task of every candidate, in two queries rather than two each.
    last_paid = dict(
        Payment.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(on=Max("payment_date"))
        .values_list("customer_id", "on")
    )
    last_task = dict(
        CallTask.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(at=Max("created_at"))
        .values_list("customer_id", "at")
    )
    due = []
    for customer, message, wait, opened_on in waiting:
        paid = last_paid.get(customer.pk)
        if paid is not None and paid >= opened_on:
            continue  # they paid something after reading it
        task = last_task.get(customer.pk)
        if task is not None and task >= message.opened_at:
            continue  # already called (or queued) since
        due.append((customer, message, wait))
    return due


def opened_unpaid_calls(organisation: Organisation, as_of: date, at: datetime) -> int:
    """Queue the calls the rule asks for. Returns how many were added."""
    added = 0
    for customer, message, wait in opened_unpaid(organisation, as_of):
        decision = contact_check(
            customer=customer, action=Action(Channel.CALL), at=at, record=False, source=AttemptSource.CYCLE
        )
        if not decision.allowed and decision.next_allowed_at is None:
            continue  # calls are refused for good (cease, attorney...): the guard wins over the rule
        context = message_context(customer, message.touch, "call", at) if message.touch else None
        if context is None:
            continue
        context["opened"] = {
            "sent_on": f"{message.created_at:%d %b}",
            "opened_on": f"{message.opened_at:%d %b}",
        }
        template = template_for(organisation, "call_script")
        script = render(template.subject, template.body, context).text
        reason = (
            f"Opened the reminder of {message.created_at:%d %b} on {message.opened_at:%d %b}; unpaid {wait} days on"
        )
        try:
            with transaction.atomic():
                CallTask.objects.create(
                    organisation=organisation,
                    customer=customer,
                    due_on=as_of,
                    reason=reason[:300],
                    script=script,
                    created_at=at,
                    assignee_id=collector_for(organisation),
                )
            added += 1
        except IntegrityError:
            continue  # an open call task exists already
    return added
