"""`dorasync import` against the emulator: one file per event with its id, a state that
makes the next plan empty, windows split until no answer is cut, nothing overwritten."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dorasync.client import DoraClient
from dorasync.emulator.server import Emulator
from dorasync.importer import ImportFailed, collect
from dorasync.settings import Secret
from tests.review_support import read_json
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner
from tests.test_emulator_cli import launch, listening_url

JAN_1 = 1_767_225_600  # 2026-01-01T00:00:00Z
StartEmulator = Callable[..., Emulator]


def seeded(tmp_path: Path, count: int, spacing_s: int = 1000, **extra: Any) -> Path:
    """`count` failure events from 2026-01-01, one every `spacing_s`, with ids."""
    events = []
    for n in range(count):
        event: dict[str, Any] = {
            "id": f"seeded-event-{n:05d}",
            "services": [f"svc-{n % 7}"],
            "name": f"Event {n}",
            # Nanoseconds that the emulator reads back at seconds precision.
            "started_at": (JAN_1 + n * spacing_s) * 10**9 + 123_456_789,
            **extra,
        }
        if n % 3:
            event["finished_at"] = (JAN_1 + n * spacing_s + 600) * 1000
        if n % 5 == 0:
            event["env"] = "staging"
        events.append(event)
    path = tmp_path / f"seed-{count}.json"
    path.write_text(json.dumps(events))
    return path


def env_for(emulator: Emulator) -> dict[str, str]:
    return {"DORASYNC_API_URL": emulator.url, "DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}


def searches(emulator: Emulator) -> int:
    counts = emulator.stats()["requests"]
    assert isinstance(counts, dict)
    return sum(n for k, n in counts.items() if k.startswith("POST /api/v2/dora/failures "))


@pytest.fixture
def keyed(start_emulator: StartEmulator) -> Callable[..., Emulator]:
    def start(**options: Any) -> Emulator:
        return start_emulator(api_key=API_KEY, app_key=APP_KEY, **options)

    return start


def test_import_of_a_window_of_2500_events_writes_one_file_each_and_the_next_plan_is_empty(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    project.config("defaults:\n  env: prod\n")
    emulator = keyed(seed_file=seeded(tmp_path, 2500))
    began = time.perf_counter()
    result = run("-C", project.root, "import", "--from", "2026-01-01", "--to", "2026-02-28",
                 env=env_for(emulator))  # fmt: skip
    seconds = time.perf_counter() - began
    assert result.code == 0, result.text
    assert "Read 2500 events that started from 2026-01-01T00:00:00Z to 2026-03-01T00:00:00Z" in (
        result.out
    )
    assert f"({searches(emulator)} searches)" in result.out
    assert "Imported 2500 as new files under incidents/" in result.out
    files = sorted((project.root / "incidents").rglob("*.yaml"))
    assert len(files) == 2500
    ids = {e["id"] for e in read_json(project.state_path)["incidents"].values()}
    assert ids == set(emulator.failures())
    plan = run("-C", project.root, "plan", "--detailed-exitcode")
    assert (plan.code, plan.out) == (0, "No changes: 2500 incidents match the state.\n")
    assert seconds < 30  # a sanity bound, not a benchmark: measured at about 1.5 s


def test_an_imported_file_reads_as_a_person_writes_it_and_overrides_unset_defaults(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    project.config("defaults:\n  env: prod\n  team: backend\n")
    emulator = keyed(seed_file=seeded(tmp_path, 2))
    assert (
        run("-C", project.root, "import", "--from", "2026-01-01", env=env_for(emulator)).code == 0
    )
    text = (project.root / "incidents/2026/2026-01-01-event-1-seeded-event-00001.yaml").read_text()
    assert text.splitlines()[2:] == [
        'name: "Event 1"',
        'services: ["svc-1"]',
        "team: null  # not set in Datadog: overrides the default",
        "env: null  # not set in Datadog: overrides the default",
        "started_at: 2026-01-01T00:16:40Z",
        "finished_at: 2026-01-01T00:26:40Z",
        'id: "seeded-event-00001"',
    ]
    assert run("-C", project.root, "validate").code == 0
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0


def test_running_import_again_is_harmless(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 30))
    args = ("-C", project.root, "import", "--from", "2026-01-01")
    assert run(*args, env=env_for(emulator)).code == 0
    before = {p: p.read_bytes() for p in (project.root / "incidents").rglob("*.yaml")}
    state = read_json(project.state_path)
    again = run(*args, env=env_for(emulator))
    assert again.code == 0
    assert "Imported 0 as new files" in again.out
    assert "30 known to the state already (left alone)" in again.out
    assert {p: p.read_bytes() for p in (project.root / "incidents").rglob("*.yaml")} == before
    assert read_json(project.state_path)["incidents"] == state["incidents"]


def test_an_existing_file_is_never_overwritten(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 2))
    mine = project.incident(
        "2026/2026-01-01-event-0-seeded-event-00000.yaml",
        "services: [mine]\nstarted_at: 2025-06-01T00:00:00Z\n",
    )
    result = run("-C", project.root, "import", "--from", "2026-01-01", env=env_for(emulator))
    assert result.code == 1
    assert (
        "error: event seeded-event-00000: not imported: incidents/2026/2026-01-01-event-0-"
        "seeded-event-00000.yaml exists already and is left as it is"
    ) in result.err
    assert mine.read_text() == "services: [mine]\nstarted_at: 2025-06-01T00:00:00Z\n"
    assert "Imported 1 as new files" in result.out


def test_import_adopts_events_that_files_already_declare_when_the_state_was_lost(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.incident("2026/a.yaml", "services: [a]\nstarted_at: 2026-01-05T10:00:00Z\n")
    project.incident("2026/b.yaml", "services: [b]\nstarted_at: 2026-01-06T10:00:00Z\n")
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    project.state_path.unlink()
    result = run("-C", project.root, "import", "--from", "2026-01-01", env=api_env)
    assert result.code == 0, result.text
    assert "Imported 0 as new files under incidents/; recorded 2 that files declared already" in (
        result.out
    )
    assert sorted(p.name for p in (project.root / "incidents/2026").iterdir()) == [
        "a.yaml",
        "b.yaml",
    ]
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0


def test_the_query_is_passed_on_and_only_matching_events_are_imported(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 21))
    result = run("-C", project.root, "import", "--from", "2026-01-01", "--query", "service:svc-3",
                 env=env_for(emulator))  # fmt: skip
    assert result.code == 0, result.text
    assert "Imported 3 as new files" in result.out
    state = read_json(project.state_path)["incidents"]
    assert {e["attributes"]["services"][0] for e in state.values()} == {"svc-3"}


def test_an_event_dorasync_cannot_declare_is_skipped_with_the_reason(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 3, severity="x" * 1001))
    result = run("-C", project.root, "import", "--from", "2026-01-01", env=env_for(emulator))
    assert result.code == 1
    assert "not imported: dorasync cannot declare it as it is (severity: is 1001 characters" in (
        result.err
    )
    assert not list((project.root / "incidents").rglob("*.yaml"))
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0


def test_import_without_the_app_key_says_so_before_any_request(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", project.root, "import", "--from", "2026-01-01",
                 env={**api_env, "DD_APP_KEY": ""})  # fmt: skip
    assert result.code == 1
    assert "DD_APP_KEY is not set, and dorasync import (searching events) needs" in result.err
    assert emulator.stats()["requests"] == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "is not a valid date"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "the window is empty"),
    ],
)
def test_a_bad_window_is_a_usage_error(
    project: ProjectDir, run: Runner, args: list[str], message: str
) -> None:
    result = run("-C", project.root, "import", *args)
    assert result.code == 1
    assert message in result.err


def client_for(emulator: Emulator) -> DoraClient:
    return DoraClient(emulator.url, Secret(API_KEY), Secret(APP_KEY))


def test_a_full_answer_is_split_until_none_is_cut(
    keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 35, spacing_s=60))
    found = collect(client_for(emulator), JAN_1 * 10**9, (JAN_1 + 86_400) * 10**9, limit=10)
    assert set(found.items) == set(emulator.failures())
    assert found.requests == searches(emulator) > 4


def test_more_events_in_one_second_than_one_answer_holds_is_an_error_that_says_what_to_do(
    keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = keyed(seed_file=seeded(tmp_path, 12, spacing_s=0))
    with pytest.raises(ImportFailed, match="narrow it with --query"):
        collect(client_for(emulator), JAN_1 * 10**9, (JAN_1 + 3600) * 10**9, limit=10)


@pytest.fixture
def seeded_process(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """`dorasync emulator --seed FILE` in a process of its own, as a user starts it."""
    seed = str(seeded(tmp_path, 12))
    process = launch("--api-key", API_KEY, "--app-key", APP_KEY, "--seed", seed, "--quiet")
    yield process
    process.kill()
    process.communicate(timeout=5)


def test_an_emulator_seeded_from_the_command_line_can_be_imported_and_refreshed_by_hand(
    project: ProjectDir, run: Runner, seeded_process: subprocess.Popen[str]
) -> None:
    process = seeded_process
    env = {"DORASYNC_API_URL": listening_url(process), "DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}
    assert run("-C", project.root, "import", "--from", "2026-01-01", env=env).code == 0
    result = run("-C", project.root, "plan", "--refresh", "--detailed-exitcode", env=env)
    assert (result.code, result.out) == (0, "No changes: 12 incidents match the state.\n")


def test_an_event_at_the_next_midnight_is_outside_a_window_that_ends_that_day(
    project: ProjectDir, run: Runner, keyed: Callable[..., Emulator], tmp_path: Path
) -> None:
    """--to 2026-01-01 is the end of that day: since <= started_at < until."""
    emulator = keyed(seed_file=seeded(tmp_path, 3, spacing_s=43_200))  # 00:00, 12:00, next 00:00
    result = run(
        "-C",
        project.root,
        "import",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-01",
        env=env_for(emulator),
    )
    assert result.code == 0, result.err
    assert "Read 2 events" in result.out
    imported = {e["id"] for e in read_json(project.state_path)["incidents"].values()}
    assert imported == {"seeded-event-00000", "seeded-event-00001"}


def test_an_id_given_only_inside_the_attributes_is_the_events_id() -> None:
    from dorasync.remote import item_id, read_item  # noqa: PLC0415

    inside = {
        "type": "dora_failure",
        "attributes": {"id": "event-inside-0001", "started_at": "2026-01-01T00:00:00Z"},
    }
    assert item_id(inside) == "event-inside-0001"
    assert item_id({"attributes": {}}, asked="asked-for-00000001") == "asked-for-00000001"
    assert item_id({"attributes": {}}) is None
    assert read_item(inside).id == "event-inside-0001"


def test_a_file_is_published_whole_or_not_at_all_and_never_over_another(tmp_path: Path) -> None:
    from dorasync.importer import _publish  # noqa: PLC0415

    target = tmp_path / "2026" / "event.yaml"
    target.parent.mkdir()
    _publish(target, b"services: [a]\n")
    assert target.read_bytes() == b"services: [a]\n"
    with pytest.raises(FileExistsError):
        _publish(target, b"other\n")
    assert target.read_bytes() == b"services: [a]\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["event.yaml"]
