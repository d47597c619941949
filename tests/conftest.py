"""Shared fixtures: a project on disk, the CLI run in-process, the emulator on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator
from tests.review_support import run_on, sample
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
        return run_on(monkeypatch, *args, env=env, stdin=stdin)

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
