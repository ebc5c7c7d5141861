"""Importing invoices and payments: all or nothing, every problem reported, re-runs change nothing.

An import reads the file, checks every row, then checks the rows against the ledger (an invoice number
that belongs to another customer, an amount below what was already paid). If anything is wrong, nothing
is written and the report lists every problem, unless the caller asked to quarantine: then the bad rows
go to a file of their own and the rest is imported. It all happens in one transaction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone

from recoup.audit.services import audit_record
from recoup.core.dates import AUTO
from recoup.core.errors import RowError
from recoup.imports.models import ImportRun
from recoup.imports.profiles import (
    PROFILES,
    ImportKind,
    MappingError,
    Profile,
    parse_map_options,
    resolve_columns,
)
from recoup.imports.progress import NoProgress, Progress
from recoup.imports.reading import LINE, FileReadError, SourceFile, read_source
from recoup.imports.validation import check_invoices, check_payments
from recoup.ledger import bulk_writes
from recoup.ledger.bulk import checkpoint, fetch_frame
from recoup.ledger.models import ContactSource, Customer, Invoice, Payment
from recoup.ledger.services import customer_balances_refresh, invoices_refresh_applied, planner_statistics_refresh
from recoup.organisations.models import Organisation
from recoup.webhooks.services import webhook_emit

MAX_STORED_ERRORS = 1000
WHOLE_LEDGER_REFRESH = 20_000
"""Above this many customers touched, recomputing every balance at once beats picking them out."""


class ImportFailed(ValueError):
    """The file cannot be imported at all (unreadable, or its columns cannot be mapped)."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass(slots=True)
class ImportReport:
    """What an import did. ``applied`` is False when problems stopped it and nothing was written."""

    kind: str
    file_name: str
    profile: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    quarantine_file: str = ""
    encoding: str = ""
    customers_created: int = 0
    customers_updated: int = 0
    contacts_created: int = 0
    payments_created: int = 0
    allocations_created: int = 0
    unapplied_cents: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "customers_created": self.customers_created,
            "customers_updated": self.customers_updated,
            "contacts_created": self.contacts_created,
            "payments_created": self.payments_created,
            "allocations_created": self.allocations_created,
        }


def _open(path: Path, kind: ImportKind, profile_name: str, mappings: list[str], sheet: str | None):
    if profile_name not in PROFILES:
        raise ImportFailed(f"unknown profile {profile_name!r}; profiles: {', '.join(PROFILES)}")
    profile = PROFILES[profile_name]
    try:
        source = read_source(path, sheet)
        columns = resolve_columns(source.headers, kind, profile, parse_map_options(mappings, kind))
    except FileReadError as exc:
        raise ImportFailed(str(exc), exc.row_errors) from None
    except MappingError as exc:
        raise ImportFailed(str(exc)) from None
    return profile, source, columns


