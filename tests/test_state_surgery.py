"""`state rm` and `state mv` (under the lock, with a backup), and keeping an id across a rename."""

from __future__ import annotations

import json
import os
import socket

import pytest

from dorasync.emulator.server import Emulator
from tests.review_support import posted, read_json
from tests.support import ProjectDir, Runner


def rename(project: ProjectDir, old: str, new: str) -> None:
    target = project.root / "incidents" / new
    target.parent.mkdir(parents=True, exist_ok=True)
    (project.root / "incidents" / old).rename(target)


def entries(project: ProjectDir) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = read_json(project.state_path)["incidents"]
    return found


def test_state_mv_keeps_the_id_across_a_rename(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    event = entries(applied)["2026/resolved"]["id"]
    rename(applied, "2026/resolved.yaml", "2026/11/checkout-latency.yaml")
    plan = run("-C", applied.root, "plan")
    assert "Looks like a rename (same attributes, another key, so a new id):" in plan.out
    pair = "  2026/resolved -> 2026/11/checkout-latency  (incidents/2026/11/checkout-latency.yaml)"
    assert pair in plan.out
    assert "`dorasync state mv 2026/resolved 2026/11/checkout-latency`" in plan.out
    assert "or write `key: 2026/resolved` in incidents/2026/11/checkout-latency.yaml" in plan.out
    moved = run("-C", applied.root, "state", "mv", "2026/resolved", "2026/11/checkout-latency")
    assert moved.code == 0
    assert f"Moved 2026/resolved to 2026/11/checkout-latency; it keeps the id {event}." in moved.out
    after = run("-C", applied.root, "plan", "--detailed-exitcode")
    assert (after.code, after.out) == (0, "No changes: 3 incidents match the state.\n")
    posts = posted(emulator)
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert posted(emulator) == posts
    entry = entries(applied)["2026/11/checkout-latency"]
    assert (entry["id"], entry["file"], entry["moved_from"]) == (
        event,
        "incidents/2026/11/checkout-latency.yaml",
        "2026/resolved",
    )
    # An edit of the moved file updates the same event.
    path = applied.root / "incidents/2026/11/checkout-latency.yaml"
    path.write_text(path.read_text() + "severity: SEV-3\n")
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert emulator.failures()[str(event)]["severity"] == "SEV-3"
    assert set(emulator.failures()) == {str(e["id"]) for e in entries(applied).values()}
    # And every later edit too: the kept id survives the updates it was kept for.
    path.write_text(path.read_text() + "version: v9.0.1\n")
    again = run("-C", applied.root, "plan")
    assert "the id changes" not in again.out
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert emulator.failures()[str(event)]["version"] == "v9.0.1"
    assert set(emulator.failures()) == {str(e["id"]) for e in entries(applied).values()}


def test_a_key_in_the_moved_file_keeps_the_id_too(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    rename(applied, "2026/resolved.yaml", "2026/renamed.yaml")
    path = applied.root / "incidents/2026/renamed.yaml"
    path.write_text("key: 2026/resolved\n" + path.read_text())
    result = run("-C", applied.root, "plan", "--detailed-exitcode")
    assert (result.code, result.out) == (0, "No changes: 3 incidents match the state.\n")


def test_state_mv_refuses_a_key_that_is_taken_or_unknown_and_changes_nothing(
    applied: ProjectDir, run: Runner
) -> None:
    before = applied.state_path.read_bytes()
    taken = run("-C", applied.root, "state", "mv", "2026/resolved", "2026/ongoing")
    assert taken.code == 1
    assert "already has an incident with the key '2026/ongoing'" in taken.err
    unknown = run("-C", applied.root, "state", "mv", "2026/resolvd", "x")
    assert "no incident with the key '2026/resolvd' (did you mean '2026/resolved'?)" in unknown.err
    assert applied.state_path.read_bytes() == before


def test_state_rm_forgets_and_leaves_datadog_alone_with_a_backup(
    applied: ProjectDir, run: Runner, emulator: Emulator
) -> None:
    event = entries(applied)["2025/team-only"]["id"]
    before = applied.state_path.read_text()
    result = run("-C", applied.root, "state", "rm", "2025/team-only")
    assert result.code == 0
    assert f"Removed 2025/team-only (id {event}) from the state; Datadog keeps its event." in (
        result.out
    )
    assert "previous one is in .dorasync/state.json.backup" in result.err
    assert "2025/team-only" not in entries(applied)
    assert (applied.state_path.parent / "state.json.backup").read_text() == before
    assert event in emulator.failures()
    assert "  + 2025/team-only" in run("-C", applied.root, "plan").out


def test_state_rm_of_several_keys_is_all_or_nothing(applied: ProjectDir, run: Runner) -> None:
    before = applied.state_path.read_bytes()
    result = run("-C", applied.root, "state", "rm", "2026/ongoing", "nope")
    assert result.code == 1
    assert applied.state_path.read_bytes() == before


@pytest.mark.parametrize("command", [["rm", "2026/ongoing"], ["mv", "2026/ongoing", "x"]])
def test_state_surgery_is_refused_while_another_dorasync_holds_the_lock(
    applied: ProjectDir, run: Runner, command: list[str]
) -> None:
    lock = applied.state_path.with_name("state.json.lock")
    holder = {
        "id": "abc",
        "user": "someone",
        "host": socket.gethostname(),
        "pid": os.getpid(),  # alive: this very process
        "operation": "apply",
        "created": "2026-11-26T00:00:00Z",
    }
    lock.write_text(json.dumps(holder))
    before = applied.state_path.read_bytes()
    result = run("-C", applied.root, "state", *command)
    assert result.code == 1
    assert "the state is locked by someone@" in result.err
    assert applied.state_path.read_bytes() == before
