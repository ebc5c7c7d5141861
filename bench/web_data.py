"""The web benchmark's ledger: a million invoices, a month of snapshots, a login and an API token."""

from __future__ import annotations

import time
from datetime import timedelta

from bench.common import setup

EMAIL, PASSWORD = "bench@example.com", "correct horse battery"


def build(database_url: str, customers: int, invoices: int) -> dict:
    organisation = setup(database_url)
    from recoup.accounts.services import token_create, user_add
    from recoup.clock import today
    from recoup.demo.generator import DemoSpec, demo_load
    from recoup.reporting.snapshots import snapshots_backfill

    started = time.perf_counter()
    day = today(organisation.timezone)
    demo_load(organisation, DemoSpec(customers, invoices, 2026, day), force=True)
    loaded = time.perf_counter() - started
    snapshots_backfill(organisation, day - timedelta(days=40), day)
    user = user_add(email=EMAIL, password=PASSWORD, organisation=organisation, role="owner")
    _, token = token_create(user=user, name="bench")
    from django.db import connection

    # A production database's autovacuum would have done this within minutes of the load: planner
    # statistics, and on PostgreSQL the visibility map that lets index-only scans skip the table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    from recoup.ledger.models import Customer, CustomerBalance

    busiest = CustomerBalance.objects.order_by("-open_cents").values_list("customer_id", flat=True).first()
    return {
        "slug": organisation.slug,
        "token": token,
        "customer_pk": busiest,
        "customers": Customer.objects.filter(organisation=organisation).count(),
        "load_seconds": loaded,
    }
