from __future__ import annotations

import datetime as dt

import pytest

from recoup.demo.generator import DemoSpec, demo_load

pytestmark = pytest.mark.django_db


def test_aging_page_shows_buckets_totals_and_customers(owner_client, org):
    demo_load(org, DemoSpec(60, 600, 9, dt.date(2026, 6, 30)))
    response = owner_client.get(f"/o/{org.slug}/aging/", {"as_of": "2026-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Current", "1-30", "31-60", "61-90", "91-120", "120+"):
        assert f">{label}<" in html
    assert "as of <strong>30 Jun 2026</strong>" in html
    assert "customers with open balances" in html or "customer with open balances" in html
    page_two = owner_client.get(f"/o/{org.slug}/aging/", {"as_of": "2026-06-30", "page": 2, "sort": "name"})
    assert page_two.status_code == 200


def test_bad_parameters_fall_back_instead_of_failing(owner_client, org):
    response = owner_client.get(
        f"/o/{org.slug}/aging/", {"as_of": "not-a-date", "basis": "weird", "sort": "drop table", "page": "x"}
    )
    assert response.status_code == 200
    assert "No open invoices" in response.content.decode()


def test_status_words_follow_the_ux_conventions():
    from recoup.web.views.aging import status_words

    as_of = dt.date(2026, 3, 20)
    assert status_words(dt.date(2026, 3, 4), as_of) == "16 days overdue"
    assert status_words(dt.date(2026, 3, 19), as_of) == "1 day overdue"
    assert status_words(as_of, as_of) == "Due today"
    assert status_words(dt.date(2026, 3, 23), as_of) == "Due in 3 days"
    assert status_words(None, as_of) == ""
