"""The guard's audit: a year of naive contact through the guard, re-checked by independent code; and the
independent checker catching violations planted in the ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from recoup.compliance import services
from recoup.compliance.audit import attempt_ledger_audit
from recoup.compliance.models import BlockedRule, ContactAttempt
from recoup.compliance.simulation import simulate
from recoup.demo.generator import DemoSpec, demo_load
from tests.compliance.conftest import new_york

pytestmark = pytest.mark.django_db(transaction=True)

START = date(2026, 1, 5)


@pytest.mark.parametrize("mode", ["first_party", "third_party"])
def test_a_year_of_contacting_everyone_daily_leaves_no_violation_in_the_ledger(org, mode):
    demo_load(org, DemoSpec(60, 600, 7, START), force=True)
    services.settings_update(organisation=org, changes={"mode": mode}, actor="test")
    if mode == "third_party":
        from recoup.compliance.models import DebtorProfile

        DebtorProfile.objects.filter(customer__organisation=org).update(validation_notice_sent_on=date(2025, 11, 1))
    result = simulate(org, START, 365, seed=11)
    assert result.proposed == result.allowed + result.blocked > 10_000
    begin = datetime(2026, 1, 5, tzinfo=UTC)
    report = attempt_ledger_audit(org, begin, begin + timedelta(days=365))
    assert report.attempts_checked == result.allowed
    assert report.findings == []
    # The guard had work to do: the main rules all fired.
    assert {"F1", "F2", "T1"} <= set(result.blocked_by_rule)
    stored = dict(BlockedRule.objects.values_list("rule").annotate(n=__import__("django").db.models.Count("id")))
    assert stored == dict(result.blocked_by_rule)


def _attempt(debtor, at, channel="call", **extra):
    fields = {"line": "cell", "address": "+15185550101", "connected": True, "time_zones": ["America/New_York"]}
    return ContactAttempt.objects.create(
        organisation=debtor.organisation, customer=debtor, channel=channel, attempted_at=at, **(fields | extra)
    )


def test_the_checker_finds_violations_planted_in_the_ledger(debtor):
    monday = new_york(2026, 3, 9, 9, 0)
    for hour in range(8):  # eight calls in one day: the eighth breaks F1
        _attempt(debtor, monday + timedelta(hours=hour))
    _attempt(debtor, new_york(2026, 3, 20, 21, 30))  # after 21:00 in New York
    _attempt(debtor, new_york(2026, 3, 21, 12, 0), channel="sms")  # no consent on file
    services.profile_update(customer=debtor, changes={"cease_requested_at": new_york(2026, 4, 1, 9, 0)}, actor="t")
    _attempt(debtor, new_york(2026, 4, 2, 12, 0), channel="letter", address="1 State St")
    report = attempt_ledger_audit(debtor.organisation, new_york(2026, 3, 1, 0, 0), new_york(2026, 5, 1, 0, 0))
    rules = [f.rule for f in report.findings]
    assert rules.count("F1") == 1
    assert "F2" in rules and "T1" in rules and "F6" in rules
    assert report.attempts_checked == 11


def test_the_checker_notices_a_time_zone_the_guard_did_not_consider(debtor):
    from recoup.ledger.services import contact_point_add

    contact_point_add(customer=debtor, kind="phone", value="+18085550199", actor="t")  # a Hawaii number
    # Recorded as if only New York had been considered: 14:00 in Albany is 09:00 in Honolulu, but
    # 12:00 in Albany is 07:00 there.
    _attempt(debtor, new_york(2026, 3, 9, 12, 0))
    report = attempt_ledger_audit(debtor.organisation, new_york(2026, 3, 1, 0, 0), new_york(2026, 4, 1, 0, 0))
    assert {"F3", "F2"} <= {f.rule for f in report.findings}
