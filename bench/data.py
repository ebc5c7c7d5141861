"""The benchmark ledger: a demo portfolio written as a generic-profile invoice CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from recoup.demo.portfolio import DemoSpec, generate


def write_invoice_csv(path: Path, customers: int, invoices: int, seed: int, as_of: date) -> int:
    """A CSV as an accounting export writes it: US phone formatting, one-line addresses, amounts with
    thousands separators. Returns the file size in bytes."""
    portfolio = generate(DemoSpec(customers, invoices, seed, as_of))
    contacts = portfolio.contacts.pivot(on="kind", index="customer_pk", values="raw")
    people = portfolio.customers.join(contacts, on="customer_pk", how="left")
    phone = pl.concat_str(
        pl.lit("("),
        pl.col("phone").str.slice(2, 3),
        pl.lit(") "),
        pl.col("phone").str.slice(5, 3),
        pl.lit("-"),
        pl.col("phone").str.slice(8, 4),
    )
    frame = portfolio.invoices.join(people, on="customer_pk", how="left").select(
        pl.col("external_id").alias("customer_id"),
        pl.col("name").alias("customer_name"),
        "email",
        phone.alias("phone"),
        "address",
        pl.col("number").alias("invoice_number"),
        "issue_date",
        "due_date",
        pl.col("amount_cents")
        .map_elements(lambda c: f"{c // 100:,}.{c % 100:02d}", return_dtype=pl.String)
        .alias("amount"),
        "currency",
    )
    frame.write_csv(path)
    return path.stat().st_size
