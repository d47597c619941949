"""Shared fixtures: a project on disk, the CLI run in-process, the emulator on loopback."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.cli import main
from dorasync.console import Console
from dorasync.emulator.server import Emulator
from tests.review_support import sample
from tests.support import API_KEY, APP_KEY, ProjectDir, Result, Runner

pytest_plugins = ["tests.emulator_fixtures"]


@pytest.fixture
def project(tmp_path: Path) -> ProjectDir:
    return ProjectDir(tmp_path / "repo").config()


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Runner:
    """Run `dorasync ARGS` in this process, as a user would from a shell."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in ("DD_API_KEY", "DD_APP_KEY", "DD_SITE", "DORASYNC_API_URL"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str | Path, env: dict[str, str] | None = None, stdin: str = "") -> Result:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
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

    return invoke


@pytest.fixture
def emulator(start_emulator: Callable[..., Emulator]) -> Emulator:
    """An emulator on loopback that checks the sentinel keys of tests.support."""
    return start_emulator(api_key=API_KEY, app_key=APP_KEY)


@pytest.fixture
def api_env(emulator: Emulator) -> dict[str, str]:
    """The environment that points apply at the emulator."""
    return {"DORASYNC_API_URL": emulator.url, "DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}


@pytest.fixture
def applied(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> ProjectDir:
    """review_support.sample's three incidents, applied to the emulator."""
    sample(project)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    return project