def import_invoices(
    *,
    organisation: Organisation,
    path: Path,
    profile: str = "generic",
    mappings: list[str] | None = None,
    quarantine: Path | None = None,
    date_format: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    actor=None,
    dry_run: bool = False,
) -> ImportReport:
    """Import an invoice file. Customers and their contact points come with the invoices; a profile with
    settlements (``ibm-ar``) also records each settlement as a payment applied to its invoice.

    With ``dry_run`` the import runs to the end and is then rolled back: the report says exactly what it
    would do (counts for the good rows, and every problem), and nothing is kept."""
    progress = progress or NoProgress()
    started = timezone.now()
    progress.stage("Reading")
    chosen, source, columns = _open(path, ImportKind.INVOICES, profile, mappings or [], sheet)
    report = ImportReport("invoices", path.name, chosen.name, rows=source.frame.height, encoding=source.encoding)
    progress.stage("Checking rows", source.frame.height)
    checked, settlements = check_invoices(
        source,
        columns,
        default_currency=organisation.currency,
        date_format=date_format or chosen.date_format,
        profile=chosen,
    )
    progress.advance(source.frame.height)
    with transaction.atomic():
        existing = bulk_writes.existing_invoices(organisation.id)
        ledger_errors = _invoice_conflicts(checked.rows, existing, columns)
        if settlements is not None:
            settlements = _settlement_keys(chosen, settlements)
            ledger_errors += _settlement_conflicts(organisation, settlements, chosen)
        errors = sorted(source.errors + checked.errors + ledger_errors, key=lambda e: e.line)
        bad_lines = {e.line for e in errors}
        source.keep_only(bad_lines)
        report.errors, report.duplicates = errors, checked.duplicates
        report.rejected = len(bad_lines)
        if errors and quarantine is None and not dry_run:
            _record(organisation, report, source, started, ImportRun.Status.REJECTED, actor)
            return report
        rows = checked.rows.filter(~pl.col(LINE).is_in(sorted(bad_lines))) if bad_lines else checked.rows
        now = timezone.now()
        progress.stage("Writing customers")
        customer_ids, customer_counts = bulk_writes.customers_upsert(organisation.id, _customer_frame(rows), now)
        report.customers_created, report.customers_updated = customer_counts.created, customer_counts.updated
        rows = rows.join(customer_ids.rename({"external_id": "customer_id"}), on="customer_id", how="left")
        report.contacts_created = bulk_writes.contacts_insert(
            organisation.id, _contact_frame(rows, checked.addresses), now, ContactSource.IMPORT
        )
        progress.stage("Writing invoices", rows.height)
        counts, changed_ids = bulk_writes.invoices_upsert(organisation.id, rows, existing)
        progress.advance(rows.height)
        report.created, report.updated, report.unchanged = counts.created, counts.updated, counts.unchanged
        invoices_refresh_applied(changed_ids)
        touched = rows["customer_pk"].unique()
        if touched.len() > WHOLE_LEDGER_REFRESH:
            customer_balances_refresh(organisation_id=organisation.id)
            planner_statistics_refresh()
        else:
            customer_balances_refresh(customer_ids=touched.to_list())
        if settlements is not None:
            settlements = settlements.filter(~pl.col(LINE).is_in(sorted(bad_lines)))
            _import_settlements(organisation, chosen, settlements, report, progress)
        if dry_run:
            # A preview: everything computed exactly as the import would, then undone.
            report.dry_run = True
            transaction.set_rollback(True)
            return report
        _conclude(organisation, report, source, started, errors, quarantine, actor)
    checkpoint()
    return report


def _invoice_conflicts(rows: pl.DataFrame, existing: pl.DataFrame, columns: dict[str, str]) -> list[RowError]:
    """Rows that contradict the ledger: an invoice of another customer, or an amount or currency change
    that what was already paid no longer fits."""
    if existing.height == 0:
        return []
    joined = rows.join(existing, on="invoice_number", how="inner")
    errors = []
    for line, number, customer, old_customer in (
        joined.filter(pl.col("customer_id") != pl.col("old_customer_id"))
        .select(LINE, "invoice_number", "customer_id", "old_customer_id")
        .iter_rows()
    ):
        errors.append(
            RowError(
                line,
                columns.get("customer_id", "customer_id"),
                customer,
                f"invoice {number} belongs to customer {old_customer} in the ledger",
            )
        )
    paid = joined.filter(pl.col("applied_cents") > 0)
    for line, amount, applied in (
        paid.filter(pl.col("amount_cents") < pl.col("applied_cents"))
        .select(LINE, "amount_cents", "applied_cents")
        .iter_rows()
    ):
        errors.append(
            RowError(
                line,
                columns.get("amount", "amount"),
                str(amount),
                f"is less than the {applied} (minor units) already paid or credited",
            )
        )
    for line, currency, old in (
        paid.filter(pl.col("currency") != pl.col("old_currency")).select(LINE, "currency", "old_currency").iter_rows()
    ):
        errors.append(
            RowError(
                line,
                columns.get("currency", "currency"),
                currency,
                f"the invoice was {old} and has payments applied; it cannot change currency",
            )
        )
    return errors


