"""Two cycles started at the same moment, in two processes, against PostgreSQL: every account gets exactly one
reminder. The unique key on touches decides which process sends; the loser moves on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection

from recoup.compliance.models import ContactAttempt
from recoup.ledger.services import contact_point_add, customer_create, invoice_issue
from recoup.outreach.models import Message, Touch
from tests.outreach.conftest import DUE, day

ACCOUNTS = 150


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_cycles_never_send_twice(ny_org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("two processes need a shared server database; CI runs this on PostgreSQL")
    for n in range(ACCOUNTS):
        customer = customer_create(organisation=ny_org, external_id=f"C{n}", name=f"Customer {n}", segment="b2b")
        contact_point_add(customer=customer, kind="email", value=f"ap{n}@example.com", actor="test")
        invoice_issue(
            organisation=ny_org,
            customer=customer,
            number=f"I{n}",
            issue_date=DUE - timedelta(days=30),
            due_date=DUE,
            amount_cents=10_000 + n,
        )
    db = connection.settings_dict
    url = f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_URL": f"file://{tmp_path}/outbox", "COLUMNS": "200"}
    command = [sys.executable, "-m", "recoup.cli", "cycle", "--as-of", day(3).isoformat(), "--format", "json"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
    reports = [json.loads(out) for out, _ in outputs]
    sent = [report["statuses"].get("sent", 0) for report in reports]
    print("statuses of the two runs:", [report["statuses"] for report in reports])
    assert sum(sent) == ACCOUNTS, reports[0]["statuses"]
    assert Touch.objects.count() == ACCOUNTS
    assert Message.objects.count() == ACCOUNTS
    assert ContactAttempt.objects.filter(source="cycle").count() == ACCOUNTS
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == ACCOUNTS
    recipients = sorted(Message.objects.values_list("to_address", flat=True))
    assert len(set(recipients)) == ACCOUNTS
