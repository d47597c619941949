"""Imported files: safe names whatever id a server sends, and files that say what Datadog holds."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from dorasync.eventfile import event_yaml, file_name
from dorasync.importer import Importer
from dorasync.project import open_project
from dorasync.remote import Remote
from dorasync.state import State
from tests.support import ProjectDir

STARTED = 1_795_179_720_000_000_000  # 2026-11-20T13:02:00Z
SAFE = re.compile(r"20\d\d/20\d\d-\d\d-\d\d(-[A-Za-z0-9_-]+)+\.yaml")


def remote(event_id: str, **attributes: Any) -> Remote:
    return Remote(event_id, {"id": event_id, "started_at": STARTED, **attributes})


@pytest.mark.parametrize(
    "event_id",
    [
        "../../../../etc/passwd",
        "..",
        ".hidden-event-000000",
        "a:b:c:d:e:f:g:h:i:j:k",
        "événement-0000000000",
        "x" * 300,
        "////",
        "",
        "C:\\Windows\\system32",
        "name\x00with-nul-000000",
    ],
)
def test_a_file_name_is_safe_whatever_the_id(event_id: str) -> None:
    name = file_name(remote(event_id, name="../Checkout / latency\n"))
    assert SAFE.fullmatch(name.as_posix()), name
    assert len(name.name) < 160
    assert ".." not in name.parts


def test_two_ids_made_the_same_by_the_cleaning_keep_two_names() -> None:
    assert file_name(remote("a:b-00000000000000")) != file_name(remote("a.b-00000000000000"))


def test_a_clean_id_is_kept_as_it_is_in_the_name() -> None:
    name = file_name(remote("pd-incident-Q3X9-2026", name="Checkout latency above SLO"))
    assert (
        name.as_posix() == "2026/2026-11-20-checkout-latency-above-slo-pd-incident-Q3X9-2026.yaml"
    )


def test_the_text_quotes_every_value_so_yaml_guesses_nothing() -> None:
    text = event_yaml(
        remote("id-0000000000000001", env="no", version="1.10", services=["on"], team="0123"),
        {},
        "now",
    )
    assert 'env: "no"' in text
    assert 'version: "1.10"' in text
    assert 'services: ["on"]' in text
    assert 'team: "0123"' in text


def item(event_id: str, **attributes: Any) -> dict[str, Any]:
    base = {"started_at": "2026-11-20T13:02:00Z", "services": ["checkout"]}
    return {"id": event_id, "type": "dora_failure", "attributes": {**base, **attributes}}


def test_a_hostile_server_cannot_make_import_write_outside_the_incidents_folder(
    project: ProjectDir, tmp_path: Path
) -> None:
    opened = open_project(project.root)
    store = opened.store()
    items = [
        item("../../../outside-0000000"),
        item("ok:id.with-colons-01", name="../../escape"),
        {"id": "no-attributes-00000000"},
        "not an event",
    ]
    with store.journal(State()) as journal:
        importer = Importer(opened, State(), [], journal, "now", time.time_ns())
        outcome = importer.take(items)
    assert [event_id for _, event_id in outcome.written] == ["ok:id.with-colons-01"]
    (written,) = (project.root / "incidents").rglob("*.yaml")
    assert written.parent == project.root / "incidents/2026"
    assert 'id: "ok:id.with-colons-01"' in written.read_text()
    reasons = dict(outcome.skipped)
    assert "id: has '/'" in reasons["../../../outside-0000000"]
    assert "has no attributes" in reasons["no-attributes-00000000"]
    assert "not an event with an id" in reasons["None"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]
    assert set(store.read().entries) == {written.relative_to(project.root / "incidents")
                                         .with_suffix("").as_posix()}  # fmt: skip
