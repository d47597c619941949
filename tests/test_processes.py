"""dorasync as a user runs it: real processes, the emulator command, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dorasync import __version__
from tests.support import API_KEY, ProjectDir

REPO = Path(__file__).resolve().parent.parent


def dorasync(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dorasync", *map(str, args)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def emulator_process() -> Iterator[str]:
    """`dorasync emulator` in its own process; yields the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dorasync", "emulator", "--port", "0", "--quiet"],
        env={**os.environ, "DORASYNC_EMULATOR_API_KEY": API_KEY},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("dorasync emulator listening on http://127.0.0.1:")
    yield line.rsplit(" ", 1)[1].strip()
    process.terminate()
    assert process.wait(timeout=10) == 0
    process.stdout.close()


def test_version_and_help_through_python_dash_m() -> None:
    assert dorasync("--version").stdout == f"dorasync, version {__version__}\n"
    result = dorasync("--help")
    assert result.returncode == 0
    for command in ("init", "validate", "plan", "apply", "emulator"):
        assert f"  {command} " in result.stdout


def test_the_repository_sample_project_validates() -> None:
    result = dorasync("-C", REPO, "validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 7 incidents valid")


def test_plan_and_apply_of_real_processes_against_the_emulator_command(
    emulator_process: str, project: ProjectDir
) -> None:
    project.incident("a.yaml", "services: [checkout]\nstarted_at: 2026-11-20T13:02:00Z\n")
    env = {"DORASYNC_API_URL": emulator_process, "DD_API_KEY": API_KEY}
    assert dorasync("-C", project.root, "plan", "--detailed-exitcode").returncode == 2
    applied = dorasync("-C", project.root, "apply", "--auto-approve", env=env)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 1 sent" in applied.stdout
    assert dorasync("-C", project.root, "plan", "--detailed-exitcode").returncode == 0
    assert API_KEY not in applied.stdout + applied.stderr


def test_bad_input_exits_1_with_no_traceback(project: ProjectDir) -> None:
    project.incident("a.yaml", "services: [checkout]\nstarted_at: 2026-11-20\n")
    result = dorasync("-C", project.root, "validate")
    assert result.returncode == 1
    assert "incidents/a.yaml:2:13: started_at: '2026-11-20' is a date without" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_minimal_example_plans_one_create() -> None:
    result = dorasync("-C", REPO / "examples" / "minimal", "plan", "--detailed-exitcode")
    assert result.returncode == 2
    assert "Plan: 1 to create" in result.stdout
