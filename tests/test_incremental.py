"""The incremental plan: files unchanged since their apply are not parsed again (issue 6),
and nothing it skips can hide a change."""

from __future__ import annotations

import json
import time

import pytest

from dorasync.emulator.server import Emulator
from dorasync.loader import Loaded, load
from dorasync.project import open_project
from tests.support import ProjectDir, Runner
from tests.test_resilience import many


def loaded(project: ProjectDir) -> Loaded:
    opened = open_project(project.root)
    state = opened.store().read()
    known = {entry.file: (key, entry) for key, entry in state.entries.items()}
    return load(opened, None, time.time_ns(), known)


def applied(project: ProjectDir, run: Runner, api_env: dict[str, str], count: int = 5) -> None:
    many(project, count)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0


def test_a_no_change_plan_parses_no_file(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    applied(project, run, api_env)
    result = loaded(project)
    assert result.parsed == 0
    assert len(result.incidents) == 5
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0


def test_only_the_edited_file_is_parsed_and_its_change_is_planned(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    applied(project, run, api_env)
    path = project.root / "incidents/2026/i002.yaml"
    path.write_text(path.read_text() + "severity: SEV-1\n")
    assert loaded(project).parsed == 1
    plan = run("-C", project.root, "plan")
    assert "Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged." in plan.out
    assert '+ severity = "SEV-1"' in plan.out


def test_a_changed_default_invalidates_every_file(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    applied(project, run, api_env)
    project.config("defaults: {env: staging}\n")
    assert loaded(project).parsed == 5
    assert "Plan: 0 to create, 5 to update" in run("-C", project.root, "plan").out


def test_a_renamed_file_is_parsed_as_a_new_key(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    applied(project, run, api_env)
    (project.root / "incidents/2026/i001.yaml").rename(project.root / "incidents/2026/moved.yaml")
    assert loaded(project).parsed == 1
    plan = run("-C", project.root, "plan").out
    assert "Plan: 1 to create, 0 to update, 0 to delete, 4 unchanged, 1 declared no more" in plan


def test_apply_records_new_digests_of_unchanged_files_without_sending(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    applied(project, run, api_env)
    state = json.loads(project.state_path.read_text())
    for entry in state["incidents"].values():
        entry["digest"] = "from-an-older-dorasync"
    project.state_path.write_text(json.dumps(state))
    assert loaded(project).parsed == 5
    posts = dict(emulator.stats()["posts_by_id"])  # type: ignore[call-overload]
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "5 unchanged files recorded with their current file digest (nothing sent)" in result.err
    assert dict(emulator.stats()["posts_by_id"]) == posts  # type: ignore[call-overload]
    assert loaded(project).parsed == 0


def test_a_cached_incident_still_clashes_with_a_new_file_of_the_same_id(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.incident("a.yaml", "id: explicit-id-0000000001\nteam: t\nstarted_at: 1790000000\n")
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    project.incident("b.yaml", "id: explicit-id-0000000001\nteam: t\nstarted_at: 1790000001\n")
    result = run("-C", project.root, "plan")
    assert result.code == 1
    assert (
        "incidents/b.yaml:1:5: id: 'explicit-id-0000000001' is also the id of incidents/a.yaml"
        in result.err
    )


def test_a_narrower_incidents_folder_gives_the_keys_a_fresh_clone_would_give(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    """The files stay where they are; only their keys (paths under the folder) move."""
    applied(project, run, api_env)
    project.config("incidents: incidents/2026\n")
    assert loaded(project).parsed == 5
    plan = json.loads(run("-C", project.root, "plan", "--json").out)
    assert {c["key"] for c in plan["changes"]} == {f"i{n:03d}" for n in range(5)}


def test_apply_reads_the_state_once_under_its_lock(
    project: ProjectDir,
    run: Runner,
    emulator: Emulator,
    api_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 100k incidents a read of the state is seconds: apply must not read it twice."""
    from dorasync.statestore import StateStore  # noqa: PLC0415

    applied(project, run, api_env)
    reads: list[bool] = []
    original = StateStore.read

    def counted(self: StateStore) -> object:
        reads.append(self.lock_path.exists())
        return original(self)

    monkeypatch.setattr(StateStore, "read", counted)
    path = project.root / "incidents/2026/i001.yaml"
    path.write_text(path.read_text() + "severity: SEV-2\n")
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    assert reads == [True]
