"""A real `dorasync apply` process killed, interrupted or raced: nothing lost, nothing
duplicated, the next run converges (issue 3)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator, Faults
from tests.support import API_KEY, ProjectDir, Runner
from tests.test_resilience import many

StartEmulator = Callable[..., Emulator]


def start_apply(project: ProjectDir, emu: Emulator, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY, "NO_COLOR": "1"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dorasync",
            "-C",
            str(project.root),
            "apply",
            "--auto-approve",
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def recorded(project: ProjectDir) -> dict[str, str]:
    """key -> id of what the state holds."""
    state = json.loads(project.state_path.read_text())
    return {key: entry["id"] for key, entry in state["incidents"].items()}


@pytest.mark.parametrize("trial", range(5))
def test_kill_9_at_a_random_moment_then_a_rerun_converges_with_nothing_lost(
    trial: int, project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 60)
    emu = start_emulator(api_key=API_KEY, faults=Faults(latency_ms=15))
    process = start_apply(project, emu, "--parallelism", "4")
    wait_for(lambda: len(emu.failures()) >= 1)
    time.sleep(random.Random(trial).uniform(0.0, 0.25))
    process.kill()
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    before = set(emu.failures())
    result = run(
        "-C",
        project.root,
        "apply",
        "--auto-approve",
        env={"DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY},
    )
    assert result.code == 0, result.text
    sent = emu.failures()
    assert len(sent) == 60
    assert before <= set(sent)
    assert set(recorded(project).values()) == set(sent)
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0
    assert not project.state_path.with_name("state.json.journal").exists()
    assert not project.state_path.with_name("state.json.lock").exists()


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")],
)
def test_ctrl_c_or_sigterm_stops_sending_records_what_was_in_flight_and_says_so(
    sig: signal.Signals,
    code: int,
    word: str,
    project: ProjectDir,
    start_emulator: StartEmulator,
) -> None:
    many(project, 40)
    emu = start_emulator(api_key=API_KEY, faults=Faults(latency_ms=60))
    process = start_apply(project, emu, "--parallelism", "2")
    wait_for(lambda: len(emu.failures()) >= 3)
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == code, err
    assert word in err
    assert "Apply stopped: " in out
    assert "not attempted" in out
    # In-flight requests finished and were recorded: the state holds exactly what
    # the server stored, and nothing was sent after the signal.
    assert set(recorded(project).values()) == set(emu.failures())
    assert 3 <= len(emu.failures()) < 40


def test_a_second_apply_during_a_first_is_refused_at_once_naming_the_holder(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 20)
    emu = start_emulator(api_key=API_KEY, faults=Faults(latency_ms=100))
    first = start_apply(project, emu, "--parallelism", "1")
    lock = project.state_path.with_name("state.json.lock")
    wait_for(lock.exists)
    wait_for(lambda: len(emu.failures()) >= 1)
    second = run(
        "-C",
        project.root,
        "apply",
        "--auto-approve",
        env={"DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY},
    )
    assert second.code == 1
    assert f"(pid {first.pid}, apply) since " in second.err
    assert "dorasync force-unlock " in second.err
    _, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert len(emu.failures()) == 20
    assert max(emu.stats()["posts_by_id"].values()) == 1  # type: ignore[attr-defined]


def _attributes_made_text(text: str) -> str:
    body = json.loads(text)
    first = sorted(body["incidents"])[0]
    body["incidents"][first]["attributes"] = "x"
    return json.dumps(body, indent=2)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda text: text[: len(text) // 2], "is not valid JSON"),
        (lambda text: "", "is not valid JSON"),
        (lambda text: text.replace('"format_version": 1', '"format_version": 7'), "newer dorasync"),
        (lambda text: "[1, 2, 3]\n", "is not a dorasync state file"),
        # valid JSON, as after a merge conflict resolved by hand
        (_attributes_made_text, "does not have the shape dorasync writes"),
    ],
)
def test_a_damaged_state_is_never_overwritten_and_the_backup_is_named(
    damage: Callable[[str], str],
    says: str,
    *,
    project: ProjectDir,
    run: Runner,
    emulator: Emulator,
    api_env: dict[str, str],
) -> None:
    many(project, 2)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    project.incident("2026/new.yaml", "services: [a]\nstarted_at: 1790000000\n")
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    damaged = damage(project.state_path.read_text())
    project.state_path.write_text(damaged)
    project.incident("2026/newer.yaml", "services: [b]\nstarted_at: 1790000000\n")
    posts = dict(emulator.stats()["posts_by_id"])  # type: ignore[call-overload]
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert says in result.err
    assert "the state before the last write is in .dorasync/state.json.backup" in result.err
    assert project.state_path.read_text() == damaged
    assert dict(emulator.stats()["posts_by_id"]) == posts  # type: ignore[call-overload]


def test_force_unlock_removes_a_lock_from_another_host(project: ProjectDir, run: Runner) -> None:
    lock = project.state_path.with_name("state.json.lock")
    lock.parent.mkdir(parents=True)
    lock.write_text(
        json.dumps(
            {
                "id": "lock-1",
                "user": "ana",
                "host": "build-7",
                "pid": 42,
                "operation": "apply",
                "created": "2026-11-26T09:00:00Z",
            }
        )
    )
    many(project, 1)
    refused = run("-C", project.root, "apply", "--auto-approve")
    assert "locked by ana@build-7 (pid 42, apply) since 2026-11-26T09:00:00Z" in refused.err
    assert run("-C", project.root, "force-unlock", "wrong").code == 1
    done = run("-C", project.root, "force-unlock", "lock-1")
    assert done.code == 0
    assert "Removed the lock of ana@build-7" in done.out
    assert not Path(lock).exists()


def _leave_a_journal(project: ProjectDir, run: Runner, api_env: dict[str, str]) -> str:
    """An apply whose last success is only in the journal, as after a kill -9."""
    many(project, 3)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    state = json.loads(project.state_path.read_text())
    key: str = sorted(state["incidents"])[-1]
    entry = state["incidents"].pop(key)
    journal = project.state_path.with_name("state.json.journal")
    journal.write_text(
        json.dumps({"lineage": state["lineage"], "serial": state["serial"]})
        + "\n"
        + json.dumps({"key": key, "entry": entry})
        + "\n"
    )
    project.state_path.write_text(json.dumps(state))
    return key


def test_a_journal_left_behind_is_written_into_the_state_even_with_nothing_to_send(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    key = _leave_a_journal(project, run, api_env)
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "No changes" in result.out
    assert key in json.loads(project.state_path.read_text())["incidents"]
    assert not project.state_path.with_name("state.json.journal").exists()


def test_what_a_killed_run_journaled_survives_a_next_run_that_fails(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    key = _leave_a_journal(project, run, api_env)
    project.incident("2026/new.yaml", "services: [a]\nstarted_at: 1790000000\n")
    failed = run(
        "-C",
        project.root,
        "apply",
        "--auto-approve",
        env={**api_env, "DD_API_KEY": "wrong-key-0000000"},
    )
    assert failed.code == 1
    assert key in json.loads(project.state_path.read_text())["incidents"]
    plan = run("-C", project.root, "plan")
    assert "Plan: 1 to create, 0 to update, 0 to delete, 3 unchanged." in plan.out
