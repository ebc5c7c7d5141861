from __future__ import annotations

import csv
from pathlib import Path

HEADER = [
    "customer_id",
    "customer_name",
    "email",
    "phone",
    "address",
    "invoice_number",
    "issue_date",
    "due_date",
    "amount",
    "currency",
]


def invoice_row(n: int, customer: str = "C1", **overrides) -> dict:
    row = {
        "customer_id": customer,
        "customer_name": f"Customer {customer}",
        "email": f"{customer.lower()}@example.com",
        "phone": "(415) 555-0100",
        "address": "123 Main St, Springfield, IL 62704",
        "invoice_number": f"INV-{n:05d}",
        "issue_date": "2026-01-01",
        "due_date": "2026-01-31",
        "amount": "100.00",
        "currency": "USD",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: list[dict],
    header: list[str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    header = header or (list(rows[0]) if rows else HEADER)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
