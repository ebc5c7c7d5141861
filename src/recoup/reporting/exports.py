"""Reports as data for people and programs: JSON documents, CSV and XLSX tables.

Amounts leave as decimal strings (``"1234.50"``), never floats; ratios as JSON numbers with two places.
The JSON shapes are documented in docs/aging.md and docs/kpis.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

import xlsxwriter

from recoup.core.currency import exponent
from recoup.core.kpis import Kpis
from recoup.core.money import decimal_string, to_decimal
from recoup.reporting.aging import AgingBy, AgingReport


@dataclass(slots=True)
class Table:
    """A rectangular report: ``money`` names the columns holding amounts (as Decimals in ``rows``)."""

    title: str
    headers: list[str]
    rows: list[list]
    money: frozenset[str] = frozenset()
    footer: list | None = None
    currency: str = "USD"
    """The currency of the money columns: it sets their number of decimals in spreadsheets."""


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def aging_document(report: AgingReport) -> dict:
    cur = report.currency

    def money(minor: int) -> str:
        return decimal_string(minor, cur)

    document = {
        "organisation": report.organisation,
        "as_of": report.as_of.isoformat(),
        "currency": cur,
        "basis": str(report.basis),
        "by": str(report.by),
        "buckets": list(report.labels),
        "totals": {label: money(v) for label, v in zip(report.labels, report.totals, strict=True)},
        "total_open": money(report.total_open),
        "total_past_due": money(report.past_due),
        "total_current": money(report.current),
        "over_90": money(report.over_90),
        "open_invoices": report.open_items,
        "rows_total": report.rows_total or len(report.rows),
        "rows": [],
    }
    for row in report.rows:
        item = {
            "customer_id": row.customer_id,
            "name": row.name,
            "email": row.email,
            "phone": row.phone,
            "address": row.address,
        }
        if report.by is AgingBy.INVOICE:
            bucket = next(i for i, v in enumerate(row.buckets) if v) if row.total else 0
            item |= {
                "invoice_number": row.invoice_number,
                "issue_date": _iso(row.issue_date),
                "due_date": _iso(row.due_date),
                "days_past_due": row.days_past_due,
                "bucket": report.labels[bucket],
                "amount": money(row.amount),
                "applied": money(row.applied),
                "open": money(row.total),
                "disputed": row.disputed,
            }
        else:
            item |= {
                "open_invoices": row.open_invoices,
                "oldest_due_date": _iso(row.oldest_due_date),
                "buckets": {label: money(v) for label, v in zip(report.labels, row.buckets, strict=True)},
                "past_due": money(row.past_due),
                "total": money(row.total),
                "disputed": row.disputed,
            }
        document["rows"].append(item)
    return document


def aging_json(reports: list[AgingReport]) -> dict | list:
    """One document for a single-currency ledger; a list of them, one per currency, otherwise."""
    documents = [aging_document(r) for r in reports]
    return documents[0] if len(documents) == 1 else documents


def aging_table(report: AgingReport) -> Table:
    cur = report.currency

    def dec(minor: int) -> Decimal:
        return to_decimal(minor, cur)

    title = f"Aging as of {report.as_of.isoformat()} ({cur}, by {report.basis} date)"
    if report.by is AgingBy.INVOICE:
        headers = [
            "Customer ID",
            "Name",
            "Invoice",
            "Issued",
            "Due",
            "Days past due",
            "Bucket",
            "Amount",
            "Applied",
            "Open",
            "Disputed",
            "Email",
            "Phone",
        ]
        rows = []
        for r in report.rows:
            bucket = next(i for i, v in enumerate(r.buckets) if v) if r.total else 0
            rows.append(
                [
                    r.customer_id,
                    r.name,
                    r.invoice_number,
                    _iso(r.issue_date),
                    _iso(r.due_date),
                    r.days_past_due,
                    report.labels[bucket],
                    dec(r.amount),
                    dec(r.applied),
                    dec(r.total),
                    "yes" if r.disputed else "",
                    r.email,
                    r.phone,
                ]
            )
        footer = ["Total", "", "", "", "", "", "", "", "", dec(report.total_open), "", "", ""]
        return Table(title, headers, rows, frozenset({"Amount", "Applied", "Open"}), footer, cur)
    headers = [
        "Customer ID",
        "Name",
        "Email",
        "Phone",
        "Address",
        "Open inv.",
        "Oldest due",
        *report.labels,
        "Past due",
        "Total",
    ]
    rows = [
        [
            r.customer_id,
            r.name,
            r.email,
            r.phone,
            r.address,
            r.open_invoices,
            _iso(r.oldest_due_date),
            *(dec(v) for v in r.buckets),
            dec(r.past_due),
            dec(r.total),
        ]
        for r in report.rows
    ]
    footer = [
        "Total",
        "",
        "",
        "",
        "",
        report.open_items,
        "",
        *(dec(v) for v in report.totals),
        dec(report.past_due),
        dec(report.total_open),
    ]
    return Table(title, headers, rows, frozenset([*report.labels, "Past due", "Total"]), footer, cur)


def without_columns(table: Table, names: set[str]) -> Table:
    """The same table without the named columns."""
    keep = [i for i, header in enumerate(table.headers) if header not in names]

    def pick(row: list | None) -> list | None:
        return None if row is None else [row[i] for i in keep]

    footer = pick(table.footer)
    if footer is not None and table.footer and keep and keep[0] != 0 and footer[0] in ("", None):
        footer[0] = table.footer[0]  # keep the "Total" label when its column goes
    return Table(table.title, pick(table.headers), [pick(r) for r in table.rows], table.money, footer, table.currency)


KPI_KEYS = ("open_ar", "past_due_ar", "pct_over_90", "dso", "best_possible_dso", "add", "cei", "ar_turnover")


def kpis_document(kpis: Kpis) -> dict:
    cur = kpis.currency

    def ratio(value: Decimal | None) -> float | None:
        # Ratios are not money: a JSON number with two places is what a reader expects.
        return None if value is None else float(value)

    return {
        "as_of": kpis.as_of.isoformat(),
        "currency": cur,
        "period_days": kpis.period_days,
        "open_ar": decimal_string(kpis.open_ar, cur),
        "past_due_ar": decimal_string(kpis.past_due_ar, cur),
        "current_ar": decimal_string(kpis.current_ar, cur),
        "pct_over_90": ratio(kpis.pct_over_90),
        "dso": ratio(kpis.dso),
        "best_possible_dso": ratio(kpis.best_possible_dso),
        "add": ratio(kpis.add),
        "cei": ratio(kpis.cei),
        "ar_turnover": ratio(kpis.ar_turnover),
        "ar_turnover_annualised": ratio(kpis.ar_turnover_annualised),
        "credit_sales": decimal_string(kpis.credit_sales, cur),
        "open_ar_start": decimal_string(kpis.open_ar_start, cur),
        "working_capital": None if kpis.working_capital is None else decimal_string(kpis.working_capital, cur),
    }


def kpis_json(all_kpis: list[Kpis]) -> dict | list:
    documents = [kpis_document(k) for k in all_kpis]
    return documents[0] if len(documents) == 1 else documents


MONEY_KPIS = frozenset({"open_ar", "past_due_ar", "current_ar", "credit_sales", "open_ar_start", "working_capital"})
KPI_LABELS = {
    "open_ar": "Open AR",
    "past_due_ar": "Past-due AR",
    "current_ar": "Current AR",
    "pct_over_90": "% over 90 days",
    "dso": "DSO (days)",
    "best_possible_dso": "Best possible DSO (days)",
    "add": "ADD, average days delinquent",
    "cei": "CEI (%)",
    "ar_turnover": "AR turnover (period)",
    "ar_turnover_annualised": "AR turnover (annualised)",
    "credit_sales": "Credit sales in period",
    "open_ar_start": "Open AR at period start",
    "working_capital": "Working capital",
}


def kpis_table(kpis: Kpis) -> Table:
    rows = []
    for key, label in KPI_LABELS.items():
        value = getattr(kpis, key)
        if value is None:
            shown = "n/a"
        elif key in MONEY_KPIS:
            shown = to_decimal(value, kpis.currency)
        else:
            shown = value
        rows.append([label, shown])
    title = f"KPIs as of {kpis.as_of.isoformat()} ({kpis.currency}, {kpis.period_days}-day period)"
    return Table(title, ["KPI", "Value"], rows)


def write_csv(tables: list[Table], stream: IO[str]) -> None:
    """CSV of one table, or of several with a currency/title line before each."""
    writer = csv.writer(stream)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([table.title])
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in row])
        if table.footer:
            writer.writerow(table.footer)


def write_xlsx(tables: list[Table], path: Path) -> None:
    """One sheet per table, amounts as numbers with their currency's decimals, header frozen, totals bold."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        bold = workbook.add_format({"bold": True})
        for index, table in enumerate(tables):
            places = exponent(table.currency)
            pattern = "#,##0" + ("." + "0" * places if places else "")
            money_format = workbook.add_format({"num_format": pattern})
            money_bold = workbook.add_format({"num_format": pattern, "bold": True})
            name = (table.title.split("(")[-1].split(",")[0] if len(tables) > 1 else "Report")[:31]
            sheet = workbook.add_worksheet(name or f"Sheet{index + 1}")
            sheet.write_row(0, 0, table.headers, bold)
            money_columns = {i for i, h in enumerate(table.headers) if h in table.money}
            for r, row in enumerate(table.rows, start=1):
                for c, value in enumerate(row):
                    _write_cell(sheet, r, c, value, money_format if c in money_columns else None)
            if table.footer:
                r = len(table.rows) + 1
                for c, value in enumerate(table.footer):
                    _write_cell(sheet, r, c, value, money_bold if c in money_columns else bold)
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, len(table.headers) - 1, 14)
    finally:
        workbook.close()


def _write_cell(sheet, row: int, column: int, value, cell_format) -> None:
    if isinstance(value, Decimal):
        # XLSX stores numbers as binary floating point; this is the display edge, the ledger stays exact.
        sheet.write_number(row, column, float(value), cell_format)
    elif value is None:
        sheet.write_blank(row, column, None, cell_format)
    else:
        sheet.write(row, column, value, cell_format)
