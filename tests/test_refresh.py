"""Drift against the emulator: events deleted or changed behind dorasync's back are found
by `plan --refresh`, recorded by `dorasync refresh` and restored by `apply --refresh`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.client import DoraClient, RetryPolicy
from dorasync.emulator.server import Emulator, Faults
from dorasync.refresh import Reader, RefreshFailed, read_back
from dorasync.settings import Secret
from dorasync.statestore import StateStore
from tests.emulator_fixtures import Client
from tests.review_support import many, read_json
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner


def ids(project: ProjectDir) -> dict[str, str]:
    return {k: e["id"] for k, e in read_json(project.state_path)["incidents"].items()}


def behind_the_back(emulator: Emulator, project: ProjectDir) -> tuple[str, str]:
    """Delete 2026/resolved's event and rename 2026/ongoing's, as a person in the UI would."""
    known = ids(project)
    client = Client(emulator.url, headers={"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY})
    assert client.call("DELETE", f"/api/v2/dora/failure/{known['2026/resolved']}").ok
    changed = {**emulator.failures()[known["2026/ongoing"]], "name": "Edited in Datadog"}
    assert client.post_failure(changed).ok
    client.session.close()
    return known["2026/resolved"], known["2026/ongoing"]


def test_drift_shows_up_in_plan_refresh_only_and_apply_refresh_restores_it(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    deleted, changed = behind_the_back(emulator, applied)
    state = applied.state_path.read_bytes()
    assert run("-C", applied.root, "plan", "--detailed-exitcode").code == 0  # no network
    plan = run("-C", applied.root, "plan", "--refresh", "--detailed-exitcode", env=api_env)
    assert plan.code == 2
    assert "  ~ 2026/ongoing  (incidents/2026/ongoing.yaml)  # changed in Datadog" in plan.out
    assert '      ~ name = "Edited in Datadog" -> "Card payments failing"' in plan.out
    assert "  + 2026/resolved  (incidents/2026/resolved.yaml)  # deleted in Datadog" in plan.out
    assert "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged." in plan.out
    assert "Refreshed 3 events from Datadog: 1 changed there, 1 deleted there, 1 as sent." in (
        plan.err
    )
    assert applied.state_path.read_bytes() == state  # plan writes nothing
    result = run("-C", applied.root, "apply", "--refresh", "--auto-approve", env=api_env)
    assert result.code == 0, result.text
    assert emulator.failures()[changed]["name"] == "Card payments failing"
    assert deleted in emulator.failures()
    again = run("-C", applied.root, "plan", "--refresh", "--detailed-exitcode", env=api_env)
    assert (again.code, again.out) == (0, "No changes: 3 incidents match the state.\n")


def test_times_read_back_at_seconds_precision_are_no_drift(
    applied: ProjectDir, run: Runner, api_env: dict[str, str]
) -> None:
    sent = read_json(applied.state_path)["incidents"]["2026/ongoing"]["attributes"]
    assert sent["started_at"] % 10**9 == 123_456_789  # the emulator reads back whole seconds
    result = run("-C", applied.root, "plan", "--refresh", "--detailed-exitcode", env=api_env)
    assert (result.code, result.out) == (0, "No changes: 3 incidents match the state.\n")
    assert "3 as sent" in result.err


def test_dorasync_refresh_records_what_datadog_holds_and_apply_restores_it(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    deleted, changed = behind_the_back(emulator, applied)
    result = run("-C", applied.root, "refresh", env=api_env)
    assert result.code == 0, result.text
    assert "now records what Datadog holds (2 changed)" in result.out
    entries = read_json(applied.state_path)["incidents"]
    assert "2026/resolved" not in entries
    assert entries["2026/ongoing"]["attributes"]["name"] == "Edited in Datadog"
    assert (applied.state_path.parent / "state.json.backup").exists()
    plan = run("-C", applied.root, "plan")  # no network: the state says it now
    assert "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged." in plan.out
    assert run("-C", applied.root, "apply", "--auto-approve", env=api_env).code == 0
    assert emulator.failures()[changed]["name"] == "Card payments failing"
    assert deleted in emulator.failures()
    assert run("-C", applied.root, "refresh", env=api_env).out.endswith("nothing to record.\n")


def test_refresh_without_the_app_key_says_so_before_any_request(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    requests = emulator.stats()["requests"]
    no_app_key = {**api_env, "DD_APP_KEY": ""}
    for args in (["refresh"], ["plan", "--refresh"], ["apply", "--refresh", "--auto-approve"]):
        result = run("-C", applied.root, *args, env=no_app_key)
        assert result.code == 1
        assert "DD_APP_KEY is not set" in result.err
    assert emulator.stats()["requests"] == requests


def test_a_refreshed_plan_cannot_be_saved_and_a_saved_plan_cannot_be_refreshed(
    applied: ProjectDir, run: Runner, api_env: dict[str, str]
) -> None:
    saved = run("-C", applied.root, "plan", "--refresh", "--out", "p.json", env=api_env)
    assert (saved.code, "--refresh with --out" in saved.err) == (1, True)
    assert run("-C", applied.root, "plan", "--out", "p.json").code == 0
    refreshed = run("-C", applied.root, "apply", "p.json", "--refresh", env=api_env)
    assert (refreshed.code, "--refresh cannot change a saved plan" in refreshed.err) == (1, True)


def test_reads_are_paced_under_a_rate_limit(
    project: ProjectDir, run: Runner, start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    many(project, 30)
    data = tmp_path / "events.jsonl"
    keys = {"api_key": API_KEY, "app_key": APP_KEY}
    first = start_emulator(data_file=data, **keys)
    env = {"DORASYNC_API_URL": first.url, "DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}
    assert run("-C", project.root, "apply", "--auto-approve", env=env).code == 0
    first.stop()
    limited = start_emulator(data_file=data, faults=Faults(rate_limit=(20, 0.5)), **keys)
    env["DORASYNC_API_URL"] = limited.url
    result = run("-C", project.root, "plan", "--refresh", "--parallelism", "8", env=env)
    assert result.code == 0, result.text
    assert "Refreshed 30 events from Datadog: 0 changed there, 0 deleted there, 30 as sent." in (
        result.err
    )
    limited_answers = limited.stats()["rate_limited"]
    assert isinstance(limited_answers, int)
    assert limited_answers <= 8  # at most the first burst, before the limit is known


def test_a_read_that_keeps_failing_fails_the_refresh_and_nothing_is_written(
    applied: ProjectDir, start_emulator: Callable[..., Emulator]
) -> None:
    failing = start_emulator(faults=Faults(error_rate=1.0), api_key=API_KEY, app_key=APP_KEY)
    policy = RetryPolicy(max_attempts=2, base_delay_s=0.01, max_delay_s=0.02)
    client = DoraClient(failing.url, Secret(API_KEY), Secret(APP_KEY), policy=policy)
    store = StateStore(applied.state_path, "state.json")
    state = store.read()
    with pytest.raises(RefreshFailed, match=r"3 of 3 events could not be read back.*gave up"):
        read_back(Reader(client, 4), state, list(state.entries))
    assert store.read() == state


def test_a_server_that_has_none_of_the_events_gets_a_warning(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    emulator.reset()
    result = run("-C", applied.root, "plan", "--refresh", env=api_env)
    assert result.code == 0
    assert "Plan: 3 to create" in result.out
    assert "Datadog has none of the 3 events read" in result.err
    assert "check DD_SITE" in result.err


def test_the_keys_never_appear_in_what_reads_deletes_and_imports_print_or_write(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    behind_the_back(emulator, applied)
    path = applied.root / "incidents/2025/team-only.yaml"
    path.write_text(path.read_text() + "retracted: true\n")
    results = [
        run("-C", applied.root, *args, env=api_env)
        for args in (
            ("plan", "--refresh"),
            ("refresh",),
            ("apply", "--refresh", "--prune", "--auto-approve"),
            ("import", "--from", "2025-01-01"),
            ("state", "mv", "2026/ongoing", "2026/moved"),
            ("state", "rm", "2026/moved"),
        )
    ]
    assert [r.code for r in results] == [0] * 6
    for result in results:
        assert API_KEY not in result.text
        assert APP_KEY not in result.text
    for file in applied.root.rglob("*"):
        if file.is_file():
            assert API_KEY.encode() not in file.read_bytes()
            assert APP_KEY.encode() not in file.read_bytes()


def test_when_datadog_has_none_of_the_events_refresh_and_apply_stop_unless_forced(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    """A wrong site looks like a purge: every read answers 404. Recording that would empty
    the state, and apply --refresh would send the whole history to the wrong Datadog."""
    state_before = applied.state_path.read_bytes()
    emulator.reset()
    refreshed = run("-C", applied.root, "refresh", env=api_env)
    assert refreshed.code == 1
    assert "Datadog has none of the" in refreshed.err
    assert "again with --force" in refreshed.err
    assert applied.state_path.read_bytes() == state_before
    applied_again = run("-C", applied.root, "apply", "--refresh", "--auto-approve", env=api_env)
    assert applied_again.code == 1
    assert emulator.failures() == {}
    assert applied.state_path.read_bytes() == state_before
    forced = run("-C", applied.root, "refresh", "--force", env=api_env)
    assert forced.code == 0
    assert read_json(applied.state_path)["incidents"] == {}


def test_a_refresh_target_that_matches_nothing_is_an_error_with_a_suggestion(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", applied.root, "refresh", "--target", "2026/resolvd", env=api_env)
    assert result.code == 1
    assert "did you mean '2026/resolved'?" in result.err
