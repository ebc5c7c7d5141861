"""Helpers shared by the benchmarks: fresh databases, child processes, timing and memory."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
PG_SERVER = os.environ.get("RECOUP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def fresh_sqlite(name: str) -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def setup(database_url: str, migrate: bool = True):
    """Configure Django in this (child) process for ``database_url``; migrate; return the default org."""
    os.environ["DATABASE_URL"] = database_url
    from recoup.config.bootstrap import setup_django

    setup_django(database_url)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from recoup.organisations.services import organisation_ensure_default

    return organisation_ensure_default(name="Bench")[0]


@contextmanager
def stopwatch(results: dict, key: str):
    started = time.perf_counter()
    yield
    results[key] = time.perf_counter() - started


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(function, *args):
    """Run ``function(*args)`` in a fresh process (own Django, own peak memory) and return its result."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(function, args)
