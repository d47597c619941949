"""The pure core stays pure: no HTTP, no CLI, no printing; the emulator stays independent."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dorasync"
CORE = [
    "errors",
    "timestamps",
    "ids",
    "model",
    "incidents",
    "config",
    "plan",
    "render",
    "state",
    "window",
    "report",
    "reportformats",
    "reportjson",
    "charts",
    "reporthtml",
    "impact",
    "targets",
    "safety",
    "markdown",
    "savedplan",
    "schema",
    "moves",
    "remote",
    "drift",
    "eventfile",
    "problems",
    "text",
    "links",
    "linkplan",
    "deployments",
    "cfr",
]
FORBIDDEN_IN_CORE = {
    "requests",
    "click",
    "dorasync.cli",
    "dorasync.commands",
    "dorasync.console",
    "dorasync.client",
    "dorasync.statestore",
    "dorasync.project",
    "urllib3",
    "http",
    "socket",
    "subprocess",
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_http_no_cli_and_no_adapter(module: str) -> None:
    imported = imports_of(PACKAGE / f"{module}.py")
    bad = {
        name
        for name in imported
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_CORE)
    }
    assert bad == set()


@pytest.mark.parametrize("module", CORE)
def test_core_module_never_prints(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert calls == []


def test_the_emulator_shares_no_code_with_the_client_model() -> None:
    for path in (PACKAGE / "emulator").glob("*.py"):
        outside = {
            name
            for name in imports_of(path)
            if name.startswith("dorasync")
            and not name.startswith("dorasync.emulator")
            and name != "dorasync"
        }
        assert outside == set(), path.name


def test_help_does_not_import_the_heavy_modules() -> None:
    """`dorasync --help` must stay fast: pydantic, requests and deepdiff load only when used."""
    code = (
        "import sys, runpy; sys.argv = ['dorasync', '--help']\n"
        "try:\n    runpy.run_module('dorasync', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('pydantic', 'requests', 'deepdiff', 'yaml') "
        "if m in sys.modules)\nsys.stderr.write(repr(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr == "[]"
    assert "Usage: dorasync" in result.stdout


def test_the_lazy_command_list_matches_each_commands_own_help() -> None:
    """`dorasync --help` lists commands without importing them, from cli.COMMANDS."""
    import importlib  # noqa: PLC0415

    from dorasync.cli import COMMANDS  # noqa: PLC0415

    for module, attribute, short in COMMANDS.values():
        command = getattr(importlib.import_module(f"dorasync.commands.{module}"), attribute)
        assert command.get_short_help_str(limit=10_000) == short
    modules = {p.stem for p in (PACKAGE / "commands").glob("*.py")}
    assert {m for m, _, _ in COMMANDS.values()} <= modules
