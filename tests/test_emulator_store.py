"""The emulator's persistence (append-only JSON Lines) and its seed file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator
from dorasync.emulator.store import JournalError
from tests.emulator_fixtures import EVENT_ID, Client, failure_attributes

Start = Callable[..., Emulator]
DEPLOYMENT = {
    "id": "deploy-0001-shopist",
    "service": "shopist",
    "started_at": 1_769_675_152,
    "finished_at": 1_769_678_752,
}


def test_emulator_keeps_events_in_its_data_file_across_restarts(
    start_emulator: Start, tmp_path: Path
) -> None:
    data = tmp_path / "state" / "emulator.jsonl"
    first = start_emulator(data_file=data)
    client = Client(first.url)
    client.post_failure(failure_attributes(finished_at=None))
    client.post_failure(failure_attributes())
    client.post_failure(failure_attributes(id="to-be-deleted-0000"))
    client.call("DELETE", "/api/v2/dora/failure/to-be-deleted-0000")
    client.call("POST", "/api/v2/dora/deployment", {"data": {"attributes": DEPLOYMENT}})
    patch = {
        "data": {"type": "dora_deployment_patch_request", "attributes": {"change_failure": True}}
    }
    client.call("PATCH", "/api/v2/dora/deployments/deploy-0001-shopist", patch)
    first.stop()

    second = start_emulator(data_file=data)
    assert second.failures() == {EVENT_ID: failure_attributes()}
    assert second.events()["failures"][EVENT_ID]["received"] == 2  # type: ignore[index]
    assert second.deployments()["deploy-0001-shopist"]["change_failure"] is True


def test_emulator_appends_one_journal_line_per_change_and_none_for_a_refusal(
    start_emulator: Start, tmp_path: Path
) -> None:
    data = tmp_path / "emulator.jsonl"
    client = Client(start_emulator(data_file=data).url)
    client.post_failure(failure_attributes())
    client.post_failure(failure_attributes(custom_tags=["no-colon"]))
    client.call("DELETE", "/api/v2/dora/failure/unknown-id-000000")
    client.post_failure(failure_attributes(id="second-incident-00"))
    lines = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert [(line["op"], line["id"]) for line in lines] == [
        ("put_failure", EVENT_ID),
        ("put_failure", "second-incident-00"),
    ]
    assert lines[0]["attributes"] == failure_attributes()


def test_emulator_reset_is_kept_in_the_data_file(start_emulator: Start, tmp_path: Path) -> None:
    data = tmp_path / "emulator.jsonl"
    first = start_emulator(data_file=data)
    Client(first.url).post_failure(failure_attributes())
    first.reset()
    first.stop()
    assert start_emulator(data_file=data).failures() == {}


def test_emulator_skips_a_last_journal_line_cut_short_by_a_crash(
    start_emulator: Start, tmp_path: Path
) -> None:
    data = tmp_path / "emulator.jsonl"
    entry = {
        "op": "put_failure",
        "id": EVENT_ID,
        "path": "failure",
        "attributes": failure_attributes(),
    }
    data.write_text(json.dumps(entry) + '\n{"op": "put_fail', encoding="utf-8")
    assert start_emulator(data_file=data).failures() == {EVENT_ID: failure_attributes()}


def test_emulator_refuses_a_data_file_it_did_not_write(tmp_path: Path) -> None:
    data = tmp_path / "emulator.jsonl"
    data.write_text("not json\n{}\n", encoding="utf-8")
    with pytest.raises(JournalError, match=r"emulator.jsonl:1"):
        Emulator(data_file=data).start()


def test_emulator_preloads_a_seed_file_with_stable_ids_and_does_not_journal_it(
    start_emulator: Start, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    with_id = failure_attributes()
    without_id = failure_attributes(id=None, name="Seeded without an id")
    seed.write_text(json.dumps([with_id, without_id]), encoding="utf-8")
    data = tmp_path / "emulator.jsonl"
    first = start_emulator(seed_file=seed, data_file=data)
    second = start_emulator(seed_file=seed)
    assert first.failures() == second.failures()
    assert len(first.failures()) == 2
    assert first.failures()[EVENT_ID] == with_id
    assert first.stats()["posts_by_id"] == {}
    first.stop()
    assert not data.exists() or data.read_text(encoding="utf-8") == ""


def test_emulator_checks_a_seed_file_by_the_same_rules(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps([failure_attributes(), failure_attributes(custom_tags=["oops"]), 3]),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"seed.json\[1\]: .*custom_tags") as raised:
        Emulator(seed_file=seed)
    assert "seed.json[2]: not an object" in str(raised.value)
