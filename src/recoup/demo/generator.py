"""Loading a demo portfolio into an organisation's ledger (replacing what it had)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from recoup.audit.services import audit_record
from recoup.demo.compliance_facts import seed_compliance_facts
from recoup.demo.portfolio import DemoSpec, generate
from recoup.imports.progress import NoProgress, Progress
from recoup.ledger.bulk import checkpoint, insert_frame
from recoup.ledger.models import (
    Allocation,
    ContactPoint,
    CreditNote,
    Customer,
    CustomerBalance,
    Invoice,
    Payment,
)
from recoup.ledger.services import customer_balances_refresh, planner_statistics_refresh
from recoup.organisations.models import Organisation
from recoup.reporting.models import DailySnapshot

__all__ = ["DemoResult", "DemoSpec", "demo_load"]


@dataclass(frozen=True, slots=True)
class DemoResult:
    customers: int
    invoices: int
    payments: int
    credit_notes: int
    seconds: float


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return int(cursor.fetchone()[0])


def _shift(frame: pl.DataFrame, offsets: dict[str, int]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c) + o for c, o in offsets.items() if c in frame.columns)


def _ledger_clear(organisation: Organisation) -> None:
    """Delete the organisation's ledger, children first, in set-based statements."""
    org = organisation.id
    customers = f"SELECT id FROM {Customer._meta.db_table} WHERE organisation_id = %s"
    from recoup.activity.models import Call, Dispute, Note
    from recoup.compliance.models import (
        BlockedContact,
        BlockedRule,
        ContactAttempt,
        ContactPermission,
        DebtorProfile,
    )
    from recoup.outreach.models import AccountPause, CallTask, CustomerLadder, Message, Touch

    # Call tasks point at calls and touches, messages at touches: they go first.
    outreach = (CallTask, Message, Touch, AccountPause)
    by_organisation = outreach + (BlockedRule, BlockedContact, ContactAttempt, Dispute, Call, Note)
    by_customer = (CustomerLadder, ContactPermission, DebtorProfile, ContactPoint)
    with connection.cursor() as cursor:
        for model in by_organisation + (Allocation, Payment, CreditNote, CustomerBalance, Invoice, DailySnapshot):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE organisation_id = %s", [org])
        for model in by_customer:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE customer_id IN ({customers})", [org])
        cursor.execute(f"DELETE FROM {Customer._meta.db_table} WHERE organisation_id = %s", [org])


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(
        no_style(), [Customer, ContactPoint, Invoice, Payment, CreditNote, Allocation]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class DemoRefused(RuntimeError):
    """The organisation holds imported data, which a demo load would delete."""


def demo_load(
    organisation: Organisation, spec: DemoSpec, progress: Progress | None = None, *, force: bool = False, actor=None
) -> DemoResult:
    """Replace the organisation's ledger with a generated portfolio. Refuses, unless ``force``, when the
    organisation has ever imported a file: that ledger is someone's real data."""
    from recoup.imports.models import ImportRun

    if (
        not force
        and ImportRun.objects.filter(organisation=organisation, status__in=["applied", "quarantined"]).exists()
    ):
        raise DemoRefused(
            f"{organisation.slug} holds imported data; a demo load would replace it. Use another organisation "
            "(recoup org add demo --name Demo; recoup demo --org demo) or pass --force."
        )
    progress = progress or NoProgress()
    started = time.perf_counter()
    progress.stage("Generating portfolio")
    portfolio = generate(spec)
    now = timezone.now()
    stamp = pl.lit(now).dt.replace_time_zone(None).dt.replace_time_zone("UTC")
    org = pl.lit(organisation.id, dtype=pl.Int64).alias("organisation_id")
    with transaction.atomic():
        progress.stage("Clearing the ledger")
        _ledger_clear(organisation)
        offsets = {
            "customer_pk": _next_id(Customer),
            "invoice_pk": _next_id(Invoice),
            "payment_pk": _next_id(Payment),
            "credit_note_pk": _next_id(CreditNote),
        }
        ids = {"customer_pk": offsets["customer_pk"]}
        tables = [
            (
                "Customers",
                Customer,
                _shift(portfolio.customers, ids).select(
                    pl.col("customer_pk").alias("id"),
                    org,
                    "external_id",
                    "name",
                    "kind",
                    "segment",
                    "terms_days",
                    pl.lit(None, dtype=pl.Int64).alias("credit_limit_cents"),
                    stamp.alias("created_at"),
                    stamp.alias("updated_at"),
                ),
            ),
            (
                "Contact points",
                ContactPoint,
                _shift(portfolio.contacts, ids).select(
                    pl.col("customer_pk").alias("customer_id"),
                    "kind",
                    "value",
                    "raw",
                    (pl.int_range(pl.len()).over("customer_pk", "kind") == 0).alias("is_primary"),
                    pl.lit("active").alias("status"),
                    stamp.alias("verified_at"),
                    pl.lit("demo").alias("source"),
                    "line1",
                    "line2",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                    stamp.alias("created_at"),
                ),
            ),
            (
                "Invoices",
                Invoice,
                _shift(portfolio.invoices, offsets).select(
                    pl.col("invoice_pk").alias("id"),
                    org,
                    pl.col("customer_pk").alias("customer_id"),
                    "number",
                    "issue_date",
                    "due_date",
                    "terms_days",
                    "amount_cents",
                    "currency",
                    "disputed",
                    "applied_cents",
                    "last_applied_on",
                    "settled_on",
                ),
            ),
            (
                "Payments",
                Payment,
                _shift(portfolio.payments, offsets).select(
                    pl.col("payment_pk").alias("id"),
                    org,
                    pl.col("customer_pk").alias("customer_id"),
                    "payment_date",
                    "amount_cents",
                    "currency",
                    "method",
                    "reference",
                    "external_key",
                ),
            ),
            (
                "Credit notes",
                CreditNote,
                _shift(portfolio.credit_notes, offsets).select(
                    pl.col("credit_note_pk").alias("id"),
                    org,
                    pl.col("customer_pk").alias("customer_id"),
                    "number",
                    "issue_date",
                    "amount_cents",
                    "currency",
                    "reason",
                ),
            ),
            (
                "Allocations",
                Allocation,
                portfolio.allocations.with_columns(
                    pl.col("invoice_id") + offsets["invoice_pk"],
                    pl.col("payment_id") + offsets["payment_pk"],
                    pl.col("credit_note_id") + offsets["credit_note_pk"],
                ).select(org, "invoice_id", "payment_id", "credit_note_id", "amount_cents", "applied_on"),
            ),
        ]
        for label, model, frame in tables:
            progress.stage(f"Writing {label.lower()}", frame.height)
            insert_frame(model._meta.db_table, frame, progress.advance)
        _reset_sequences()
        progress.stage("Adding compliance facts")
        seed_compliance_facts(organisation, spec.as_of, spec.seed)
        customer_balances_refresh(organisation_id=organisation.id, as_of=spec.as_of)
        planner_statistics_refresh()
        audit_record(
            organisation=organisation,
            actor=actor,
            action="demo.loaded",
            target=organisation,
            after={
                "customers": spec.customers,
                "invoices": spec.invoices,
                "seed": spec.seed,
                "as_of": spec.as_of.isoformat(),
            },
        )
    checkpoint()
    return DemoResult(
        portfolio.customers.height,
        portfolio.invoices.height,
        portfolio.payments.height,
        portfolio.credit_notes.height,
        time.perf_counter() - started,
    )
