from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from recoup.demo.generator import DemoSpec, demo_load
from recoup.demo.portfolio import generate
from recoup.ledger.models import Allocation, Customer, Invoice

AS_OF = dt.date(2026, 6, 30)


def test_same_seed_same_portfolio_other_seed_other_portfolio():
    a = generate(DemoSpec(50, 400, 3, AS_OF))
    b = generate(DemoSpec(50, 400, 3, AS_OF))
    c = generate(DemoSpec(50, 400, 4, AS_OF))
    for name in ("customers", "contacts", "invoices", "payments", "credit_notes", "allocations"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.invoices.equals(c.invoices)


def test_portfolio_is_consistent():
    p = generate(DemoSpec(300, 3000, 5, AS_OF))
    assert p.customers.height == 300 and p.invoices.height == 3000
    assert set(p.customers["behaviour"].unique()) == {"prompt", "late", "partial", "disputer", "defaulter"}
    assert set(p.customers["segment"].unique()) == {"b2b", "dental", "medical", "contractor"}
    applied = p.allocations.group_by("invoice_id").agg(pl.col("amount_cents").sum().alias("applied"))
    joined = p.invoices.join(applied, left_on="invoice_pk", right_on="invoice_id", how="left").with_columns(
        pl.col("applied").fill_null(0)
    )
    assert (joined["applied"] <= joined["amount_cents"]).all()
    assert (
        joined.filter(pl.col("settled_on").is_not_null())["applied"]
        == joined.filter(pl.col("settled_on").is_not_null())["amount_cents"]
    ).all()
    assert p.allocations["applied_on"].max() <= AS_OF and p.invoices["issue_date"].max() <= AS_OF
    assert (p.invoices["due_date"] >= p.invoices["issue_date"]).all()
    assert p.contacts.filter(pl.col("kind") == "email")["value"].str.contains(r"@example\.(com|org)$").all()
    assert p.contacts.filter(pl.col("kind") == "phone")["value"].str.contains(r"^\+1\d{3}55501\d{2}$").all()


@pytest.mark.django_db
def test_demo_load_replaces_the_ledger_and_derived_fields_match_allocations(org):
    from recoup.ledger.services import invoices_refresh_applied

    demo_load(org, DemoSpec(40, 300, 1, AS_OF))
    demo_load(org, DemoSpec(30, 200, 2, AS_OF))
    assert Customer.objects.count() == 30 and Invoice.objects.count() == 200
    fields = ("id", "applied_cents", "last_applied_on", "settled_on")
    before = {row[0]: row for row in Invoice.objects.values_list(*fields)}
    invoices_refresh_applied(before)
    assert {row[0]: row for row in Invoice.objects.values_list(*fields)} == before
    assert Allocation.objects.filter(invoice__organisation=org).count() > 100
