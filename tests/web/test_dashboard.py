from __future__ import annotations

import json

import pytest

from recoup.clock import today
from recoup.demo.generator import DemoSpec, demo_load
from recoup.reporting.models import DailySnapshot
from recoup.reporting.snapshots import snapshots_backfill

pytestmark = pytest.mark.django_db


def test_dashboard_with_snapshots_draws_charts_and_tiles(owner_client, org):
    as_of = today(org.timezone)
    demo_load(org, DemoSpec(50, 500, 3, as_of))
    from datetime import timedelta

    snapshots_backfill(org, as_of - timedelta(days=70), as_of)
    response = owner_client.get(f"/o/{org.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Open AR", "Past due", "DSO", "CEI", "Over 90 days"):
        assert f"<span>{label}</span>" in html
    figure = json.loads(response.context["aging_chart"])
    assert [trace["name"] for trace in figure["data"]] == ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert "vendor/plotly/plotly.min.js" in html and "trend-chart-data" in html
    top = response.context["top"]
    assert top and [r["past_due"] for r in top] == sorted((r["past_due"] for r in top), reverse=True)


def test_dashboard_without_snapshots_computes_live_and_says_how_to_get_trends(owner_client, org):
    demo_load(org, DemoSpec(20, 100, 3, today(org.timezone)))
    response = owner_client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    assert "recoup snapshot --backfill-days" in response.content.decode()
    assert DailySnapshot.objects.filter(organisation=org, as_of=today(org.timezone)).exists()


def test_empty_organisation_dashboard_tells_what_to_do(owner_client, org):
    html = owner_client.get(f"/o/{org.slug}/").content.decode()
    assert "Import your invoices" in html


def test_plotly_is_served_locally(owner_client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/plotly/plotly.min.js")
