"""The state file: readable diffs, atomic writes, a backup, a journal, a lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from dorasync.errors import DorasyncError
from dorasync.state import FORMAT_VERSION, Entry, State, StateError, dumps, fingerprint, loads
from dorasync.statestore import LockHeld, LockInfo, StateStore


def entry(n: int = 1) -> Entry:
    event_id = f"id-{n:016d}"
    attrs: dict[str, Any] = {
        "started_at": 1_795_179_720_000_000_000 + n,
        "team": "t",
        "id": event_id,
    }
    return Entry(
        id=event_id,
        file=f"incidents/{n}.yaml",
        attributes=attrs,
        fingerprint=fingerprint(attrs),
        digest="d",
        endpoint="failure",
        applied_at="2026-11-20T15:00:00Z",
    )


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / ".dorasync" / "state.json", ".dorasync/state.json")


def test_state_text_is_sorted_indented_and_ends_with_a_newline() -> None:
    text = dumps(State("L", 3, {"b": entry(2), "a": entry(1)}), "0.1.0")
    body = json.loads(text)
    assert text.endswith("}\n")
    assert list(body["incidents"]) == ["a", "b"]
    assert body["format_version"] == FORMAT_VERSION
    assert body["lineage"] == "L"
    assert body["serial"] == 3
    assert '\n  "incidents": {\n    "a": {\n' in text
    assert loads(text, "s").entries["a"] == entry(1)


def test_fingerprint_ignores_key_order() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format_version": 1, "lin', "not valid JSON"),
        ("[]", "not a dorasync state"),
        ('{"format_version": 99, "lineage": "L", "serial": 1, "incidents": {}}', "newer dorasync"),
        (
            '{"format_version": 1, "lineage": "L", "serial": 1, "incidents": {"a": {"id": 1}}}',
            "is damaged",
        ),
    ],
)
def test_a_damaged_state_is_refused_with_what_to_do(text: str, reason: str) -> None:
    with pytest.raises(StateError, match=reason):
        loads(text, "state.json")


def test_first_write_creates_the_file_with_a_lineage_and_serial_one(store: StateStore) -> None:
    with store.journal(store.read()) as journal:
        journal.record("a", entry(1))
    state = store.read()
    assert state.serial == 1
    assert state.lineage
    assert state.entries == {"a": entry(1)}
    assert not store.journal_path.exists()
    assert not store.backup_path.exists()


def test_each_write_grows_the_serial_keeps_the_lineage_and_a_backup(store: StateStore) -> None:
    with store.journal(store.read()) as journal:
        journal.record("a", entry(1))
    first_text = store.path.read_text()
    first = store.read()
    with store.journal(first) as journal:
        journal.record("b", entry(2))
    second = store.read()
    assert (second.lineage, second.serial) == (first.lineage, 2)
    assert store.backup_path.read_text() == first_text
    assert set(second.entries) == {"a", "b"}


def test_an_apply_with_no_success_leaves_the_state_file_alone(store: StateStore) -> None:
    with store.journal(store.read()):
        pass
    assert not store.path.exists()


def test_a_journal_left_by_a_killed_run_is_folded_in_on_the_next_read(store: StateStore) -> None:
    """The journal is written line by line; a kill mid-line loses only that line."""
    with store.journal(store.read()) as journal:
        journal.record("a", entry(1))
    base = store.read()
    store.journal_path.write_text(
        json.dumps({"lineage": base.lineage, "serial": base.serial})
        + "\n"
        + json.dumps({"key": "b", "entry": asdict(entry(2))})
        + "\n"
        + '{"key": "c", "entry": {"id": "trunc'
    )
    state = store.read()
    assert set(state.entries) == {"a", "b"}
    assert state.serial == base.serial + 1
    with store.journal(state) as journal:
        journal.record("c", entry(3))
    assert set(store.read().entries) == {"a", "b", "c"}
    assert not store.journal_path.exists()


def test_a_journal_of_another_lineage_is_refused(store: StateStore) -> None:
    with store.journal(store.read()) as journal:
        journal.record("a", entry(1))
    store.journal_path.write_text(
        '{"lineage": "other", "serial": 0}\n'
        + json.dumps({"key": "b", "entry": asdict(entry(2))})
        + "\n"
    )
    with pytest.raises(StateError, match="belongs to another state"):
        store.read()


def test_a_second_lock_is_refused_naming_the_holder(store: StateStore) -> None:
    with store.lock("apply") as held:
        with pytest.raises(LockHeld) as caught, store.lock("apply"):
            pass
        message = str(caught.value)
        assert f"pid {os.getpid()}, apply" in message
        assert f"dorasync force-unlock {held.id}" in message
    assert not store.lock_path.exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(store: StateStore) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with store.lock("apply") as held:
        info = json.loads(store.lock_path.read_text())
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.lock_path.write_text(json.dumps({**info, "pid": int(dead.stdout), "id": "stale"}))
    with store.lock("apply") as taken:
        assert taken.id != "stale"
    assert held.id != taken.id


def test_force_unlock_needs_the_lock_id(store: StateStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.lock_path.write_text(
        json.dumps(
            {
                "id": "abc",
                "user": "u",
                "host": "elsewhere",
                "pid": 1,
                "operation": "apply",
                "created": "t",
            }
        )
    )
    with pytest.raises(DorasyncError, match="not wrong-id"):
        store.force_unlock("wrong-id")
    assert store.force_unlock("abc").host == "elsewhere"
    assert not store.lock_path.exists()


def test_taking_over_a_stale_lock_never_removes_a_fresh_one(store: StateStore) -> None:
    """The race of two runs that found the same dead holder: the slower one must not
    delete the lock the faster one has just taken."""
    store.path.parent.mkdir(parents=True)
    dead = {
        "id": "dead",
        "user": "u",
        "host": socket.gethostname(),
        "pid": 2**22 + 7,
        "operation": "apply",
        "created": "t",
    }
    fresh = {**dead, "id": "fresh", "pid": os.getpid()}
    store.lock_path.write_text(json.dumps(fresh))  # the faster run's lock, already in place
    # what the slower run read a moment before
    stale = LockInfo("dead", "u", socket.gethostname(), 2**22 + 7, "apply", "t")
    assert not store._take_over(stale)
    assert json.loads(store.lock_path.read_text())["id"] == "fresh"
    assert list(store.path.parent.glob("*.stale-*")) == []
