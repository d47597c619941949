"""Retractions, vanished files and renames, against the emulator on loopback."""

from __future__ import annotations

import json

import pytest

from dorasync.emulator.server import Emulator
from tests.emulator_fixtures import Client, failure_attributes
from tests.review_support import many, read_json, sample
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner
from tests.test_schemas import errors, plan_schema

RETRACT = "retracted: true\nretracted_reason: opened twice; see 2026/ongoing\n"


def ids(project: ProjectDir) -> dict[str, str]:
    return {k: e["id"] for k, e in read_json(project.state_path)["incidents"].items()}


def requests_of(emulator: Emulator, method: str) -> int:
    counts = emulator.stats()["requests"]
    assert isinstance(counts, dict)
    return sum(n for route, n in counts.items() if route.startswith(method + " "))


def retract(project: ProjectDir, name: str = "2026/resolved.yaml") -> None:
    path = project.root / "incidents" / name
    path.write_text(path.read_text() + RETRACT)


def test_a_retracted_incident_is_deleted_with_the_app_key_and_the_next_plan_is_empty(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    event = ids(applied)["2026/resolved"]
    retract(applied)
    plan = run("-C", applied.root, "plan", "--detailed-exitcode")
    assert plan.code == 2
    assert (
        "  - 2026/resolved  (incidents/2026/resolved.yaml)  # retracted: opened twice" in plan.out
    )
    assert "Plan: 0 to create, 0 to update, 1 to delete, 2 unchanged." in plan.out
    result = run("-C", applied.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "2026/resolved: deleted, id " + event in result.err
    assert "1 sent (0 created, 0 updated, 1 deleted)" in result.out
    assert event not in emulator.failures()
    assert emulator.stats()["deletes_by_id"] == {event: 1}
    entry = read_json(applied.state_path)["incidents"]["2026/resolved"]
    assert entry["id"] == event
    assert entry["retracted_at"].endswith("Z")
    again = run("-C", applied.root, "plan", "--detailed-exitcode")
    assert (again.code, again.out) == (0, "No changes: 3 incidents match the state.\n")
    assert "2026/resolved" in run("-C", applied.root, "state", "list").out


def test_without_the_app_key_a_retraction_is_refused_before_anything_is_sent(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    retract(applied)
    applied.incident("2026/new.yaml", "services: [cart]\nstarted_at: 2026-11-25T10:00:00Z\n")
    before = applied.state_path.read_bytes()
    requests = emulator.stats()["requests"]
    result = run("-C", applied.root, "apply", "--auto-approve", env={**api_env, "DD_APP_KEY": ""})
    assert result.code == 1
    assert "error: DD_APP_KEY is not set, and deleting 1 event needs" in result.err
    assert "nothing was sent" in result.err
    assert emulator.stats()["requests"] == requests  # not the delete, not the create
    assert applied.state_path.read_bytes() == before


def test_a_wrong_app_key_stops_the_run_and_deletes_nothing(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    retract(applied)
    result = run(
        "-C", applied.root, "apply", "--auto-approve", env={**api_env, "DD_APP_KEY": "x" * 8}
    )
    assert result.code == 1
    assert "HTTP 403" in result.err
    assert ids(applied)["2026/resolved"] in emulator.failures()
    assert "retracted_at" not in read_json(applied.state_path)["incidents"]["2026/resolved"]


def test_a_retracted_incident_never_sent_is_not_sent_and_the_plan_says_so(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    sample(project)
    retract(project)
    plan = run("-C", project.root, "plan")
    assert (
        "  ! 2026/resolved  (incidents/2026/resolved.yaml): retracted, and never sent" in plan.out
    )
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "2 sent (2 created, 0 updated)" in result.out
    assert requests_of(emulator, "DELETE") == 0
    assert "2026/resolved" not in ids(project)


def test_taking_a_retraction_back_sends_the_event_again(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    path = applied.root / "incidents/2026/resolved.yaml"
    text = path.read_text()
    retract(applied)
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    path.write_text(text)
    plan = run("-C", applied.root, "plan")
    assert "  + 2026/resolved" in plan.out
    assert "was retracted (deleted from Datadog)" in plan.out
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert ids(applied)["2026/resolved"] in emulator.failures()
    assert "retracted_at" not in read_json(applied.state_path)["incidents"]["2026/resolved"]


def test_the_report_leaves_a_retracted_incident_out(applied: ProjectDir, run: Runner) -> None:
    window = ("--since", "2025-01-01", "--until", "2026-12-31", "--format", "json")
    before = json.loads(run("-C", applied.root, "report", *window).out)
    retract(applied)
    after = json.loads(run("-C", applied.root, "report", *window).out)
    assert after["groups"][0]["incidents"] == before["groups"][0]["incidents"] - 1


def test_a_vanished_file_is_only_listed_and_deleted_only_with_prune(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    gone = ids(applied)["2026/resolved"]
    (applied.root / "incidents/2026/resolved.yaml").unlink()
    plan = run("-C", applied.root, "plan")
    assert "  ? 2026/resolved  id " + gone in plan.out
    assert "`dorasync apply --prune` deletes their events" in plan.out
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert gone in emulator.failures()
    pruned = run("-C", applied.root, "plan", "--prune")
    assert "  - 2026/resolved  (was incidents/2026/resolved.yaml)  # the file is gone" in pruned.out
    result = run("-C", applied.root, "apply", "--auto-approve", "--prune", env=api_env)
    assert result.code == 0
    assert gone not in emulator.failures()
    assert "2026/resolved" not in ids(applied)
    assert run("-C", applied.root, "plan", "--prune", "--detailed-exitcode").code == 0


def by_hand(emulator: Emulator) -> Client:
    return Client(emulator.url, headers={"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY})


def test_prune_never_deletes_an_event_dorasync_did_not_send(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    by_hand(emulator).post_failure(failure_attributes(id="sent-by-hand-0000000"))
    gone = ids(applied)["2025/team-only"]
    (applied.root / "incidents/2025/team-only.yaml").unlink()
    assert run("-C", applied.root, "apply", "--auto-approve", "--prune", env=api_env).code == 0
    assert "sent-by-hand-0000000" in emulator.failures()
    assert emulator.stats()["deletes_by_id"] == {gone: 1}


def test_pruning_more_than_the_delete_threshold_needs_force(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    many(project, 12)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    for n in range(4):
        (project.root / f"incidents/n{n:03}.yaml").unlink()
    refused = run("-C", project.root, "apply", "--auto-approve", "--prune", env=api_env)
    assert refused.code == 1
    assert "deletes 4 of the 12 incidents already sent (33%: 4 pruned)" in refused.err
    assert requests_of(emulator, "DELETE") == 0
    forced = run("-C", project.root, "apply", "--auto-approve", "--prune", "--force", env=api_env)
    assert forced.code == 0
    assert requests_of(emulator, "DELETE") == 4


def test_a_saved_plan_with_prune_deletes_exactly_what_was_reviewed(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    gone = ids(applied)["2025/team-only"]
    (applied.root / "incidents/2025/team-only.yaml").unlink()
    assert run("-C", applied.root, "plan", "--prune", "--out", "plan.json").code == 0
    assert run("-C", applied.root, "show", "plan.json").out.count("  - 2025/team-only") == 1
    refused = run("-C", applied.root, "apply", "plan.json", "--prune", env=api_env)
    assert (refused.code, "--prune cannot change a saved plan" in refused.err) == (1, True)
    assert run("-C", applied.root, "apply", "plan.json", env=api_env).code == 0
    assert emulator.stats()["deletes_by_id"] == {gone: 1}


def test_a_delete_of_an_event_gone_already_succeeds_and_says_so(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    event = ids(applied)["2026/resolved"]
    assert by_hand(emulator).call("DELETE", f"/api/v2/dora/failure/{event}").status_code == 202
    retract(applied)
    result = run("-C", applied.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "1 deleted, 1 gone from Datadog already" in result.out
    assert "retracted_at" in read_json(applied.state_path)["incidents"]["2026/resolved"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("retracted: yes\n", "retracted: 'yes' is not true or false; write retracted: true"),
        ("retracted: [true]\n", "retracted: must be true or false, not a list"),
    ],
)
def test_a_retraction_that_is_not_true_or_false_is_refused_at_its_line(
    project: ProjectDir, run: Runner, line: str, message: str
) -> None:
    project.incident("a.yaml", "services: [a]\nstarted_at: 2026-11-20T13:02:00Z\n" + line)
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert f"incidents/a.yaml:3:12: {message}" in result.err


def test_a_reason_without_retracted_true_is_a_warning(project: ProjectDir, run: Runner) -> None:
    project.incident(
        "a.yaml", "services: [a]\nstarted_at: 2026-11-20T13:02:00Z\nretracted_reason: dup\n"
    )
    result = run("-C", project.root, "validate")
    assert result.code == 0
    assert "retracted_reason: warning: is set, but retracted is not true" in result.err


def test_every_lifecycle_plan_matches_the_plan_schema(
    applied: ProjectDir, run: Runner, api_env: dict[str, str]
) -> None:
    retract(applied)
    (applied.root / "incidents/2025/team-only.yaml").rename(applied.root / "incidents/moved.yaml")
    applied.incident("never.yaml", "team: a\nstarted_at: 2026-01-01T00:00:00Z\n" + RETRACT)
    printed = json.loads(run("-C", applied.root, "plan", "--json").out)
    assert {c.get("cause") for c in printed["changes"]} == {None, "retracted"}
    assert printed["renames"][0]["to"]["key"] == "moved"
    refreshed = json.loads(run("-C", applied.root, "plan", "--json", "--refresh", env=api_env).out)
    assert run("-C", applied.root, "plan", "--prune", "--out", "plan.json").code == 0
    saved = read_json(applied.root / "plan.json")
    assert [c["cause"] for c in saved["changes"] if c["action"] == "delete"] == [
        "pruned",
        "retracted",
    ]
    for body in (printed, refreshed, saved):
        assert errors(plan_schema(), body) == []
