"""Drift's core: a read back in the one normal form, compared at the server's precision."""

from __future__ import annotations

from typing import Any

import pytest

from dorasync.drift import mark, refresh
from dorasync.plan import Action, Cause, FieldChange, make_plan
from dorasync.remote import BadRead, Remote, differences, merged, read_item, same
from tests.test_plan import START, incident, state_of

SENT_NS = 1_795_179_720_123_456_789  # 2026-11-20T13:02:00.123456789Z


def item(**attributes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"started_at": "2026-11-20T13:02:00Z", "services": ["checkout"]}
    return {"id": "id-a-0123456789", "type": "dora_failure", "attributes": {**base, **attributes}}


@pytest.mark.parametrize(
    ("written", "ns", "unit"),
    [
        ("2026-11-20T13:02:00Z", 1_795_179_720_000_000_000, 10**9),
        ("2026-11-20T13:02:00.123Z", 1_795_179_720_123_000_000, 10**6),
        ("2026-11-20T15:02:00.5+02:00", 1_795_179_720_500_000_000, 10**8),
        ("2026-11-20T13:02:00.123456789Z", SENT_NS, 1),
        (1_795_179_720, 1_795_179_720_000_000_000, 10**9),
        (1_795_179_720_123, 1_795_179_720_123_000_000, 10**6),
        (1_795_179_720_123_456_789, SENT_NS, 1),
    ],
)
def test_a_read_time_becomes_nanoseconds_with_the_precision_it_was_written_at(
    written: object, ns: int, unit: int
) -> None:
    remote = read_item(item(started_at=written))
    assert (remote.attributes["started_at"], remote.units["started_at"]) == (ns, unit)


def test_a_read_is_put_in_the_sent_form_with_the_id_inside_and_empty_values_left_out() -> None:
    remote = read_item(
        item(finished_at=None, custom_tags=[], env="", team="search", source="computed")
    )
    assert remote.attributes == {
        "id": "id-a-0123456789",
        "started_at": 1_795_179_720_000_000_000,
        "services": ["checkout"],
        "team": "search",
    }


@pytest.mark.parametrize(
    "bad",
    [None, {"attributes": {}}, {"id": "x", "attributes": {"services": ["a"]}}, item(started_at=3)],
)
def test_a_read_that_is_no_event_is_refused(bad: Any) -> None:
    with pytest.raises(BadRead):
        read_item(bad)


@pytest.mark.parametrize(
    ("name", "sent", "read", "unit", "equal"),
    [
        ("started_at", SENT_NS, 1_795_179_720_000_000_000, 10**9, True),  # truncated
        ("started_at", SENT_NS + 400_000_000, 1_795_179_721_000_000_000, 10**9, True),  # rounded
        ("started_at", SENT_NS, 1_795_179_721_000_000_000, 10**9, False),  # not a rounding
        ("started_at", SENT_NS, 1_795_179_720_123_000_000, 10**6, True),
        ("started_at", SENT_NS, 1_795_179_720_124_000_000, 10**6, False),
        ("services", ["a", "b"], ["b", "a"], 1, True),
        ("services", ["a", "b"], ["a"], 1, False),
        ("name", "x", "x", 1, True),
        ("name", "x", None, 1, False),
        ("git", {"commit_sha": "a" * 40}, {"commit_sha": "a" * 40}, 1, True),
    ],
)
def test_values_are_compared_in_one_normal_form(
    name: str, sent: Any, read: Any, unit: int, equal: bool
) -> None:
    assert same(name, sent, read, unit) is equal


def test_an_event_read_at_seconds_precision_has_not_drifted() -> None:
    remote = read_item(item(finished_at="2026-11-20T14:05:00Z"))
    sent = {
        "id": "id-a-0123456789",
        "started_at": SENT_NS,
        "finished_at": 1_795_183_500_999_999_999,
        "services": ["checkout"],
    }
    assert differences(sent, remote) == ()


def test_a_field_changed_in_datadog_is_a_difference_with_datadogs_value_before() -> None:
    remote = read_item(item(name="renamed in the UI", services=["checkout", "cart"]))
    sent = {
        "id": "id-a-0123456789",
        "started_at": SENT_NS,
        "services": ["checkout"],
        "name": "Checkout slow",
    }
    assert differences(sent, remote) == (
        FieldChange("name", "renamed in the UI", "Checkout slow"),
        FieldChange("services", ["checkout", "cart"], ["checkout"]),
    )
    kept = merged(sent, remote)
    # Datadog's values where it differs; the sent nanoseconds where it does not.
    assert kept == {
        "id": "id-a-0123456789",
        "started_at": SENT_NS,
        "services": ["checkout", "cart"],
        "name": "renamed in the UI",
    }


def test_a_field_the_server_does_not_echo_or_adds_itself_is_no_drift() -> None:
    """A server that leaves out custom_tags, or fills in a team from its catalogue,
    would otherwise show drift on every refresh that no send can repair."""
    remote = read_item(item(started_at="2026-11-20T13:02:00.123456789Z", team="catalogue"))
    sent = {
        "id": "id-a-0123456789",
        "started_at": SENT_NS,
        "services": ["checkout"],
        "custom_tags": ["cause:config"],
    }
    assert differences(sent, remote) == ()


def test_an_incident_reopened_in_datadog_is_drift_in_finished_at() -> None:
    remote = read_item(item())
    sent = {
        "id": "id-a-0123456789",
        "started_at": 1_795_179_720_000_000_000,
        "services": ["checkout"],
        "finished_at": 1_795_183_500_000_000_000,
    }
    assert differences(sent, remote) == (
        FieldChange("finished_at", None, 1_795_183_500_000_000_000),
    )


def test_refresh_removes_deleted_events_and_records_changed_ones_for_the_plan() -> None:
    a, b, c = incident("a"), incident("b"), incident("c")
    state = state_of(a, b, c)
    changed = Remote(b.id, {**b.attributes, "services": ["edited"]}, {"started_at": 10**9})
    found = refresh(state, {"a": None, "b": changed, "c": Remote(c.id, dict(c.attributes))})
    assert [(d.key, d.deleted) for d in found.drift] == [("a", True), ("b", False)]
    entry_b = found.changes["b"]
    assert found.changes["a"] is None
    assert entry_b is not None
    assert (entry_b.attributes["services"], entry_b.digest) == (["edited"], "")
    plan = mark(make_plan([a, b, c], found.apply_to(state)), found)
    restores = {ch.key: (ch.action, ch.cause) for ch in plan.pending}
    assert restores == {"a": (Action.CREATE, Cause.DRIFT), "b": (Action.UPDATE, Cause.DRIFT)}
    (update,) = [ch for ch in plan.pending if ch.key == "b"]
    assert update.fields == (FieldChange("services", ["edited"], ["checkout"]),)


def test_a_refresh_that_finds_nothing_changes_nothing() -> None:
    a = incident("a", started_at=START)
    state = state_of(a)
    found = refresh(state, {"a": Remote(a.id, dict(a.attributes))})
    assert (found.changes, found.drift, found.read) == ({}, (), 1)
    assert found.apply_to(state) is state
