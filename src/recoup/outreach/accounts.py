"""Reads for the cycle: every chaseable account of an organisation, in a handful of set-based queries.

An account is a customer's undisputed open invoices in one currency. The anchor is the oldest one's due date.
Disputed invoices are left out of the reminder (and a fully disputed account is not chased: the guard would
refuse it, F12); promises, pauses and bankruptcy turn into ``Pause`` values ``plan`` understands.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from recoup.core.ladder import AccountState, Ladder, Pause, PauseKind, SentTouch
from recoup.core.ladder_data import ladder_from_data
from recoup.organisations.models import Organisation
from recoup.outreach.models import CustomerLadder, LadderPolicy, TouchStatus
from recoup.outreach.setup import default_ladder_data

CONTACT_STATUSES = (TouchStatus.SENT, TouchStatus.QUEUED, TouchStatus.TASK, TouchStatus.DEFERRED)
TOUCH_LOOKBACK_DAYS = 400


@dataclass(frozen=True)
class Ladders:
    by_key: dict[str, Ladder]
    default: Ladder | None
    overrides: dict[int, str]

    def for_customer(self, customer_id: int, segment: str, kind: str) -> Ladder | None:
        chosen = self.overrides.get(customer_id)
        if chosen is not None and chosen in self.by_key:
            return self.by_key[chosen]
        for ladder in self.by_key.values():
            if not (ladder.segments or ladder.customer_kinds):
                continue
            if ladder.segments and segment not in ladder.segments:
                continue
            if ladder.customer_kinds and kind not in ladder.customer_kinds:
                continue
            return ladder
        return self.default


def ladders_of(organisation: Organisation, customer_ids: list[int] | None = None) -> Ladders:
    policies = list(LadderPolicy.objects.filter(organisation=organisation, enabled=True).order_by("key"))
    if not policies and not LadderPolicy.objects.filter(organisation=organisation).exists():
        # Never set up: the shipped ladders, as the first real run will install them.
        policies = [
            LadderPolicy(
                key=item["key"],
                definition={k: v for k, v in item.items() if k != "default"},
                is_default=bool(item.get("default")),
            )
            for item in default_ladder_data()
        ]
    by_key = {p.key: ladder_from_data(p.definition) for p in policies}
    default = next((by_key[p.key] for p in policies if p.is_default), None)
    overrides_query = CustomerLadder.objects.filter(ladder__organisation=organisation)
    if customer_ids is not None:
        overrides_query = overrides_query.filter(customer_id__in=customer_ids)
    overrides = dict(overrides_query.values_list("customer_id", "ladder__key"))
    return Ladders(by_key, default, overrides)


@dataclass(frozen=True)
class Account:
    state: AccountState
    name: str
    invoice_count: int


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _only(column: str, customer_ids: list[int] | None) -> str:
    """A filter to a few customers (the customer page); ids are ints, so they are inlined safely."""
    if customer_ids is None:
        return ""
    if not customer_ids:
        return " AND 1 = 0"
    return f" AND {column} IN ({','.join(str(int(i)) for i in customer_ids)})"


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def pauses_of(organisation: Organisation, as_of: date, customer_ids: list[int] | None = None) -> dict[int, Pause]:
    """The pause in force for each paused customer on ``as_of``: an open-ended one wins, else the latest end."""
    found: dict[int, Pause] = {}

    def offer(customer_id: int, pause: Pause) -> None:
        current = found.get(customer_id)
        if current is None or (current.until is not None and (pause.until is None or pause.until > current.until)):
            found[customer_id] = pause

    only = _only("customer_id", customer_ids)
    for customer_id, kind, until, note in _rows(
        "SELECT customer_id, kind, until, note FROM outreach_accountpause "
        "WHERE organisation_id = %s AND lifted_at IS NULL AND (until IS NULL OR until >= %s)" + only,
        [organisation.pk, as_of],
    ):
        offer(customer_id, Pause(PauseKind(kind), _date(until), note))
    for customer_id, until in _rows(
        "SELECT customer_id, MAX(promise_date) FROM activity_call WHERE organisation_id = %s "
        "AND outcome = 'promise_to_pay' AND promise_date >= %s" + only + " GROUP BY customer_id",
        [organisation.pk, as_of],
    ):
        offer(customer_id, Pause(PauseKind.PROMISE, _date(until), "promise to pay"))
    for (customer_id,) in _rows(
        "SELECT p.customer_id FROM compliance_debtorprofile p JOIN ledger_customer c ON c.id = p.customer_id "
        "WHERE c.organisation_id = %s AND p.bankruptcy_filed_on IS NOT NULL" + _only("p.customer_id", customer_ids),
        [organisation.pk],
    ):
        offer(customer_id, Pause(PauseKind.BANKRUPTCY))
    return found


def accounts_of(organisation: Organisation, as_of: date, customer_ids: list[int] | None = None) -> list[Account]:
    """Every customer-currency with undisputed open invoices issued by ``as_of``, with its ladder history."""
    only = _only("i.customer_id", customer_ids)
    # The latest payment comes from the (customer, payment_date) index, one seek per account.
    open_rows = _rows(
        "SELECT i.customer_id, i.currency, MIN(i.due_date), SUM(i.amount_cents - i.applied_cents), COUNT(*), "
        "(SELECT MAX(p.payment_date) FROM ledger_payment p WHERE p.customer_id = i.customer_id "
        "AND p.currency = i.currency AND p.payment_date <= %s) "
        "FROM ledger_invoice i WHERE i.organisation_id = %s AND i.settled_on IS NULL "
        "AND i.amount_cents > i.applied_cents AND i.disputed = %s AND i.issue_date <= %s" + only + " "
        "GROUP BY i.customer_id, i.currency",
        [as_of, organisation.pk, False, as_of],
    )
    customers = {
        row[0]: row[1:]
        for row in _rows(
            "SELECT id, name, segment, kind FROM ledger_customer WHERE organisation_id = %s"
            + _only("id", customer_ids),
            [organisation.pk],
        )
    }
    touches: dict[tuple[int, str, date], list[SentTouch]] = defaultdict(list)
    last_contact: dict[int, date] = {}
    window_start = as_of - timedelta(days=TOUCH_LOOKBACK_DAYS)
    rows = _rows(
        "SELECT customer_id, currency, period, step_key, attempt, planned_on, status FROM outreach_touch i "
        "WHERE organisation_id = %s AND planned_on > %s" + only,
        [organisation.pk, window_start],
    )
    # A long-unpaid account's period can be older than the window: its touches are read by period, so the
    # ladder never forgets what it sent (the unique index on touches covers this lookup).
    old_periods = sorted({_date(row[2]) for row in open_rows if _date(row[2]) <= window_start})
    for start in range(0, len(old_periods), 500):
        part = old_periods[start : start + 500]
        rows += _rows(
            "SELECT customer_id, currency, period, step_key, attempt, planned_on, status FROM outreach_touch i "
            f"WHERE organisation_id = %s AND planned_on <= %s AND period IN ({', '.join(['%s'] * len(part))})" + only,
            [organisation.pk, window_start, *part],
        )
    for customer_id, currency, period, step_key, attempt, planned_on, status in rows:
        planned = _date(planned_on)
        touches[(customer_id, currency, _date(period))].append(SentTouch(step_key, attempt, planned))
        contact = status in CONTACT_STATUSES and planned <= as_of
        if contact and (customer_id not in last_contact or planned > last_contact[customer_id]):
            last_contact[customer_id] = planned
    pauses = pauses_of(organisation, as_of, customer_ids)
    accounts = []
    for customer_id, currency, anchor, open_cents, count, last_payment in open_rows:
        name, segment, kind = customers[customer_id]
        anchor = _date(anchor)
        state = AccountState(
            customer_id=customer_id,
            currency=currency,
            anchor_due=anchor,
            open_cents=int(open_cents),
            segment=segment,
            kind=kind,
            last_payment_on=_date(last_payment),
            sent=tuple(touches.get((customer_id, currency, anchor), ())),
            last_touch_on=last_contact.get(customer_id),
            pause=pauses.get(customer_id),
        )
        accounts.append(Account(state, name, int(count)))
    return accounts


def due_accounts_baseline(organisation: Organisation, as_of: date) -> int:
    """The benchmark's baseline: one SQL statement selecting accounts with an open invoice due by as_of + 5
    days (what a hand-written cron job would do). Returns how many it found."""
    rows = _rows(
        "SELECT i.customer_id, i.currency, MIN(i.due_date), SUM(i.amount_cents - i.applied_cents) "
        "FROM ledger_invoice i WHERE i.organisation_id = %s AND i.settled_on IS NULL "
        "AND i.amount_cents > i.applied_cents AND i.disputed = %s AND i.due_date <= %s "
        "GROUP BY i.customer_id, i.currency",
        [organisation.pk, False, as_of + timedelta(days=5)],
    )
    return len(rows)
