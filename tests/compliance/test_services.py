"""The guard on real rows: facts from the database, the attempt ledger, the blocked log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.activity.services import call_log, dispute_close, dispute_open
from recoup.audit.models import AuditEvent
from recoup.compliance import selectors, services
from recoup.compliance.errors import ComplianceError
from recoup.compliance.models import BlockedContact, BlockedRule, ContactAttempt
from recoup.compliance.rules_doc import rules_markdown
from recoup.core.compliance import Action, Channel, DisputeState, PhoneLine
from recoup.ledger.models import Invoice
from tests.compliance.conftest import new_york

pytestmark = pytest.mark.django_db

CALL = Action(Channel.CALL, address="+15185550101", line=PhoneLine.CELL)
SMS = Action(Channel.SMS, address="+15185550101", line=PhoneLine.CELL)


def test_facts_are_built_from_the_ledger_and_the_contact_points(debtor):
    facts = selectors.debtor_facts(debtor, new_york(2026, 3, 9, 12, 0))
    assert facts.consumer and facts.state == "NY" and not facts.nyc
    assert facts.time_zones == ("America/New_York",)
    assert [d.id for d in facts.debts] == ["INV-1", "INV-2"]
    assert facts.debts[0].delinquent_since.isoformat() == "2026-02-01"


def test_the_eighth_call_is_refused_and_the_refusal_is_logged_with_its_rule(debtor):
    monday = new_york(2026, 3, 9, 9, 0)
    for hour in range(7):
        decision, attempt = services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=hour))
        assert decision.allowed and attempt is not None
    decision, attempt = services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=7))
    assert attempt is None and decision.rule_ids == ("F1",)
    assert decision.next_allowed_at == monday + timedelta(days=7)
    assert ContactAttempt.objects.filter(customer=debtor).count() == 7
    blocked = BlockedContact.objects.get(customer=debtor)
    assert blocked.rules == ["F1"] and blocked.next_allowed_at == monday + timedelta(days=7)
    assert list(BlockedRule.objects.values_list("rule", flat=True)) == ["F1"]
    assert selectors.blocked_by_rule(debtor.organisation, monday, monday + timedelta(days=1)) == [("F1", 1)]


def test_new_york_city_addresses_get_the_city_cap(debtor):
    from recoup.ledger.models import ContactPoint

    ContactPoint.objects.filter(customer=debtor, kind="address").update(postal_code="11201", city="BROOKLYN")
    monday = new_york(2026, 3, 9, 9, 0)
    for hour in range(3):
        assert services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=hour))[0].allowed
    decision, _ = services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=3))
    assert decision.rule_ids == ("S4",)


def test_a_preview_does_not_log_a_block(debtor):
    decision = services.contact_check(customer=debtor, action=CALL, at=new_york(2026, 3, 9, 22, 0), record=False)
    assert not decision.allowed and not BlockedContact.objects.exists()


def test_texts_need_consent_and_stop_ends_it(debtor):
    noon = new_york(2026, 3, 9, 12, 0)
    assert services.contact_make(customer=debtor, action=SMS, at=noon)[0].rule_ids == ("T1",)
    services.permission_record(
        customer=debtor,
        kind="consent",
        channel="sms",
        address="+15185550101",
        source="intake form",
        actor="t",
        at=noon - timedelta(days=1),
    )
    assert services.contact_make(customer=debtor, action=SMS, at=noon)[0].allowed
    services.sms_stop_received(customer=debtor, number="+15185550101", at=noon + timedelta(minutes=5))
    decision, _ = services.contact_make(customer=debtor, action=SMS, at=noon + timedelta(hours=1))
    assert {"T1", "T2"} <= set(decision.rule_ids)
    # Calls are another medium: STOP on texts does not stop them.
    assert services.contact_make(customer=debtor, action=CALL, at=noon + timedelta(hours=1))[0].allowed


def test_a_logged_call_enters_the_attempt_ledger_and_a_conversation_starts_the_quiet_days(debtor):
    call_log(customer=debtor, outcome="callback_requested", phone="+15185550101", actor="collector")
    attempt = ContactAttempt.objects.get(customer=debtor)
    assert attempt.conversation and attempt.line == "cell" and attempt.outcome == "callback_requested"
    later = attempt.attempted_at + timedelta(days=3)
    facts = selectors.debtor_facts(debtor, later)
    assert facts.debts  # still owed
    decision = services.contact_check(customer=debtor, action=CALL, at=later, record=False)
    assert "F1" in decision.rule_ids


def test_a_dispute_pauses_the_invoice_until_verified(debtor):
    invoice = Invoice.objects.get(number="INV-1")
    dispute = dispute_open(invoice=invoice, reason="never received", actor="t")
    soon = timezone.now() + timedelta(minutes=1)
    facts = selectors.debtor_facts(debtor, soon)
    assert facts.debts[0].dispute == DisputeState.OPEN
    letter = Action(Channel.LETTER)
    assert services.contact_check(customer=debtor, action=letter, at=soon, record=False).rule_ids == ("F12",)
    # Naming only the undisputed invoice is allowed.
    only_two = Action(Channel.LETTER, frozenset({"INV-2"}))
    assert services.contact_check(customer=debtor, action=only_two, at=soon, record=False).allowed
    dispute_close(dispute=dispute, status="verified", resolution="proof of delivery sent", actor="t")
    after = timezone.now() + timedelta(minutes=2)
    assert services.contact_check(customer=debtor, action=letter, at=after, record=False).allowed


def test_an_imported_disputed_flag_counts_as_an_open_dispute(debtor):
    Invoice.objects.filter(number="INV-2").update(disputed=True)
    facts = selectors.debtor_facts(debtor, timezone.now())
    assert [d.dispute for d in facts.debts] == [DisputeState.NONE, DisputeState.OPEN]


def test_facts_changes_are_audited_and_checked(debtor):
    services.profile_update(customer=debtor, changes={"cease_requested_at": new_york(2026, 3, 1, 9, 0)}, actor="t")
    assert AuditEvent.objects.filter(action="debtor.facts_changed").exists()
    letter = Action(Channel.LETTER)
    assert services.contact_check(customer=debtor, action=letter, at=new_york(2026, 3, 9, 12, 0)).rule_ids == ("F6",)
    with pytest.raises(ComplianceError):
        services.profile_update(customer=debtor, changes={"favourite_colour": "red"}, actor="t")
    with pytest.raises(ComplianceError):
        services.profile_update(customer=debtor, changes={"inconvenient_times": [{"start": "noon"}]}, actor="t")


def test_settings_refuse_unknown_parameters_and_apply_known_ones(debtor):
    with pytest.raises(ComplianceError):
        services.settings_update(organisation=debtor.organisation, changes={"overrides": {"calls": 3}}, actor="t")
    services.settings_update(
        organisation=debtor.organisation,
        changes={"overrides": {"calls_per_window": 2, "day_starts": "09:00"}},
        actor="t",
    )
    monday = new_york(2026, 3, 9, 9, 0)
    assert services.contact_make(customer=debtor, action=CALL, at=monday)[0].allowed
    assert services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=1))[0].allowed
    assert services.contact_make(customer=debtor, action=CALL, at=monday + timedelta(hours=2))[0].rule_ids == ("F1",)
    early = services.contact_check(customer=debtor, action=CALL, at=new_york(2026, 3, 16, 8, 30), record=False)
    assert "F2" in early.rule_ids


def test_the_rules_page_in_docs_is_generated_from_the_tables():
    page = Path(__file__).resolve().parents[2] / "docs" / "compliance-rules.md"
    assert page.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/compliance-rules.md is stale: run `recoup compliance rules --format markdown "
        "--output docs/compliance-rules.md`"
    )
