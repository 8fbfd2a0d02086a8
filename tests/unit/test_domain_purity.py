"""`shared/domain/` is the pure core: no I/O, no framework, no clock of its own."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "domain"
# Standard-library modules that reach outside the process (or start other threads of control).
IO_MODULES = {
    "asyncio", "io", "os", "pathlib", "shutil", "socket", "ssl", "select", "selectors", "subprocess",
    "threading", "multiprocessing", "concurrent", "sqlite3", "urllib", "http", "smtplib", "email",
    "logging", "tempfile", "glob", "time", "random", "secrets", "uuid",
}  # fmt: skip
# The ledger applies the published event contracts as they are (pattern matching on their classes);
# they are declarations of data, checked below to do no I/O themselves.
CONTRACTS = "shared.events"
# Array arithmetic for the rules worked over a million rows at once (payment predictions); it does
# no I/O as the domain uses it.
COMPUTATION = {"numpy"}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}
MODULES = sorted(DOMAIN.glob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_a_domain_module_imports_only_the_standard_library_and_the_domain(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for name in imported(tree):
        top = name.split(".")[0]
        if name.startswith("shared."):
            assert name.startswith("shared.domain") or name == CONTRACTS, f"{path.name} imports {name}"
            continue
        assert top in sys.stdlib_module_names | COMPUTATION or top == "__future__", (
            f"{path.name} imports {name}"
        )
        assert top not in IO_MODULES, f"{path.name} imports {name}, which does I/O"


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_a_domain_module_never_reads_the_clock_or_opens_files(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert name not in CLOCK_CALLS, f"{path.name}:{node.lineno} reads the clock ({name}())"
            assert name not in {"open", "print", "input"}, f"{path.name}:{node.lineno} calls {name}()"


def test_the_event_contracts_the_ledger_reads_do_no_io() -> None:
    tree = ast.parse((DOMAIN.parent / "events.py").read_text())
    for name in imported(tree):
        top = name.split(".")[0]
        assert top not in IO_MODULES - {"uuid"}, f"shared/events.py imports {name}"
        assert top in sys.stdlib_module_names | {"__future__", "pydantic", "shared"}, name


def test_the_core_holds_the_rules() -> None:
    assert {p.stem for p in MODULES} >= {"money", "fx", "ledger", "ageing", "exposure", "credit", "errors"}
