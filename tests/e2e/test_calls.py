"""A collector works today's call queue in a real browser: opens the call, reads the script, logs a promise
to pay, and the account leaves the queue until the promised date."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.services import user_add
from recoup.clock import today
from recoup.ledger.services import contact_point_add, customer_create, invoice_issue
from recoup.organisations.services import organisation_ensure_default
from recoup.outreach.cycle import cycle_run, explain_next
from recoup.outreach.models import CallTask
from recoup.outreach.selectors import call_queue

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL, PASSWORD = "collector@example.com", "correct horse battery"


@pytest.fixture
def queue(live_server):
    organisation, _ = organisation_ensure_default(name="Northwind Supply")
    as_of = today(organisation.timezone)
    customer = customer_create(organisation=organisation, external_id="C-77", name="Harbor Builders", segment="b2b")
    contact_point_add(customer=customer, kind="phone", value="+12125550177", actor="test")
    contact_point_add(customer=customer, kind="email", value="ap@harbor.example", actor="test")
    invoice_issue(
        organisation=organisation,
        customer=customer,
        number="NW-1042",
        issue_date=as_of - dt.timedelta(days=47),
        due_date=as_of - dt.timedelta(days=17),  # the B2B ladder's call step is day 17
        amount_cents=248_000,
    )
    cycle_run(organisation, as_of, any_hour=True)
    assert CallTask.objects.filter(customer=customer, status="open").exists()
    user_add(email=EMAIL, password=PASSWORD, organisation=organisation, role="collector")
    return live_server.url, organisation, customer, as_of


def test_a_collector_logs_a_promise_and_the_account_leaves_the_queue(page, queue):
    base, organisation, customer, as_of = queue
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/o/**")
    page.get_by_role("link", name="Calls", exact=True).click()
    row = page.locator("#call-queue tr", has_text="Harbor Builders")
    assert row.is_visible()
    row.get_by_role("link", name="Open").click()
    script = page.locator("#call-script")
    assert "Harbor Builders" in script.inner_text() and "$2,480.00" in script.inner_text()
    assert "NW-1042" in script.inner_text()
    promised = as_of + dt.timedelta(days=7)
    page.get_by_label("What happened").select_option("promise_to_pay")
    page.get_by_label("Promised date").fill(promised.isoformat())
    page.get_by_label("Promised amount").fill("2,480.00")
    page.get_by_label("Notes").fill("Paying by wire next week.")
    page.get_by_role("button", name="Log call").click()
    page.wait_for_url(f"{base}/o/{organisation.slug}/calls/")
    assert page.get_by_text("Call with Harbor Builders logged.").is_visible()
    assert page.locator("#call-queue tr", has_text="Harbor Builders").count() == 0
    assert CallTask.objects.get(customer=customer).status == "done"
    # Until the promised date the ladder stays paused: no new call, no reminder.
    for offset in (1, 7):
        day = as_of + dt.timedelta(days=offset)
        assert cycle_run(organisation, day).statuses == {}
        assert all(task.customer_id != customer.pk for task in call_queue(organisation, day))
    assert explain_next(customer, as_of + dt.timedelta(days=3)) == [
        f"Paused: promised to pay until {promised:%d %b %Y}; resumes {promised + dt.timedelta(days=1):%d %b %Y}."
    ]
    page.goto(f"{base}/o/{organisation.slug}/customers/{customer.pk}/")
    assert page.locator("#chasing").get_by_text("Paused: promised to pay").is_visible()
