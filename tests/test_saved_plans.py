"""Saved plans: `plan --out FILE`, `apply FILE` and `show FILE`, against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator, Faults
from dorasync.savedplan import document_digest
from tests.review_support import posted, read_json, sample
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner


@pytest.fixture
def repo(project: ProjectDir) -> ProjectDir:
    return sample(project)


def save(run: Runner, repo: ProjectDir, *args: str, name: str = "plan.json") -> Path:
    result = run("-C", repo.root, "plan", "--out", name, *args)
    assert result.code == 0, result.text
    return repo.root / name


def rewrite(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    """Edit a saved plan as an attacker would: the change, then a recomputed digest."""
    body = read_json(path)
    change(body)
    body["digest"] = document_digest(body)
    path.write_text(json.dumps(body), encoding="utf-8")


def test_apply_of_a_saved_plan_sends_exactly_the_planned_changes_without_a_prompt(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    path = save(run, repo)
    planned = {c["id"]: c["attributes"] for c in read_json(path)["changes"]}
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)  # stdin is no terminal
    assert result.code == 0, result.text
    assert "Apply complete: 3 sent (3 created, 0 updated)" in result.out
    assert emulator.failures() == planned
    assert sorted(posted(emulator).values()) == [1, 1, 1]
    assert read_json(repo.state_path)["serial"] == 1


def test_apply_of_a_saved_plan_refuses_when_an_incident_changed_since(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo)
    ongoing = repo.root / "incidents/2026/ongoing.yaml"
    ongoing.write_text(ongoing.read_text() + "finished_at: 2026-11-24T11:00:00+01:00\n")
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "plan.json is stale: incidents/2026/ongoing.yaml changed since it was saved" in (
        result.err
    )
    assert "nothing was sent. Run `dorasync plan --out plan.json` again" in result.err
    assert posted(emulator) == {}
    assert not repo.state_path.exists()


def test_apply_of_a_saved_plan_refuses_when_a_file_was_added_or_removed(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo)
    (repo.root / "incidents/2025/team-only.yaml").unlink()
    repo.incident("2026/new.yaml", "team: t\nstarted_at: 1790928000\n")
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "incidents/2025/team-only.yaml was removed" in result.err
    assert "incidents/2026/new.yaml was added" in result.err
    assert posted(emulator) == {}


def test_apply_of_a_saved_plan_refuses_when_dorasync_yaml_changed(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo)
    repo.config("defaults:\n  env: staging\n")
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "plan.json is stale: dorasync.yaml changed" in result.err
    assert posted(emulator) == {}


def test_a_plan_saved_from_an_empty_state_applied_twice_is_refused_the_second_time(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo)
    assert run("-C", repo.root, "apply", "plan.json", env=api_env).code == 0
    state = repo.state_path.read_bytes()
    again = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert again.code == 1
    assert (
        "the state moved since plan.json was saved: it was made against an empty state "
        "(nothing applied yet), and .dorasync/state.json is at serial 1 now"
    ) in again.err
    assert sorted(posted(emulator).values()) == [1, 1, 1]
    assert repo.state_path.read_bytes() == state


def test_applying_another_saved_plan_first_makes_this_one_stale(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo, "--target", "2025/*", name="first.json")
    save(run, repo, name="second.json")
    assert run("-C", repo.root, "apply", "first.json", env=api_env).code == 0
    result = run("-C", repo.root, "apply", "second.json", env=api_env)
    assert result.code == 1
    assert "the state moved since second.json was saved" in result.err
    assert len(posted(emulator)) == 1


def test_a_saved_plan_never_holds_a_secret(repo: ProjectDir, run: Runner) -> None:
    env = {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DORASYNC_API_URL": "http://127.0.0.1:1"}
    result = run("-C", repo.root, "plan", "--out", "plan.json", env=env)
    assert result.code == 0
    text = (repo.root / "plan.json").read_text()
    assert API_KEY not in text
    assert APP_KEY not in text
    assert "127.0.0.1" not in text


def test_a_saved_plan_changed_by_hand_is_refused(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    path = save(run, repo)
    path.write_text(path.read_text().replace("Card payments failing", "Something else"))
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "plan.json was changed after it was saved (its digest does not match" in result.err
    assert posted(emulator) == {}


def test_a_saved_plan_changed_with_a_recomputed_digest_is_refused(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    path = save(run, repo)

    def retitle(body: dict[str, object]) -> None:
        changes = body["changes"]
        assert isinstance(changes, list)
        changes[0]["attributes"]["name"] = "Something else"

    rewrite(path, retitle)
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "plan.json does not give what its inputs give now (at '2025/team-only')" in result.err
    assert posted(emulator) == {}


def test_a_saved_plan_of_another_dorasync_version_is_refused(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    rewrite(save(run, repo), lambda body: body.update(dorasync_version="0.0.1"))
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 1
    assert "plan.json was saved by dorasync 0.0.1, and this is dorasync" in result.err
    assert posted(emulator) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "plan.json does not exist; save a plan with `dorasync plan --out plan.json`"),
        ("{not json", "plan.json is not a saved plan (not JSON"),
        ('{"format_version": 1, "changes": []}', "is a plan printed by `plan --format json`"),
        ('["a list"]', "plan.json is not a dorasync saved plan"),
        ('{"format_version": 9, "changes": [], "digest": ""}', "has plan format 9, newer"),
    ],
)
def test_apply_of_something_that_is_not_a_saved_plan_says_how_to_save_one(
    repo: ProjectDir, run: Runner, content: str | None, message: str
) -> None:
    if content is not None:
        (repo.root / "plan.json").write_text(content)
    result = run("-C", repo.root, "apply", "plan.json", env={"DD_API_KEY": API_KEY})
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.text
    assert not repo.state_path.exists()


def test_a_damaged_saved_plan_names_the_bad_part(repo: ProjectDir, run: Runner) -> None:
    rewrite(save(run, repo), lambda body: body.update(serial="one"))
    result = run("-C", repo.root, "show", "plan.json")
    assert result.code == 1
    assert "plan.json is damaged (serial: Input should be a valid integer)" in result.err


def test_apply_of_a_saved_plan_without_changes_sends_nothing(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    run("-C", repo.root, "apply", "--auto-approve", env=api_env)
    before = posted(emulator)
    save(run, repo)
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 0
    assert "No changes: 3 incidents match the state." in result.out
    assert posted(emulator) == before


def test_a_partial_saved_plan_sends_only_its_targets(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    save(run, repo, "--target", "incidents/2026/*")
    result = run("-C", repo.root, "apply", "plan.json", env=api_env)
    assert result.code == 0, result.text
    assert "Partial plan: only the 2 incidents matching --target incidents/2026/*" in result.out
    assert {a["name"] for a in emulator.failures().values()} == {
        "Card payments failing",
        "Checkout latency above SLO",
    }
    assert "plan: 1 to create" in run("-C", repo.root, "plan").out.lower()


def test_target_cannot_change_a_saved_plan(repo: ProjectDir, run: Runner) -> None:
    save(run, repo)
    result = run("-C", repo.root, "apply", "plan.json", "--target", "2026/*")
    assert result.code == 1
    assert "--target cannot change a saved plan" in result.err


def test_a_refused_incident_of_a_saved_plan_is_reported_at_its_line(
    repo: ProjectDir, run: Runner, start_emulator: Callable[..., Emulator]
) -> None:
    path = save(run, repo)
    refused = next(c["id"] for c in read_json(path)["changes"] if c["key"] == "2026/ongoing")
    emu = start_emulator(api_key=API_KEY, faults=Faults(reject_ids=frozenset({refused})))
    env = {"DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY}
    result = run("-C", repo.root, "apply", "plan.json", env=env)
    assert result.code == 1
    assert "incidents/2026/ongoing.yaml:1:1: 2026/ongoing: Datadog refused it (HTTP 400)" in (
        result.err
    )
    assert "2 sent (2 created, 0 updated), 1 failed" in result.out


def test_show_renders_a_saved_plan_as_plan_does(repo: ProjectDir, run: Runner) -> None:
    path = save(run, repo)
    for fmt in ("text", "markdown"):
        shown = run("-C", repo.root, "show", "plan.json", "--format", fmt)
        planned = run("-C", repo.root, "plan", "--format", fmt, "--out", "again.json")
        assert shown.code == 0
        assert shown.out == planned.out.replace("again.json", "plan.json")
    as_json = json.loads(run("-C", repo.root, "show", "plan.json", "--json").out)
    impact = as_json.pop("impact")
    assert as_json == read_json(path)
    # The impact as plan showed it, over the 90 days that ended when it was saved.
    planned_impact = json.loads(run("-C", repo.root, "plan", "--json").out)["impact"]
    assert impact["by"] == planned_impact["by"]
    assert [g["by"] for g in impact["groups"]] == [g["by"] for g in planned_impact["groups"]]
    assert impact["window"]["until"] == read_json(path)["saved_at"]


def test_plan_file_paths_are_taken_from_the_chdir_folder(
    repo: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run("-C", repo.root, "plan", "--out", "plans/pr-7.json").code == 0
    assert (repo.root / "plans/pr-7.json").is_file()
    assert run("-C", repo.root, "show", "plans/pr-7.json").code == 0
    assert run("-C", repo.root, "apply", "plans/pr-7.json", env=api_env).code == 0
    assert len(posted(emulator)) == 3


@pytest.mark.parametrize(
    "edit",
    [
        lambda body: body.update(saved_at="yesterday"),
        lambda body: body["changes"][0]["attributes"].update(started_at="soon"),
        lambda body: body["changes"][0]["attributes"].update(finished_at=1.5),
    ],
)
def test_show_of_a_hand_edited_plan_says_damaged_instead_of_crashing(
    edit: Callable[[dict[str, object]], None], repo: ProjectDir, run: Runner
) -> None:
    rewrite(save(run, repo), edit)
    result = run("-C", repo.root, "show", "plan.json")
    assert result.code == 1
    assert "plan.json is damaged" in result.err
    assert "internal error" not in result.err
