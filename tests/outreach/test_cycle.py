"""The collection cycle against the database: idempotence, catch-up, payments, disputes, promises, bounces,
unsubscribes, and what the customer page says will happen next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recoup.activity.services import call_log, dispute_open
from recoup.compliance.models import BlockedContact, ContactAttempt, ContactPermission
from recoup.ledger.models import ContactPoint
from recoup.ledger.services import payment_record
from recoup.outreach.cycle import cycle_run, explain_next
from recoup.outreach.models import CallTask, Message, Touch, TouchStatus
from recoup.outreach.services import bounce_process, unsubscribe
from tests.outreach.conftest import day, noon

pytestmark = pytest.mark.django_db


def run(org, n: int, **kwargs):
    return cycle_run(org, day(n), at=noon(n), deliver=False, **kwargs)


def steps(customer) -> list[tuple[str, str]]:
    return [(t.step_key, t.status) for t in Touch.objects.filter(customer=customer).order_by("planned_on", "id")]


def test_the_first_run_sends_one_email_for_the_whole_account(ny_org, b2b, settings):
    settings.EMAIL_URL = "locmem://"
    result = run(ny_org, 3)
    assert steps(b2b) == [("overdue", TouchStatus.SENT)]
    message = Message.objects.get(customer=b2b)
    assert message.subject == "Reminder: invoice INV-1 is overdue"
    assert "INV-1" in message.body_text and "$1,240.00" in message.body_text  # both invoices, one email
    assert "unsubscribe" in message.body_text and "Pay or view" in message.body_html
    assert ContactAttempt.objects.filter(customer=b2b, channel="email", source="cycle").count() == 1
    assert result.statuses == {"sent": 1}


def test_running_twice_on_the_same_day_sends_nothing_more(ny_org, b2b):
    run(ny_org, 3)
    again = run(ny_org, 3)
    assert again.statuses == {}
    assert again.outcomes["wait"] == 1
    assert Message.objects.filter(customer=b2b).count() == 1
    assert Touch.objects.filter(customer=b2b).count() == 1


def test_after_ten_days_off_only_the_step_due_now_goes_out(ny_org, b2b):
    run(ny_org, 3)
    # Off from day 4 to day 22: the follow-up (day 10) and the call (day 17) fell due meanwhile.
    result = run(ny_org, 23)
    assert result.statuses == {"sent": 1}
    assert steps(b2b) == [("overdue", "sent"), ("action-needed", "sent")]
    assert Message.objects.filter(customer=b2b).count() == 2
    assert not CallTask.objects.filter(customer=b2b).exists()


def test_a_partial_payment_between_steps_delays_the_next_one(ny_org, b2b):
    run(ny_org, 3)
    payment_record(
        organisation=ny_org, customer=b2b, payment_date=day(8), amount_cents=50_000, currency="USD", actor="test"
    )
    for n in range(9, 15):
        run(ny_org, n)
    assert steps(b2b) == [("overdue", "sent")]  # not on day 10: seven days from the payment
    run(ny_org, 15)
    assert steps(b2b) == [("overdue", "sent"), ("follow-up", "sent")]
    assert "$740.00" in Message.objects.filter(customer=b2b).latest("id").body_text  # what is still open


def test_a_dispute_mid_ladder_stops_the_reminders_and_says_why(ny_org, b2b):
    run(ny_org, 3)
    for invoice in b2b.invoices.all():
        dispute_open(invoice=invoice, reason="goods not received", actor="test")
    run(ny_org, 10)
    assert steps(b2b) == [("overdue", "sent")]
    assert explain_next(b2b, day(10)) == [
        "Paused: every open invoice is disputed; chasing resumes when the dispute is closed."
    ]


def test_a_disputed_invoice_is_left_out_and_the_rest_is_chased(ny_org, b2b):
    dispute_open(invoice=b2b.invoices.get(number="INV-1"), reason="wrong price", actor="test")
    run(ny_org, 3)
    body = Message.objects.get(customer=b2b).body_text
    assert "INV-2" in body and "INV-1" not in body and "$340.00" in body


def test_a_promise_to_pay_pauses_the_ladder_until_its_date(ny_org, b2b):
    run(ny_org, 3)
    call_log(
        customer=b2b,
        outcome="promise_to_pay",
        actor="test",
        phone="+12125550142",
        promise_date=day(20),
        promise_amount_cents=124_000,
        today=day(5),
    )
    for n in range(6, 21):
        run(ny_org, n)
    assert steps(b2b) == [("overdue", "sent")]
    assert explain_next(b2b, day(12)) == ["Paused: promised to pay until 22 Mar 2026; resumes 23 Mar 2026."]
    run(ny_org, 21)  # the promise was broken: the ladder resumes with the step due now
    assert steps(b2b) == [("overdue", "sent"), ("action-needed", "sent")]


def test_a_bounce_turns_the_address_bad_and_the_next_email_is_skipped(ny_org, b2b):
    run(ny_org, 3)
    message = Message.objects.get(customer=b2b)
    dsn = (
        "From: MAILER-DAEMON@mx.example\r\nTo: reminders@recoup.invalid\r\nSubject: Undelivered Mail\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        "Final-Recipient: rfc822; ap@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message.message_id}\r\n--b--\r\n"
    ).encode()
    result = bounce_process(ny_org, dsn)
    assert result.hard == ["ap@acme.example"]
    message.refresh_from_db()
    assert message.status == "bounced"
    assert ContactPoint.objects.get(customer=b2b, kind="email").status == "bad"
    assert bounce_process(ny_org, dsn).hard == ["ap@acme.example"]  # processing it again changes nothing
    run(ny_org, 10)
    assert steps(b2b)[-1] == ("follow-up", "skipped")
    assert Touch.objects.get(customer=b2b, step_key="follow-up").reason == "no usable email address"


def test_unsubscribing_blocks_the_next_email_through_the_guard(ny_org, b2b):
    run(ny_org, 3)
    token = Message.objects.get(customer=b2b).token
    unsubscribe(token, at=noon(4))
    unsubscribe(token, at=noon(5))  # twice is once
    assert ContactPermission.objects.filter(customer=b2b, kind="opt_out", channel="email").count() == 1
    run(ny_org, 10)
    touch = Touch.objects.get(customer=b2b, step_key="follow-up")
    assert touch.status == "blocked"
    assert touch.rules == ["P1"]  # the opt-out rule
    assert touch.reason == "P1: The debtor opted out of ap@acme.example."
    assert BlockedContact.objects.filter(customer=b2b, channel="email").exists()


def test_hours_defer_a_consumer_email_and_a_later_run_sends_it(ny_org, patient):
    early = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)  # 06:00 in New York: too early for a consumer (F2)
    cycle_run(ny_org, day(5), at=early, deliver=False)
    touch = Touch.objects.get(customer=patient)
    assert touch.status == "deferred" and "F2" in touch.rules
    assert touch.retry_at == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert not Message.objects.filter(customer=patient).exists()
    assert cycle_run(ny_org, day(5), at=early, deliver=False).retried == 0  # not yet
    result = cycle_run(ny_org, day(5), at=touch.retry_at, deliver=False)
    assert result.retried == 1
    touch.refresh_from_db()
    assert touch.status == "sent"
    assert Message.objects.filter(customer=patient).count() == 1


def test_business_debts_are_not_held_to_consumer_calling_hours(ny_org, b2b):
    cycle_run(ny_org, day(3), at=datetime(2026, 3, 5, 11, 0, tzinfo=UTC), deliver=False)
    assert steps(b2b) == [("overdue", "sent")]


def test_a_call_step_puts_a_task_with_a_script_in_the_queue(ny_org, b2b):
    run(ny_org, 3)
    run(ny_org, 10)
    run(ny_org, 17)
    task = CallTask.objects.get(customer=b2b)
    assert task.status == "open" and task.due_on == day(17)
    assert "Acme Supply" in task.script and "$1,240.00" in task.script and "INV-2" in task.script
    call_log(customer=b2b, outcome="no_answer", actor="test", phone="+12125550142")
    task.refresh_from_db()
    assert task.status == "done"


def test_the_dry_run_plans_and_asks_the_guard_but_writes_nothing(ny_org, b2b):
    result = run(ny_org, 3, dry_run=True)
    assert [t.status for t in result.touches] == ["sent"]
    assert result.touches[0].decision.allowed
    assert not Touch.objects.exists() and not Message.objects.exists() and not ContactAttempt.objects.exists()


def test_the_next_step_is_explained(ny_org, b2b):
    assert explain_next(b2b, day(-10)) == ["Next: Upcoming reminder · 27 Feb 2026 · B2B suppliers"]
    run(ny_org, 3)
    assert explain_next(b2b, day(4)) == ["Next: Follow-up · 12 Mar 2026 · B2B suppliers"]


def test_an_opened_but_unpaid_reminder_puts_a_call_in_the_queue(ny_org, b2b):
    from recoup.outreach.services import message_opened

    run(ny_org, 3)
    message = Message.objects.get(customer=b2b)
    message_opened(message.token, at=noon(4))
    for n in range(5, 9):  # the B2B ladder calls 5 days after the open
        assert run(ny_org, n).opened_calls == 0
    result = run(ny_org, 9)
    assert result.opened_calls == 1
    task = CallTask.objects.get(customer=b2b)
    assert task.reason.startswith("Opened the reminder of 05 Mar on 06 Mar")
    assert "was opened on 06 Mar" in task.script
    assert run(ny_org, 10).opened_calls == 0  # once per opened reminder
    call_log(customer=b2b, outcome="no_answer", actor="test", phone="+12125550142")
    assert run(ny_org, 11).opened_calls == 0


def test_a_payment_after_the_open_means_no_call(ny_org, b2b):
    from recoup.outreach.services import message_opened

    run(ny_org, 3)
    message_opened(Message.objects.get(customer=b2b).token, at=noon(4))
    payment_record(
        organisation=ny_org, customer=b2b, payment_date=day(6), amount_cents=10_000, currency="USD", actor="test"
    )
    assert run(ny_org, 9).opened_calls == 0


def test_call_outcomes_update_the_account(ny_org, b2b):
    from recoup.outreach.models import AccountPause

    call_log(customer=b2b, outcome="wrong_number", actor="test", phone="+12125550142")
    assert ContactPoint.objects.get(customer=b2b, kind="phone").status == "bad"
    call_log(customer=b2b, outcome="callback_requested", actor="test", phone="+12125550142", today=day(4))
    task = CallTask.objects.get(customer=b2b, status="open")
    assert (task.due_on, task.reason) == (day(5), "Asked to be called back")
    call_log(customer=b2b, outcome="dispute", actor="test", phone="+12125550142", notes="says INV-2 was returned")
    assert AccountPause.objects.get(customer=b2b).kind == "dispute"
    assert CallTask.objects.get(pk=task.pk).status == "done"
    assert run(ny_org, 10).statuses == {}
    assert explain_next(b2b, day(10))[0].startswith("Paused: disputed")


def test_call_tasks_go_to_the_collector_with_the_fewest(ny_org, b2b, patient):
    from recoup.accounts.services import user_add

    ana = user_add(email="ana@example.com", password="x" * 12, organisation=ny_org, role="collector")
    ben = user_add(email="ben@example.com", password="x" * 12, organisation=ny_org, role="collector")
    for n in (3, 10, 17):
        run(ny_org, n)
    first = CallTask.objects.get(customer=b2b)
    assert first.assignee_id in (ana.pk, ben.pk)
    from recoup.outreach.services import collector_for

    assert collector_for(ny_org) == ({ana.pk, ben.pk} - {first.assignee_id}).pop()


def test_one_account_failing_does_not_stop_the_cycle(ny_org, b2b, patient):
    from recoup.outreach.models import MessageTemplate

    # Saved around the check (the sample has two invoices, the patient one): it breaks on the patient only.
    MessageTemplate.objects.create(
        organisation=ny_org, key="overdue", subject="Second: {{ invoices[1].number }}", body="x"
    )
    result = run(ny_org, 5)
    assert result.statuses == {"sent": 1, "failed": 1}
    failed = Touch.objects.get(customer=patient)
    assert failed.status == "failed" and "UndefinedError" in failed.reason
    assert Touch.objects.get(customer=b2b).status == "sent"
    assert run(ny_org, 5).statuses == {}  # the failure is recorded once; the ladder moves on


def test_a_deferred_touch_is_dropped_when_the_debt_is_paid_meanwhile(ny_org, patient):
    early = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    cycle_run(ny_org, day(5), at=early, deliver=False)
    touch = Touch.objects.get(customer=patient)
    assert touch.status == "deferred"
    payment_record(
        organisation=ny_org, customer=patient, payment_date=day(5), amount_cents=32_000, currency="USD", actor="test"
    )
    cycle_run(ny_org, day(5), at=touch.retry_at, deliver=False)
    touch.refresh_from_db()
    assert (touch.status, touch.reason) == ("skipped", "nothing is owed any more")
    assert not Message.objects.exists()


def test_a_stop_request_takes_the_call_out_of_the_queue(ny_org, b2b):
    from recoup.compliance.services import profile_update
    from recoup.outreach.selectors import call_queue

    for n in (3, 10, 17):
        run(ny_org, n)
    assert [t.customer_id for t in call_queue(ny_org, day(17))] == [b2b.pk]
    from django.utils import timezone

    profile_update(customer=b2b, changes={"cease_requested_at": timezone.now()}, actor="test")
    assert call_queue(ny_org, day(17)) == []


def test_an_hourly_run_before_the_send_hour_sends_no_new_reminders(ny_org, b2b):
    from recoup.clock import today
    from recoup.outreach.models import OutreachSettings

    as_of = today(ny_org.timezone)
    b2b.invoices.update(due_date=as_of - timedelta(days=3))
    settings_row = OutreachSettings.objects.create(organisation=ny_org, send_hour=24)  # always "before" it
    early = cycle_run(ny_org, as_of, deliver=False)
    assert early.before_send_hour and early.statuses == {} and not Touch.objects.exists()
    assert cycle_run(ny_org, as_of, deliver=False, any_hour=True).statuses == {"sent": 1}
    settings_row.send_hour = 0
    settings_row.save()
    assert not cycle_run(ny_org, as_of, deliver=False).before_send_hour


def test_a_queued_email_is_cancelled_when_nothing_is_owed_by_delivery_time(ny_org, b2b, settings):
    from recoup.outreach.delivery import outbox_deliver

    settings.EMAIL_URL = "locmem://"
    run(ny_org, 3)
    payment_record(
        organisation=ny_org, customer=b2b, payment_date=day(3), amount_cents=124_000, currency="USD", actor="test"
    )
    assert outbox_deliver(ny_org, noon(3)).cancelled == 1
    assert Message.objects.get().status == "cancelled"
