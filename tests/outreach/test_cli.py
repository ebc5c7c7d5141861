"""``recoup cycle``, ``outbox``, ``letters`` and ``ladders`` as a user runs them."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from recoup.cli import app
from recoup.ledger.models import ContactPoint
from recoup.ledger.services import contact_point_add
from recoup.outreach.models import LadderPolicy, Message, Touch
from tests.outreach.conftest import day

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # the timing line goes to stderr


def test_dry_run_then_run_then_run_again(ny_org, b2b, settings, tmp_path):
    settings.EMAIL_URL = f"file://{tmp_path}/outbox"
    plan = run_json("cycle", "--dry-run", "--as-of", day(3).isoformat())
    assert plan["dry_run"] is True and plan["outcomes"] == {"send": 1} and plan["statuses"] == {"sent": 1}
    assert plan["touches"][0]["Step"] == "Overdue reminder" and plan["touches"][0]["Status"] == "would send"
    assert not Touch.objects.exists()
    first = run_json("cycle", "--as-of", day(3).isoformat())
    assert first["statuses"] == {"sent": 1} and first["delivered"] == 1
    assert run_json("cycle", "--as-of", day(3).isoformat())["statuses"] == {}
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_ladders_export_edit_import_and_a_refused_import(ny_org, tmp_path):
    code, out = run("ladders", "export")
    assert code == 0
    ladders = yaml.safe_load(out)
    assert [item["key"] for item in ladders] == ["b2b", "consumer", "contractor"]
    ladders[0]["steps"][1]["day"] = 4
    good = tmp_path / "ladders.yaml"
    good.write_text(yaml.safe_dump(ladders))
    code, out = run("ladders", "import", str(good))
    assert code == 0 and "b2b (B2B suppliers)" in out
    assert LadderPolicy.objects.get(key="b2b").definition["steps"][1]["day"] == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: b2b\nname: B2B\nsteps:\n  - {key: x, day: 1, channel: pigeon, template: overdue}\n")
    code, out = run("ladders", "import", str(bad))
    assert code == 2 and "'pigeon' is not one of" in out
    assert LadderPolicy.objects.get(key="b2b").definition["steps"][1]["day"] == 4  # unchanged


def test_bounces_from_files_mark_the_address_bad(ny_org, b2b, shared_data, settings, tmp_path):
    settings.EMAIL_URL = f"file://{tmp_path}/outbox"
    ContactPoint.objects.filter(customer=b2b, kind="email").delete()
    contact_point_add(customer=b2b, kind="email", value="userunknown@bouncehammer.jp", actor="test")
    run("cycle", "--as-of", day(3).isoformat())
    assert Message.objects.get().to_address == "userunknown@bouncehammer.jp"
    folder = shared_data / "formats" / "bounces"
    code, out = run("outbox", "bounces", str(folder / "rfc3464-01.eml"), str(folder / "rfc3834-02.eml"))
    assert code == 0, out
    assert "rfc3464-01.eml: hard: userunknown@bouncehammer.jp" in out and "rfc3834-02.eml: not a bounce" in out
    assert ContactPoint.objects.get(customer=b2b, kind="email").status == "bad"
    assert Message.objects.get().status == "bounced"


def test_letters_batch_and_statement_write_pdfs(ny_org, b2b, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for n in (3, 10, 17, 21, 30):
        run("cycle", "--as-of", day(n).isoformat())
    code, out = run("letters", "batch", "--output", str(tmp_path / "batch.pdf"))
    assert code == 0 and "1 letters" in out and (tmp_path / "batch.pdf").read_bytes().startswith(b"%PDF")
    code, out = run("letters", "batch")
    assert code == 0 and "No letters are waiting." in out
    code, out = run("letters", "statement", "B1", "--as-of", day(30).isoformat())
    assert code == 0 and (tmp_path / f"statement-B1-{day(30).isoformat()}.pdf").exists()