def _customer_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per customer: the last value the file gives for each customer field."""
    return (
        rows.group_by("customer_id", maintain_order=True)
        .agg(
            pl.col("customer_name").drop_nulls().last().alias("name"),
            pl.col("customer_kind").drop_nulls().last().alias("kind"),
            pl.col("segment").drop_nulls().last().alias("segment"),
            pl.col("terms_days").drop_nulls().last().alias("terms_days"),
        )
        .rename({"customer_id": "external_id"})
    )


def _contact_frame(rows: pl.DataFrame, addresses: pl.DataFrame) -> pl.DataFrame:
    """Each distinct contact value of each customer, in file order (the last becomes primary)."""
    rows = rows.select("customer_pk", "email", "phone", "address").unique(maintain_order=True, keep="last")
    email = rows.filter(pl.col("email").is_not_null()).select(
        "customer_pk",
        pl.lit("email").alias("kind"),
        pl.col("email").alias("value"),
        pl.col("email").alias("raw"),
    )
    phone = rows.filter(pl.col("phone").is_not_null()).select(
        "customer_pk",
        pl.lit("phone").alias("kind"),
        pl.col("phone").alias("value"),
        pl.col("phone").alias("raw"),
    )
    address = (
        rows.filter(pl.col("address").is_not_null())
        .select(
            "customer_pk",
            pl.lit("address").alias("kind"),
            pl.col("address").alias("value"),
            pl.col("address").alias("raw"),
        )
        .drop("raw")
        .join(addresses.rename({"one_line": "value"}), on="value", how="left", maintain_order="left")
    )
    return pl.concat([email, phone, address], how="diagonal")


def _settlement_keys(profile: Profile, settlements: pl.DataFrame) -> pl.DataFrame:
    """Each settlement is a payment keyed by its invoice."""
    return settlements.with_columns(
        (pl.lit(f"{profile.name}|settlement|") + pl.col("invoice_number")).alias("external_key"),
        pl.lit("").alias("method"),
        pl.lit("").alias("reference"),
    )


def _settlement_conflicts(organisation: Organisation, settlements: pl.DataFrame, profile: Profile) -> list[RowError]:
    """Settlements recorded before with another date or amount: the file contradicts the ledger."""
    known = fetch_frame(
        f"SELECT external_key, payment_date, amount_cents FROM {Payment._meta.db_table} WHERE organisation_id = %s",
        [organisation.id],
        {"external_key": pl.String, "old_date": pl.Date, "old_amount": pl.Int64},
    )
    changed = settlements.join(known, on="external_key", how="inner").filter(
        (pl.col("payment_date") != pl.col("old_date")) | (pl.col("amount_cents") != pl.col("old_amount"))
    )
    column = profile.settlement.get("payment_date", "payment_date")
    return [
        RowError(
            line,
            column,
            str(paid_on),
            f"invoice {number} was recorded as settled on {old_date} for {old_amount} minor units; "
            "a recorded payment cannot change (reverse it first)",
        )
        for line, number, paid_on, old_date, old_amount in changed.select(
            LINE, "invoice_number", "payment_date", "old_date", "old_amount"
        ).iter_rows()
    ]


def _import_settlements(
    organisation: Organisation,
    profile: Profile,
    settlements: pl.DataFrame,
    report: ImportReport,
    progress: Progress,
) -> None:
    """Record the settlements not recorded yet, each applied to its invoice."""
    _insert_and_apply_payments(organisation, settlements, report, progress)


def _insert_and_apply_payments(
    organisation: Organisation, payments: pl.DataFrame, report: ImportReport, progress: Progress
) -> None:
    """Insert payments whose key is new (with ``customer_pk`` resolved), then allocate them."""
    if "customer_pk" not in payments.columns:
        customers = fetch_frame(
            f"SELECT external_id, id FROM {Customer._meta.db_table} WHERE organisation_id = %s",
            [organisation.id],
            {"customer_id": pl.String, "customer_pk": pl.Int64},
        )
        payments = payments.join(customers, on="customer_id", how="left")
    known = fetch_frame(
        f"SELECT external_key FROM {Payment._meta.db_table} WHERE organisation_id = %s",
        [organisation.id],
        {"external_key": pl.String},
    )
    new = payments.join(known, on="external_key", how="anti")
    if new.height == 0:
        return
    progress.stage("Writing payments", new.height)
    inserted = bulk_writes.payments_insert(organisation.id, new)
    progress.advance(new.height)
    report.payments_created += inserted.height
    progress.stage("Applying payments")
    open_invoices = bulk_writes.open_invoices_of(organisation.id, inserted["customer_pk"].unique())
    allocations = bulk_writes.allocations_for_payments(inserted, open_invoices)
    report.allocations_created += bulk_writes.allocations_insert(organisation.id, allocations)
    invoices_refresh_applied(allocations["invoice_id"].unique().to_list())
    applied = allocations.group_by("payment_id").agg(pl.col("amount_cents").sum().alias("applied"))
    unapplied = (
        inserted.join(applied, left_on="payment_pk", right_on="payment_id", how="left")
        .with_columns((pl.col("amount_cents") - pl.col("applied").fill_null(0)).alias("unapplied"))
        .group_by("currency")
        .agg(pl.col("unapplied").sum())
    )
    for currency, cents in unapplied.iter_rows():
        if cents:
            report.unapplied_cents[currency] = report.unapplied_cents.get(currency, 0) + cents


def import_payments(
    *,
    organisation: Organisation,
    path: Path,
    profile: str = "generic",
    mappings: list[str] | None = None,
    quarantine: Path | None = None,
    date_format: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    actor=None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a payment file. Each payment goes to its named invoice first, then to the customer's oldest
    open invoices; what is left is unapplied cash on the payment."""
    progress = progress or NoProgress()
    started = timezone.now()
    progress.stage("Reading")
    chosen, source, columns = _open(path, ImportKind.PAYMENTS, profile, mappings or [], sheet)
    report = ImportReport("payments", path.name, chosen.name, rows=source.frame.height, encoding=source.encoding)
    progress.stage("Checking rows", source.frame.height)
    invoice_currencies = (
        dict(
            Invoice.objects.filter(organisation=organisation)
            .values_list("number", "currency")
            .iterator(chunk_size=50_000)
        )
        if "invoice_number" in columns
        else None
    )
    checked = check_payments(
        source,
        columns,
        default_currency=organisation.currency,
        date_format=date_format or chosen.date_format,
        invoice_currencies=invoice_currencies,
    )
    progress.advance(source.frame.height)
    with transaction.atomic():
        rows, ledger_errors = _resolve_payment_rows(organisation, checked.rows, columns)
        rows, key_errors, duplicates, unchanged = _payment_keys(organisation, rows, columns)
        errors = sorted(source.errors + checked.errors + ledger_errors + key_errors, key=lambda e: e.line)
        bad_lines = {e.line for e in errors}
        source.keep_only(bad_lines)
        report.errors, report.duplicates, report.rejected = errors, duplicates, len(bad_lines)
        report.unchanged = unchanged
        if errors and quarantine is None and not dry_run:
            _record(organisation, report, source, started, ImportRun.Status.REJECTED, actor)
            return report
        rows = rows.filter(~pl.col(LINE).is_in(sorted(bad_lines))) if bad_lines else rows
        _insert_and_apply_payments(organisation, rows, report, progress)
        report.created = report.payments_created
        if dry_run:
            # A preview: everything computed exactly as the import would, then undone.
            report.dry_run = True
            transaction.set_rollback(True)
            return report
        _conclude(organisation, report, source, started, errors, quarantine, actor)
    checkpoint()
    return report


