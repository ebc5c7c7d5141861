"""Reads for the outreach pages: the outbox, today's call queue, pauses, audiences by aging bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from recoup.compliance.models import ContactPermission, DebtorProfile, PermissionKind
from recoup.core.aging import BucketScheme
from recoup.ledger.models import ContactKind, ContactPoint, ContactStatus, Customer, CustomerBalance
from recoup.organisations.models import Organisation
from recoup.outreach.models import AccountPause, CallTask, CallTaskStatus, LadderPolicy, Message, MessageStatus

OUTBOX_FILTERS = ("queued", "sent", "failed", "bounced", "opened", "clicked", "letters")


def outbox(organisation: Organisation, show: str = "") -> QuerySet[Message]:
    found = Message.objects.filter(organisation=organisation).select_related("customer", "touch")
    if show in (MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.BOUNCED):
        found = found.filter(status=show)
    elif show == "opened":
        found = found.filter(opened_at__isnull=False)
    elif show == "clicked":
        found = found.filter(clicked_at__isnull=False)
    elif show == "letters":
        found = found.filter(channel="letter")
    return found.order_by("-created_at", "-id")


def outbox_counts(organisation: Organisation) -> dict[str, int]:
    counts = Message.objects.filter(organisation=organisation).aggregate(
        queued=Count("id", filter=Q(status=MessageStatus.QUEUED)),
        sent=Count("id", filter=Q(status=MessageStatus.SENT)),
        failed=Count("id", filter=Q(status=MessageStatus.FAILED)),
        bounced=Count("id", filter=Q(status=MessageStatus.BOUNCED)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        letters=Count("id", filter=Q(channel="letter")),
    )
    return {key: counts[key] for key in OUTBOX_FILTERS}


def paused_customer_ids(organisation: Organisation, as_of: date) -> set[int]:
    from recoup.outreach.accounts import pauses_of

    return set(pauses_of(organisation, as_of))


def call_queue(organisation: Organisation, as_of: date, assignee_id: int | None = None) -> list[CallTask]:
    """Open call tasks due by ``as_of`` (one collector's, or everyone's), biggest balance first; an account
    paused (say, by a promise to pay) leaves the queue until the pause ends."""
    found = CallTask.objects.filter(organisation=organisation, status=CallTaskStatus.OPEN, due_on__lte=as_of)
    if assignee_id is not None:
        found = found.filter(assignee_id=assignee_id)
    found = found.select_related("customer", "touch", "assignee")
    tasks = list(found.order_by("-customer__open_cents", "due_on", "id"))
    paused = paused_customer_ids(organisation, as_of)
    tasks = [task for task in tasks if task.customer_id not in paused]
    refused = calls_refused_for_good(organisation, [task.customer_id for task in tasks])
    return [task for task in tasks if task.customer_id not in refused]


def calls_refused_for_good(organisation: Organisation, customer_ids: list[int]) -> set[int]:
    """The debtors any call to whom the guard refuses for good right now (a stop request, an attorney, a
    bankruptcy...); facts for all of them in one load. A refusal for now (calling hours) does not count."""
    from django.utils import timezone

    from recoup.compliance.explain import channel_action
    from recoup.compliance.facts_loader import FactsLoader
    from recoup.compliance.selectors import policy_of
    from recoup.core.compliance import Action, Channel, check

    if not customer_ids:
        return set()
    now = timezone.now()
    loader = FactsLoader(organisation, customer_ids, now)
    policy = policy_of(organisation)
    refused = set()
    for customer_id in set(customer_ids):
        facts = loader.facts(customer_id)
        action = channel_action(facts, loader.details[customer_id], Channel.CALL) or Action(Channel.CALL)
        verdict = check(action, facts, loader.history.get(customer_id, []), now, policy)
        if not verdict.allowed and verdict.next_allowed_at is None:
            refused.add(customer_id)
    return refused


def call_task_get(organisation: Organisation, pk: int) -> CallTask:
    return CallTask.objects.select_related("customer", "touch").get(organisation=organisation, pk=pk)


def pauses_active(customer: Customer, as_of: date) -> list[AccountPause]:
    return list(
        AccountPause.objects.filter(customer=customer, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .order_by("-created_at")
    )


def ladders(organisation: Organisation) -> list[LadderPolicy]:
    return list(LadderPolicy.objects.filter(organisation=organisation).order_by("-is_default", "key"))


@dataclass(frozen=True)
class AudienceRow:
    external_id: str
    name: str
    email: str
    currency: str
    open_cents: int
    past_due_cents: int
    oldest_due_date: date


def audience(organisation: Organisation, bucket: str) -> list[AudienceRow]:
    """Customers whose oldest open invoice is in ``bucket`` today (from the stored balances), with their
    primary usable email: the list a mail-merge or an email tool needs."""
    labels = BucketScheme(tuple(organisation.aging_edges)).labels()
    if bucket not in labels:
        raise ValueError(f"unknown bucket {bucket!r}; one of {', '.join(labels)}")
    index = labels.index(bucket)
    balances = (
        CustomerBalance.objects.filter(organisation=organisation, **{f"b{index}__gt": 0})
        .select_related("customer")
        .order_by("-open_cents")
    )
    rows = []
    emails = {}
    for customer_id, value in (
        ContactPoint.objects.filter(customer__organisation=organisation, kind=ContactKind.EMAIL)
        .exclude(status__in=[ContactStatus.BAD, ContactStatus.INVALID])
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "value")
    ):
        emails.setdefault(customer_id, value)
    # Not for the list: addresses opted out of email, and debtors who must not be contacted this way at all
    # (a stop request, an attorney, a bankruptcy, a death). The list leaves Recoup, so the guard cannot
    # stop a send from another tool: it is filtered here.
    opted_out = {
        (customer_id, address)
        for customer_id, address in ContactPermission.objects.filter(
            customer__organisation=organisation,
            kind=PermissionKind.OPT_OUT,
            channel="email",
            revoked_at__isnull=True,
        ).values_list("customer_id", "address")
    }
    barred = set(
        DebtorProfile.objects.filter(customer__organisation=organisation)
        .filter(
            Q(cease_requested_at__isnull=False)
            | ~Q(attorney_name="")
            | Q(attorney_since__isnull=False)
            | Q(bankruptcy_filed_on__isnull=False)
            | Q(deceased_on__isnull=False)
        )
        .values_list("customer_id", flat=True)
    )
    for balance in balances:
        email = emails.get(balance.customer_id, "")
        if balance.customer_id in barred or (balance.customer_id, "") in opted_out:
            continue
        if (balance.customer_id, email) in opted_out:
            email = ""
        # In the bucket means its oldest open invoice is there: no amount in any older bucket.
        if any(getattr(balance, f"b{i}") for i in range(index + 1, len(labels))):
            continue
        rows.append(
            AudienceRow(
                balance.customer.external_id,
                balance.customer.name,
                email,
                balance.currency,
                balance.open_cents,
                balance.past_due_cents,
                balance.oldest_due_date,
            )
        )
    return rows
