"""`dorasync state list` and `state show KEY`: reading what was sent, never writing."""

from __future__ import annotations

import json

from tests.support import ProjectDir, Runner


def test_state_list_shows_key_id_file_and_last_applied(applied: ProjectDir, run: Runner) -> None:
    result = run("-C", applied.root, "state", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["KEY", "ID", "FILE", "LAST", "APPLIED"]
    assert [line.split()[0] for line in lines[1:]] == [
        "2025/team-only",
        "2026/ongoing",
        "2026/resolved",
    ]
    ongoing = lines[2].split()
    assert ongoing[2] == "incidents/2026/ongoing.yaml"
    assert ongoing[3].endswith("Z")
    assert ".dorasync/state.json: 3 incidents, serial 1, lineage" in result.err


def test_state_list_json_and_a_glob(applied: ProjectDir, run: Runner) -> None:
    body = json.loads(run("-C", applied.root, "state", "list", "2026/*", "--json").out)
    assert body["serial"] == 1
    assert [e["key"] for e in body["incidents"]] == ["2026/ongoing", "2026/resolved"]
    assert set(body["incidents"][0]) == {
        "key",
        "id",
        "file",
        "applied_at",
        "endpoint",
        "fingerprint",
    }


def test_state_show_prints_what_was_sent(applied: ProjectDir, run: Runner) -> None:
    result = run("-C", applied.root, "state", "show", "2026/resolved")
    assert result.code == 0
    assert "file        = incidents/2026/resolved.yaml" in result.out
    assert "  finished_at = 1795183500000000000  # 2026-11-20T14:05:00Z" in result.out
    body = json.loads(run("-C", applied.root, "state", "show", "2026/resolved", "--json").out)
    assert body["attributes"]["name"] == "Checkout latency above SLO"
    assert body["key"] == "2026/resolved"


def test_state_show_of_an_unknown_key_suggests_the_nearest(
    applied: ProjectDir, run: Runner
) -> None:
    result = run("-C", applied.root, "state", "show", "2026/resolvd")
    assert result.code == 1
    assert (
        "error: .dorasync/state.json has no incident with the key '2026/resolvd'; "
        "did you mean '2026/resolved'?"
    ) in result.err


def test_reading_an_empty_state_says_nothing_was_applied(project: ProjectDir, run: Runner) -> None:
    result = run("-C", project.root, "state", "list")
    assert (result.code, result.out) == (0, "")
    assert "nothing has been applied yet" in result.err
    body = json.loads(run("-C", project.root, "state", "list", "--json").out)
    assert body == {"lineage": None, "serial": 0, "incidents": []}


def test_reading_the_state_writes_nothing_and_works_with_broken_incidents(
    applied: ProjectDir, run: Runner
) -> None:
    before = applied.state_path.read_bytes()
    applied.incident("broken.yaml", "services: [a\n")
    assert run("-C", applied.root, "state", "list").code == 0
    assert run("-C", applied.root, "state", "show", "2026/ongoing").code == 0
    assert applied.state_path.read_bytes() == before
    assert sorted(p.name for p in applied.state_path.parent.iterdir()) == ["state.json"]