def _resolve_payment_rows(
    organisation: Organisation, rows: pl.DataFrame, columns: dict[str, str]
) -> tuple[pl.DataFrame, list[RowError]]:
    """Find each payment's customer, from its customer id or from the invoice it names."""
    customers = fetch_frame(
        f"SELECT external_id, id FROM {Customer._meta.db_table} WHERE organisation_id = %s",
        [organisation.id],
        {"known_customer_id": pl.String, "customer_pk": pl.Int64},
    )
    invoices = fetch_frame(
        f"""SELECT i.number, c.external_id, i.currency FROM {Invoice._meta.db_table} i
            JOIN {Customer._meta.db_table} c ON c.id = i.customer_id WHERE i.organisation_id = %s""",
        [organisation.id],
        {"invoice_number": pl.String, "invoice_customer_id": pl.String, "invoice_currency": pl.String},
    )
    rows = rows.join(invoices, on="invoice_number", how="left")
    errors = []
    invoice_header = columns.get("invoice_number", "invoice_number")
    customer_header = columns.get("customer_id", "customer_id")
    checks = [
        (
            pl.col("invoice_number").is_not_null() & pl.col("invoice_customer_id").is_null(),
            invoice_header,
            "invoice_number",
            pl.lit("no such invoice in the ledger; import the invoices first"),
        ),
        (
            pl.col("customer_id").is_not_null()
            & pl.col("invoice_customer_id").is_not_null()
            & (pl.col("customer_id") != pl.col("invoice_customer_id")),
            customer_header,
            "customer_id",
            pl.lit("the invoice belongs to customer ") + pl.col("invoice_customer_id"),
        ),
        (
            pl.col("invoice_currency").is_not_null() & (pl.col("invoice_currency") != pl.col("currency")),
            columns.get("currency", "currency"),
            "currency",
            pl.lit("the invoice is in ") + pl.col("invoice_currency") + pl.lit(", not ") + pl.col("currency"),
        ),
    ]
    for condition, header, value_column, reason in checks:
        bad = rows.filter(condition).select(LINE, pl.col(value_column).fill_null(""), reason.alias("reason"))
        errors.extend(RowError(line, header, value, why) for line, value, why in bad.iter_rows())
    rows = rows.with_columns(pl.coalesce("customer_id", "invoice_customer_id").alias("customer_id"))
    rows = rows.join(customers, left_on="customer_id", right_on="known_customer_id", how="left")
    unknown = rows.filter(pl.col("customer_pk").is_null() & pl.col("invoice_number").is_null())
    errors.extend(
        RowError(line, customer_header, customer, "no such customer in the ledger; import their invoices first")
        for line, customer in unknown.select(LINE, "customer_id").iter_rows()
    )
    return rows.drop("invoice_customer_id", "invoice_currency"), errors


