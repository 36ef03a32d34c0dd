"""The domain core does no I/O and reads no clock: both services and the replay can trust it."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "services" / "core"
FORBIDDEN_MODULES = {
    "faust", "aiokafka", "orjson", "os", "sys", "io", "pathlib", "socket", "time",
    "random", "uuid", "logging", "subprocess", "shutil", "tempfile", "asyncio",
}  # fmt: skip
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "print", "input"}


def imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def called_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            names.add(
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", "")
            )
    return names


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_the_core_imports_no_io_and_calls_no_clock(module):
    tree = ast.parse(module.read_text())
    assert imported_modules(tree) & FORBIDDEN_MODULES == set()
    assert called_names(tree) & FORBIDDEN_CALLS == set()


def test_the_check_would_catch_a_clock_read():
    tree = ast.parse("import datetime as dt\nfrom os import environ\ntoday = dt.date.today()")
    assert imported_modules(tree) & FORBIDDEN_MODULES == {"os"}
    assert "today" in called_names(tree)
