"""``recoup compliance`` as a user runs it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from recoup.cli import app

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_explain_json_has_the_documented_shape(debtor):
    code, out = run("compliance", "explain", "P1", "--at", "2026-03-09T21:15-05:00", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["time_zones"] == ["America/New_York"]
    assert set(doc["channels"]) == {"call", "sms", "email", "letter"}
    call = doc["channels"]["call"]
    assert call["allowed"] is False
    assert call["violations"][0]["rule"] == "F2" and call["violations"][0]["citation"]
    assert call["next_allowed_at"] == "2026-03-10T12:00:00+00:00"  # 08:00 in New York (EDT)
    assert doc["channels"]["letter"]["allowed"] is True
    assert doc["channels"]["sms"]["violations"][0]["rule"] == "T1"


def test_explain_table_and_unknown_accounts(debtor):
    code, out = run("compliance", "explain", "P1", "--at", "2026-03-09T12:00")
    assert code == 0 and "America/New_York" in out and "allowed" in out
    code, _ = run("compliance", "explain", "NOPE")
    assert code != 0


def test_flag_records_facts_and_explain_shows_them(debtor):
    code, out = run("compliance", "flag", "P1", "--cease")
    assert code == 0, out
    code, out = run("compliance", "explain", "P1", "--format", "json")
    doc = json.loads(out)
    assert any("stop contact" in flag for flag in doc["flags"])
    assert doc["channels"]["letter"]["violations"][0]["rule"] == "F6"
    code, out = run("compliance", "flag", "P1", "--consent", "sms:+15185550101")
    assert code != 0 and "--source" in out
    code, out = run("compliance", "flag", "P1", "--inconvenient", "Someday 25:00-26:00")
    assert code != 0


def test_blocked_report_counts_by_rule_in_json(debtor):
    from datetime import timedelta

    from recoup.compliance.services import contact_make
    from recoup.core.compliance import Action, Channel
    from tests.compliance.conftest import new_york

    night = new_york(2026, 3, 9, 22, 0)
    for minutes in range(3):
        contact_make(
            customer=debtor, action=Action(Channel.CALL, address="+15185550101"), at=night + timedelta(minutes=minutes)
        )
    code, out = run("compliance", "blocked", "--month", "2026-03", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["blocked_contacts"] == 3 and doc["by_rule"] == {"F2": 3}
    code, out = run("compliance", "blocked", "--month", "2026-13")
    assert code != 0


def test_rules_markdown_lists_every_rule(db):
    code, out = run("compliance", "rules", "--format", "markdown")
    assert code == 0
    from recoup.core.compliance import RULES

    for rule in RULES:
        assert f"| {rule} |" in out


def test_settings_override_a_parameter(debtor):
    code, out = run("compliance", "settings", "--set", "calls_per_window=5", "--mode", "third_party")
    assert code == 0 and '"calls_per_window": 5' in out and "third_party" in out
    code, out = run("compliance", "settings", "--set", "no_such=1")
    assert code != 0 and "unknown" in out