def _payment_keys(
    organisation: Organisation, rows: pl.DataFrame, columns: dict[str, str]
) -> tuple[pl.DataFrame, list[RowError], int, int]:
    """Give each payment its natural key, drop repeats of payments already imported, and report
    payments whose reference was imported before with other values."""
    content = pl.concat_str(
        [
            pl.col("customer_id"),
            pl.col("invoice_number").fill_null(""),
            pl.col("payment_date").cast(pl.String),
            pl.col("amount_cents").cast(pl.String),
            pl.col("currency"),
        ],
        separator="|",
    )
    rows = rows.with_columns(
        pl.when(pl.col("reference") != "")
        .then(pl.col("customer_id") + pl.lit("|ref|") + pl.col("reference"))
        .otherwise(content + pl.lit("|#") + (pl.int_range(pl.len()).over(content) + 1).cast(pl.String))
        .alias("external_key"),
        content.alias("__content"),
    )
    errors: list[RowError] = []
    repeated = (
        rows.group_by("external_key")
        .agg(pl.col(LINE), pl.col("__content").n_unique().alias("variants"))
        .filter(pl.col(LINE).list.len() > 1)
    )
    duplicates = 0
    for key, lines, variants in repeated.iter_rows():
        if variants > 1:
            listed = ", ".join(str(n) for n in sorted(lines))
            errors.extend(
                RowError(
                    n,
                    columns.get("reference", "reference"),
                    key.split("|ref|")[-1],
                    f"the same reference appears on lines {listed} with different payments",
                )
                for n in lines
            )
        else:
            duplicates += len(lines) - 1
    rows = rows.unique(subset=["external_key"], keep="first", maintain_order=True)
    known = fetch_frame(
        f"SELECT external_key, payment_date, amount_cents, currency FROM {Payment._meta.db_table} "
        "WHERE organisation_id = %s",
        [organisation.id],
        {"external_key": pl.String, "old_date": pl.Date, "old_amount": pl.Int64, "old_currency": pl.String},
    )
    matched = rows.join(known, on="external_key", how="inner")
    differs = matched.filter(
        (pl.col("payment_date") != pl.col("old_date"))
        | (pl.col("amount_cents") != pl.col("old_amount"))
        | (pl.col("currency") != pl.col("old_currency"))
    )
    errors.extend(
        RowError(
            line,
            columns.get("reference", "reference"),
            reference,
            f"a payment with this reference was imported before ({old_date}, {old_amount} minor units); "
            "it cannot change",
        )
        for line, reference, old_date, old_amount in differs.select(
            LINE, "reference", "old_date", "old_amount"
        ).iter_rows()
    )
    unchanged = matched.height - differs.height
    return rows.drop("__content"), errors, duplicates, unchanged


