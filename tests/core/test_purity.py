"""recoup.core is pure: it imports no Django, does no I/O and never reads the clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import recoup.core

CORE = Path(recoup.core.__file__).parent
FORBIDDEN_MODULES = {
    "django",
    "sqlite3",
    "psycopg",
    "socket",
    "urllib",
    "http",
    "requests",
    "httpx",
    "subprocess",
    "shutil",
    "polars",
    "duckdb",
    "os",
    "pathlib",
    "io",
    "tempfile",
}
FORBIDDEN_CALLS = {"open", "input", "print"}
CLOCK_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
}


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_modules_import_nothing_impure():
    offenders = []
    for path in _core_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN_MODULES or (top == "recoup" and not name.startswith("recoup.core")):
                    offenders.append(f"{path.name}:{node.lineno} imports {name}")
    assert offenders == []


def test_core_does_no_io_and_reads_no_clock():
    offenders = []
    for path in _core_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                offenders.append(f"{path.name}:{node.lineno} calls {func.id}()")
            is_clock = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            if is_clock and (func.value.id, func.attr) in CLOCK_CALLS:
                offenders.append(f"{path.name}:{node.lineno} reads the clock")
    assert offenders == []


def test_importing_core_loads_no_django():
    code = (
        "import sys, pkgutil, importlib, recoup.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'recoup.core.'): importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'django', 'polars', 'sqlite3', 'psycopg'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
