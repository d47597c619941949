"""Test support for the review pipeline: a small sample project and what the emulator got."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from dorasync.cli import main
from dorasync.console import Console
from dorasync.emulator.server import Emulator
from tests.support import ProjectDir, Result

ONGOING = """
    name: Card payments failing
    services: [payments, checkout]
    severity: SEV-1
    started_at: 2026-11-24T09:41:17.123456789+01:00
"""
RESOLVED = """
    name: Checkout latency above SLO
    services: [checkout]
    started_at: 2026-11-20T13:02:00Z
    finished_at: 2026-11-20T14:05:00Z
"""
TEAM_ONLY = """
    team: search
    started_at: 1790928000
"""


def sample(project: ProjectDir) -> ProjectDir:
    """Three incidents under `defaults: env: prod`."""
    project.config("defaults:\n  env: prod\n")
    project.incident("2026/ongoing.yaml", ONGOING)
    project.incident("2026/resolved.yaml", RESOLVED)
    project.incident("2025/team-only.yaml", TEAM_ONLY)
    return project


def many(project: ProjectDir, count: int, *, env: str = "prod") -> ProjectDir:
    """`count` incidents, `n000` to `n{count-1}`, under `defaults: env: ENV`."""
    project.config(f"defaults:\n  env: {env}\n")
    for n in range(count):
        project.incident(f"n{n:03}.yaml", f"services: [s{n}]\nstarted_at: {1790928000 + n}\n")
    return project


def posted(emulator: Emulator) -> dict[str, int]:
    """How many POSTs the emulator received per event id."""
    per_id = emulator.stats()["posts_by_id"]
    assert isinstance(per_id, dict)
    return {str(k): int(v) for k, v in per_id.items()}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a user's shell is."""

    def isatty(self) -> bool:
        return True


def run_on(
    monkeypatch: pytest.MonkeyPatch,
    *args: str | Path,
    stdout: io.StringIO | None = None,
    stderr: io.StringIO | None = None,
    env: dict[str, str] | None = None,
    stdin: str = "",
) -> Result:
    """Run `dorasync ARGS` in this process with the given streams (terminals or not)."""
    out, err = stdout or io.StringIO(), stderr or io.StringIO()
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        Console.secrets.clear()
    return Result(code, out.getvalue(), err.getvalue())