def _write_quarantine(path: Path, source: SourceFile, errors: list[RowError]) -> Path:
    """The bad rows as they were in the file, with their line and every reason."""
    reasons: dict[int, list[str]] = {}
    for error in errors:
        label = f"{error.column}: {error.reason}" if error.column else error.reason
        reasons.setdefault(error.line, []).append(label)
    frame = source.frame.filter(pl.col(LINE).is_in(sorted(reasons)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", *source.headers, "errors"])
        for row in frame.select(LINE, *source.headers).iter_rows():
            writer.writerow([*(value if value is not None else "" for value in row), "; ".join(reasons[row[0]])])
        ragged = sorted(set(reasons) - set(frame[LINE].to_list()))
        for line in ragged:
            writer.writerow([line, *([""] * len(source.headers)), "; ".join(reasons[line])])
    return path


def _conclude(organisation, report: ImportReport, source: SourceFile, started, errors, quarantine, actor) -> None:
    """The rows are written: set the bad ones aside (when quarantining) and record the run."""
    if errors:
        report.quarantine_file = str(_write_quarantine(quarantine, source, errors))
    report.applied = True
    status = ImportRun.Status.QUARANTINED if errors else ImportRun.Status.APPLIED
    _record(organisation, report, source, started, status, actor)


def _record(organisation, report: ImportReport, source: SourceFile, started, status, actor=None) -> None:
    run = ImportRun.objects.create(
        organisation=organisation,
        kind=report.kind,
        file_name=report.file_name,
        file_sha256=source.sha256,
        profile=report.profile,
        status=status,
        started_at=started,
        finished_at=timezone.now(),
        counts=report.counts(),
        errors=[list(e) for e in report.errors[:MAX_STORED_ERRORS]],
        quarantine_file=report.quarantine_file,
    )
    if status != ImportRun.Status.REJECTED:
        webhook_emit(
            organisation.id,
            "import.applied",
            {"kind": report.kind, "file": report.file_name, "counts": report.counts()},
        )
    audit_record(
        organisation=organisation,
        actor=actor,
        action=f"import.{status}",
        target=run,
        target_label=f"{report.kind} import of {report.file_name}",
        after=report.counts() | {"sha256": source.sha256, "errors": len(report.errors)},
    )


__all__ = ["AUTO", "ImportFailed", "ImportReport", "import_invoices", "import_payments"]
