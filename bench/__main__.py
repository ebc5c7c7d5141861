"""`make bench`: import and aging at scale, as ratios against baselines run in the same process tree.

Sizes come from RECOUP_BENCH_INVOICES and RECOUP_BENCH_CUSTOMERS (default 1,000,000 / 100,000).
PostgreSQL is measured when RECOUP_BENCH_PG (default postgresql://postgres@127.0.0.1:5432) answers.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import date

from rich.console import Console
from rich.table import Table

from bench import aging_bench, cycle_bench, import_bench, web_bench
from bench import web_data as web_bench_data
from bench.common import WORK, fresh_postgres, fresh_sqlite, in_child, pg_available
from bench.data import write_invoice_csv

INVOICES = int(os.environ.get("RECOUP_BENCH_INVOICES", 1_000_000))
CUSTOMERS = int(os.environ.get("RECOUP_BENCH_CUSTOMERS", 100_000))
PARTS = set(os.environ.get("RECOUP_BENCH_PARTS", "import,aging,cycle,web").split(","))
WEB_USERS = 20
WEB_SECONDS = float(os.environ.get("RECOUP_BENCH_WEB_SECONDS", 60))
WEB_WORKERS = int(os.environ.get("RECOUP_BENCH_WEB_WORKERS", 4))
WEB_TARGET_MS = 150.0
ENGINES = set(os.environ.get("RECOUP_BENCH_ENGINES", "sqlite,postgresql").split(","))
AS_OF = "2026-12-01"
IMPORT_TARGET = 3.0
AGING_TARGET = 2.0
MEMORY_TARGET_MB = 1536
DEMO_TARGET_S = 60.0
CYCLE_TARGET_PER_S = 20_000

console = Console()


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    console.print(
        f"[bold]Recoup benchmarks[/bold]: {INVOICES:,} invoices / {CUSTOMERS:,} customers "
        f"on {platform.node()} ({os.cpu_count()} CPUs)"
    )
    csv_path = WORK / "invoices.csv"
    started = time.perf_counter()
    size = write_invoice_csv(csv_path, CUSTOMERS, INVOICES, 2026, date.fromisoformat(AS_OF))
    console.print(f"Wrote {csv_path} ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    engines = [("SQLite", fresh_sqlite)] if "sqlite" in ENGINES else []
    if "postgresql" not in ENGINES:
        pass
    elif pg_available():
        engines.append(("PostgreSQL", fresh_postgres))
    else:
        console.print("[yellow]PostgreSQL not reachable: measuring SQLite only[/yellow]")
    results: dict = {"invoices": INVOICES, "customers": CUSTOMERS}
    table = Table(title="Results (seconds; ratio = Recoup / baseline, lower is better)", title_justify="left")
    for column in ("Engine", "Measure", "Recoup", "Baseline", "Ratio", "Target", "Note"):
        table.add_column(column, justify="right" if column in {"Recoup", "Baseline", "Ratio"} else "left")
    for engine, fresh in engines:
        key = engine.lower()
        if "import" in PARTS:
            _import(engine, key, fresh, csv_path, results, table)
        if "aging" in PARTS or "cycle" in PARTS:
            url = _aging(engine, key, fresh, results, table)
        if "cycle" in PARTS:
            _cycle(engine, key, url, results, table)
        if "web" in PARTS:
            _web(engine, key, fresh, results)
    console.print(table)
    (WORK / "results.json").write_text(json.dumps(results, indent=2, default=str))
    console.print(f"Raw figures: {WORK / 'results.json'}")


def _import(engine, key, fresh, csv_path, results, table) -> None:
    baseline_fn = import_bench.baseline_sqlite if engine == "SQLite" else import_bench.baseline_postgres
    console.print(f"[{engine}] import: baseline ({'executemany' if engine == 'SQLite' else 'COPY'})")
    base = in_child(baseline_fn, fresh(f"recoup_bench_base_{key}"), str(csv_path))
    console.print(f"[{engine}] import: recoup import invoices")
    ours = in_child(import_bench.ours, fresh(f"recoup_bench_import_{key}"), str(csv_path))
    ratio = ours["seconds"] / base["seconds"]
    results[f"{key}_import"] = {"ours": ours, "baseline": base, "ratio": ratio}
    table.add_row(
        engine,
        "import 1 file, end to end",
        f"{ours['seconds']:.2f}",
        f"{base['seconds']:.2f}",
        f"{ratio:.2f}x",
        f"<= {IMPORT_TARGET}x",
        f"peak RSS {ours['rss_mb']:,.0f} MB (<= {MEMORY_TARGET_MB})",
    )


def _aging(engine, key, fresh, results, table) -> None:
    console.print(f"[{engine}] demo load for aging")
    url = fresh(f"recoup_bench_aging_{key}")
    demo = in_child(aging_bench.load_demo, url, CUSTOMERS, INVOICES, AS_OF)
    table.add_row(
        engine,
        "demo portfolio load",
        f"{demo['seconds']:.2f}",
        "",
        "",
        f"< {DEMO_TARGET_S:.0f} s",
        f"{demo['invoices']:,} invoices, {demo['payments']:,} payments",
    )
    console.print(f"[{engine}] aging")
    aging = in_child(aging_bench.measure, url, AS_OF)
    results[f"{key}_aging"] = aging | {"demo_load_seconds": demo["seconds"]}
    for measure, ours_key, sql_key in (
        ("aging totals", "ours_totals", "sql_totals"),
        ("aging per customer", "ours_customers", "sql_customers"),
        ("aging totals, a year ago", "ours_totals_year_ago", "sql_totals_year_ago"),
    ):
        r = aging[ours_key] / aging[sql_key]
        table.add_row(
            engine,
            measure,
            f"{aging[ours_key]:.3f}",
            f"{aging[sql_key]:.3f}",
            f"{r:.2f}x",
            f"<= {AGING_TARGET}x",
            "hand-written SQL baseline",
        )
    if engine == "SQLite":
        files = in_child(aging_bench.export_csv, url)
        duck = aging_bench.duckdb_aging(files, AS_OF)
        results["duckdb"] = duck
        table.add_row("DuckDB", "aging totals over CSV", "", f"{duck['duckdb_totals']:.3f}", "", "", "reference")
        table.add_row(
            "DuckDB",
            "aging per customer over CSV",
            "",
            f"{duck['duckdb_customers']:.3f}",
            "",
            "",
            "reference",
        )
    console.print(f"  open items {aging['open_items']:,}; customers with a balance {aging['customer_rows']:,}")
    return url


def _cycle(engine, key, url, results, table) -> None:
    console.print(f"[{engine}] cycle --dry-run (day 1: never chased; day 2: after day 1's touches)")
    cycle = in_child(cycle_bench.measure, url, AS_OF)
    results[f"{key}_cycle"] = cycle
    for label, run in (("first day", cycle["day1"]), ("next day", cycle["day2"])):
        table.add_row(
            engine,
            f"cycle --dry-run, {label}",
            f"{run['seconds']:.3f}",
            f"{cycle['baseline_seconds']:.3f}",
            f"{run['seconds'] / cycle['baseline_seconds']:.2f}x",
            f">= {CYCLE_TARGET_PER_S:,} accounts/s" if engine == "SQLite" else "",
            f"{run['accounts']:,} accounts planned, {run['accounts_per_second']:,.0f}/s; "
            f"{run['touches_checked']:,} through the guard (baseline: SQL selection of "
            f"{cycle['baseline_accounts']:,} due accounts)",
        )


def _web(engine, key, fresh, results) -> None:
    console.print(f"[{engine}] web: loading {INVOICES:,} invoices, a login and a token")
    url = fresh(f"recoup_bench_web_{key}")
    info = in_child(web_bench_data.build, url, CUSTOMERS, INVOICES)
    customers = in_child(web_bench.customer_sample, url)
    server = web_bench.Server(url, WEB_WORKERS)
    runs = {}
    try:
        for label, think, seconds in (
            ("20 users, 0.5-1.5 s think time", (0.5, 1.5), WEB_SECONDS),
            ("20 users, no think time (saturation)", (0.0, 0.0), WEB_SECONDS / 2),
        ):
            console.print(f"[{engine}] web: {label}, {seconds:.0f} s")
            samples, failures, duration = web_bench.run_load(server.port, info, customers, WEB_USERS, seconds, think)
            summary = web_bench.summarise(samples, duration) | {"failures": failures[:20]}
            runs[label] = summary
            view = Table(
                title=f"{engine} web, {label}: {summary['requests_per_second']:.1f} requests/s, "
                f"{len(failures)} failures ({WEB_WORKERS} gunicorn workers)",
                title_justify="left",
            )
            for column in ("Endpoint", "Requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "Target p95"):
                view.add_column(column, justify="left" if column == "Endpoint" else "right")
            for name, row in summary["endpoints"].items():
                view.add_row(
                    name,
                    f"{row['requests']:,}",
                    f"{row['p50_ms']:.1f}",
                    f"{row['p95_ms']:.1f}",
                    f"{row['p99_ms']:.1f}",
                    f"{row['max_ms']:.1f}",
                    f"<= {WEB_TARGET_MS:.0f}" if think[1] else "",
                )
            console.print(view)
    finally:
        server.stop()
    results[f"{key}_web"] = runs


if __name__ == "__main__":
    main()
