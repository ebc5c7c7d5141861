"""Bulk upserts of customers, contact points, invoices, payments and allocations from typed frames.

Used by the importers and the demo generator. Each function compares the incoming rows with what the
ledger holds, so that running the same input twice changes nothing (the natural keys: customer
``external_id``, invoice ``number``, payment ``external_key``, contact ``(customer, kind, value)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from django.db import connection

from recoup.core.allocation import OpenInvoice, plan_allocation
from recoup.ledger.bulk import IdTable, fetch_frame, insert_frame, update_frame
from recoup.ledger.models import Allocation, ContactPoint, Customer, Invoice, Payment

CUSTOMER_FIELDS = ("name", "kind", "segment", "terms_days")
OPTIONAL_INVOICE_FIELDS = ("terms_days", "disputed")
INVOICE_FIELDS = (
    "customer_pk",
    "issue_date",
    "due_date",
    "terms_days",
    "amount_cents",
    "currency",
    "disputed",
)


@dataclass(slots=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _db_timestamp(now: datetime) -> pl.Expr:
    return pl.lit(now).dt.replace_time_zone(None).dt.replace_time_zone("UTC")


def customers_upsert(organisation_id: int, customers: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, UpsertCounts]:
    """Create or update customers. ``customers`` has ``external_id`` and any of ``CUSTOMER_FIELDS``
    (null means "not given": it never blanks a stored value). Returns external_id -> customer_pk."""
    table = Customer._meta.db_table
    existing = fetch_frame(
        f"SELECT external_id, id, name, kind, segment, terms_days FROM {table} WHERE organisation_id = %s",
        [organisation_id],
        {
            "external_id": pl.String,
            "customer_pk": pl.Int64,
            "old_name": pl.String,
            "old_kind": pl.String,
            "old_segment": pl.String,
            "old_terms_days": pl.Int64,
        },
    )
    for field in CUSTOMER_FIELDS:
        if field not in customers.columns:
            customers = customers.with_columns(pl.lit(None).alias(field))
    customers = customers.with_columns(pl.col("terms_days").cast(pl.Int64))
    joined = customers.join(existing, on="external_id", how="left")
    new = joined.filter(pl.col("customer_pk").is_null())
    counts = UpsertCounts(created=new.height)
    if new.height:
        insert_frame(
            table,
            new.select(
                pl.lit(organisation_id, dtype=pl.Int64).alias("organisation_id"),
                "external_id",
                pl.col("name").fill_null(""),
                pl.col("kind").fill_null("business"),
                pl.col("segment").fill_null(""),
                "terms_days",
                _db_timestamp(now).alias("created_at"),
                _db_timestamp(now).alias("updated_at"),
            ),
        )
    known = joined.filter(pl.col("customer_pk").is_not_null())
    changed = pl.any_horizontal(
        pl.col(f).is_not_null() & (pl.col(f) != pl.col(f"old_{f}")).fill_null(True) for f in CUSTOMER_FIELDS
    )
    to_update = known.filter(changed)
    counts.updated = to_update.height
    counts.unchanged = known.height - to_update.height
    if to_update.height:
        update_frame(
            table,
            to_update.select(
                pl.col("customer_pk").alias("id"),
                *[pl.coalesce(f, f"old_{f}").alias(f) for f in CUSTOMER_FIELDS],
                _db_timestamp(now).alias("updated_at"),
            ),
        )
    if new.height:
        existing = fetch_frame(
            f"SELECT external_id, id FROM {table} WHERE organisation_id = %s",
            [organisation_id],
            {"external_id": pl.String, "customer_pk": pl.Int64},
        )
    return existing.select("external_id", "customer_pk"), counts


CONTACT_COLUMNS = (
    "customer_pk",
    "kind",
    "value",
    "raw",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
)


def contacts_insert(organisation_id: int, contacts: pl.DataFrame, now: datetime, source: str) -> int:
    """Add the contact points the ledger does not have yet. ``contacts`` rows are in file order; for a
    customer with no primary contact of a kind, the last one given becomes primary."""
    if contacts.height == 0:
        return 0
    for column in CONTACT_COLUMNS:
        if column not in contacts.columns:
            contacts = contacts.with_columns(pl.lit("").alias(column))
    contacts = contacts.select(CONTACT_COLUMNS).with_columns(pl.exclude("customer_pk").fill_null(""))
    contacts = contacts.unique(subset=["customer_pk", "kind", "value"], keep="last", maintain_order=True)
    table = ContactPoint._meta.db_table
    existing = fetch_frame(
        f"SELECT customer_id, kind, value, is_primary FROM {table} WHERE customer_id IN "
        f"(SELECT id FROM {Customer._meta.db_table} WHERE organisation_id = %s)",
        [organisation_id],
        {"customer_pk": pl.Int64, "kind": pl.String, "value": pl.String, "is_primary": pl.Boolean},
    )
    new = contacts.join(existing, on=["customer_pk", "kind", "value"], how="anti")
    if new.height == 0:
        return 0
    has_primary = existing.filter(pl.col("is_primary")).select("customer_pk", "kind").unique()
    new = new.with_columns(
        (pl.int_range(pl.len()).over(["customer_pk", "kind"]) == pl.len().over(["customer_pk", "kind"]) - 1).alias(
            "is_primary"
        )
    )
    new = new.join(has_primary.with_columns(pl.lit(True).alias("__has")), on=["customer_pk", "kind"], how="left")
    new = new.with_columns((pl.col("is_primary") & pl.col("__has").is_null()).alias("is_primary"))
    insert_frame(
        table,
        new.select(
            pl.col("customer_pk").alias("customer_id"),
            "kind",
            "value",
            "raw",
            "is_primary",
            pl.lit("active").alias("status"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("verified_at"),
            pl.lit(source).alias("source"),
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            _db_timestamp(now).alias("created_at"),
        ),
    )
    return new.height


def existing_invoices(organisation_id: int) -> pl.DataFrame:
    """The organisation's invoices with what has been applied to each, keyed by number."""
    invoice, customer = Invoice._meta.db_table, Customer._meta.db_table
    schema = {
        "invoice_number": pl.String,
        "invoice_pk": pl.Int64,
        "old_customer_id": pl.String,
        "old_customer_pk": pl.Int64,
        "old_issue_date": pl.Date,
        "old_due_date": pl.Date,
        "old_terms_days": pl.Int64,
        "old_amount_cents": pl.Int64,
        "old_currency": pl.String,
        "old_disputed": pl.Boolean,
        "applied_cents": pl.Int64,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {invoice} WHERE organisation_id = %s LIMIT 1", [organisation_id])
        if cursor.fetchone() is None:
            return pl.DataFrame(schema=schema)
    return fetch_frame(
        f"""SELECT i.number, i.id, c.external_id, i.customer_id, i.issue_date, i.due_date, i.terms_days,
                   i.amount_cents, i.currency, i.disputed, i.applied_cents
            FROM {invoice} i JOIN {customer} c ON c.id = i.customer_id
            WHERE i.organisation_id = %s""",
        [organisation_id],
        schema,
    )


def invoices_upsert(organisation_id: int, rows: pl.DataFrame, existing: pl.DataFrame) -> tuple[UpsertCounts, list[int]]:
    """Insert new invoices and update changed ones. ``rows`` carry ``customer_pk``; conflicts with the
    ledger must have been rejected already (see ``recoup.imports.services``). Returns the counts and the
    ids of updated invoices, whose settlement dates need refreshing."""
    table = Invoice._meta.db_table
    joined = rows.join(existing, on="invoice_number", how="left").with_columns(
        # Optional fields a file does not give (no such column) keep what the ledger has.
        pl.coalesce(f, f"old_{f}").alias(f)
        for f in OPTIONAL_INVOICE_FIELDS
    )
    new = joined.filter(pl.col("invoice_pk").is_null())
    counts = UpsertCounts(created=new.height)
    if new.height:
        insert_frame(
            table,
            new.select(
                pl.lit(organisation_id, dtype=pl.Int64).alias("organisation_id"),
                pl.col("customer_pk").alias("customer_id"),
                pl.col("invoice_number").alias("number"),
                "issue_date",
                "due_date",
                "terms_days",
                "amount_cents",
                "currency",
                pl.col("disputed").fill_null(False),
                pl.when(pl.col("amount_cents") == 0).then(pl.col("issue_date")).alias("settled_on"),
            ),
        )
    known = joined.filter(pl.col("invoice_pk").is_not_null())
    changed = pl.any_horizontal(
        (pl.col(f) != pl.col(f"old_{f}")).fill_null(pl.col(f).is_null() != pl.col(f"old_{f}").is_null())
        for f in INVOICE_FIELDS
    )
    to_update = known.filter(changed)
    counts.updated = to_update.height
    counts.unchanged = known.height - to_update.height
    if to_update.height:
        update_frame(
            table,
            to_update.select(
                pl.col("invoice_pk").alias("id"),
                pl.col("customer_pk").alias("customer_id"),
                "issue_date",
                "due_date",
                "terms_days",
                "amount_cents",
                "currency",
                "disputed",
            ),
        )
    return counts, to_update["invoice_pk"].to_list()


def payments_insert(organisation_id: int, payments: pl.DataFrame) -> pl.DataFrame:
    """Insert payments (columns: customer_pk, payment_date, amount_cents, currency, method, reference,
    external_key) and return them with their new ``payment_pk``."""
    table = Payment._meta.db_table
    insert_frame(
        table,
        payments.select(
            pl.lit(organisation_id, dtype=pl.Int64).alias("organisation_id"),
            pl.col("customer_pk").alias("customer_id"),
            "payment_date",
            "amount_cents",
            "currency",
            "method",
            "reference",
            "external_key",
        ),
    )
    keys = fetch_frame(
        f"SELECT external_key, id FROM {table} WHERE organisation_id = %s",
        [organisation_id],
        {"external_key": pl.String, "payment_pk": pl.Int64},
    )
    return payments.join(keys, on="external_key", how="left")


def open_invoices_of(organisation_id: int, customer_pks: pl.Series) -> pl.DataFrame:
    """Open invoices (with their open balance) of these customers, oldest due first."""
    invoice = Invoice._meta.db_table
    with IdTable(customer_pks) as ids:
        return fetch_frame(
            f"""SELECT i.id, i.customer_id, i.number, i.currency, i.issue_date, i.amount_cents - i.applied_cents
                FROM {invoice} i
                WHERE i.organisation_id = %s AND i.settled_on IS NULL AND i.customer_id IN (SELECT id FROM {ids})
                ORDER BY i.customer_id, i.due_date, i.issue_date, i.number, i.id""",
            [organisation_id],
            {
                "invoice_pk": pl.Int64,
                "customer_pk": pl.Int64,
                "invoice_number": pl.String,
                "currency": pl.String,
                "issue_date": pl.Date,
                "open_cents": pl.Int64,
            },
        ).filter(pl.col("open_cents") > 0)


def allocations_for_payments(payments: pl.DataFrame, open_invoices: pl.DataFrame) -> pl.DataFrame:
    """Apply each payment (in date order, per customer and currency) to its named invoice first, then to the
    oldest open invoices, through ``recoup.core.allocation``. Returns allocation rows."""
    balances: dict[tuple[int, str], list[OpenInvoice]] = {}
    issue_dates: dict[int, object] = {}
    by_number: dict[str, int] = {}
    for pk, customer_pk, number, currency, issue_date, open_cents in open_invoices.iter_rows():
        balances.setdefault((customer_pk, currency), []).append(OpenInvoice(pk, open_cents))
        issue_dates[pk] = issue_date
        by_number[number] = pk
    rows: list[tuple[int, int, int, object]] = []
    ordered = payments.sort(["customer_pk", "payment_date", "payment_pk"]).select(
        "payment_pk", "customer_pk", "currency", "amount_cents", "payment_date", "invoice_number"
    )
    for payment_pk, customer_pk, currency, amount, paid_on, number in ordered.iter_rows():
        queue = balances.get((customer_pk, currency))
        if not queue:
            continue
        plan = plan_allocation(amount, queue, preferred=by_number.get(number) if number else None)
        if not plan.parts:
            continue
        applied = dict(plan.parts)
        balances[(customer_pk, currency)] = [
            OpenInvoice(inv.invoice_id, inv.open_balance - applied.get(inv.invoice_id, 0))
            for inv in queue
            if inv.open_balance - applied.get(inv.invoice_id, 0) > 0
        ]
        for invoice_pk, part in plan.parts:
            rows.append((invoice_pk, payment_pk, part, max(paid_on, issue_dates[invoice_pk])))
    return pl.DataFrame(
        rows,
        schema={
            "invoice_id": pl.Int64,
            "payment_id": pl.Int64,
            "amount_cents": pl.Int64,
            "applied_on": pl.Date,
        },
        orient="row",
    )


def allocations_insert(organisation_id: int, allocations: pl.DataFrame) -> int:
    return insert_frame(
        Allocation._meta.db_table,
        allocations.select(
            pl.lit(organisation_id, dtype=pl.Int64).alias("organisation_id"),
            "invoice_id",
            "payment_id",
            pl.lit(None, dtype=pl.Int64).alias("credit_note_id"),
            "amount_cents",
            "applied_on",
        ),
    )
