"""The planner: golden cases of declared incidents against a state."""

from __future__ import annotations

from typing import Any

from dorasync.model import Incident
from dorasync.plan import Action, FieldChange, make_plan
from dorasync.render import plan_json, plan_text
from dorasync.state import Entry, State, fingerprint
from dorasync.yamlsource import Mark

START = 1_795_179_720_000_000_000


def incident(key: str, **attributes: Any) -> Incident:
    attrs: dict[str, Any] = {
        "started_at": START,
        "services": ["checkout"],
        "id": f"id-{key}-0123456789",
    }
    attrs.update(attributes)
    return Incident(
        key,
        str(attrs["id"]),
        f"incidents/{key}.yaml",
        attrs,
        {"started_at": Mark(f"incidents/{key}.yaml", 1, 1)},
        "d",
    )


def state_of(*incidents: Incident) -> State:
    entries = {
        i.key: Entry(
            id=i.id,
            file=i.file,
            attributes=dict(i.attributes),
            fingerprint=fingerprint(i.attributes),
            digest="d",
            endpoint="failure",
            applied_at="2026-11-20T15:00:00Z",
        )
        for i in incidents
    }
    return State("lineage", 1, entries)


def test_new_incidents_are_creates_in_file_order() -> None:
    plan = make_plan([incident("b"), incident("a")], State())
    assert [(c.action, c.key) for c in plan.changes] == [(Action.CREATE, "a"), (Action.CREATE, "b")]


def test_plan_is_empty_when_the_state_matches() -> None:
    sent = incident("a")
    plan = make_plan([incident("a")], state_of(sent))
    assert not plan.has_changes
    assert [c.action for c in plan.changes] == [Action.NOOP]


def test_plan_shows_one_update_with_the_field_when_an_incident_is_resolved() -> None:
    plan = make_plan([incident("a", finished_at=START + 60 * 10**9)], state_of(incident("a")))
    (change,) = plan.pending
    assert change.action is Action.UPDATE
    assert change.id == "id-a-0123456789"
    assert change.fields == (FieldChange("finished_at", None, START + 60 * 10**9),)
    assert change.warnings == ()


def test_a_changed_list_or_git_field_is_one_field_with_whole_values() -> None:
    before = incident("a", git={"commit_sha": "a" * 40, "repository_url": "u"})
    after = incident(
        "a", services=["checkout", "cart"], git={"commit_sha": "b" * 40, "repository_url": "u"}
    )
    (change,) = make_plan([after], state_of(before)).pending
    assert change.fields == (
        FieldChange("git.commit_sha", "a" * 40, "b" * 40),
        FieldChange("services", ["checkout"], ["checkout", "cart"]),
    )


def test_removing_a_field_is_an_update_to_absent() -> None:
    (change,) = make_plan([incident("a")], state_of(incident("a", severity="SEV-1"))).pending
    assert change.fields == (FieldChange("severity", "SEV-1", None),)


def test_changing_started_at_warns_that_datadog_may_keep_the_old_event() -> None:
    (change,) = make_plan([incident("a", started_at=START + 1)], state_of(incident("a"))).pending
    assert "may leave the old event in Datadog" in change.warnings[0]


def test_changing_the_id_warns_that_the_old_event_stays() -> None:
    (change,) = make_plan([incident("a", id="new-id-0123456789")], state_of(incident("a"))).pending
    assert "stays in Datadog" in change.warnings[0]


def test_incidents_in_the_state_but_not_declared_are_listed_and_left_alone() -> None:
    plan = make_plan([incident("a")], state_of(incident("a"), incident("gone")))
    assert not plan.has_changes
    assert [(o.key, o.file) for o in plan.orphans] == [("gone", "incidents/gone.yaml")]
    assert "declared no more" in plan_text(plan)


def test_text_plan_reads_like_terraform_without_colour_codes() -> None:
    plan = make_plan(
        [incident("new"), incident("a", finished_at=START + 10**9)], state_of(incident("a"))
    )
    text = plan_text(plan, colour=False)
    assert "  + new  (incidents/new.yaml)" in text
    assert "  ~ a  (incidents/a.yaml)" in text
    assert "      + finished_at = 1795179721000000000  # 2026-11-20T13:02:01Z" in text
    assert text.rstrip().endswith("Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged.")
    assert "\x1b[" not in text
    assert "\x1b[32m" in plan_text(plan, colour=True)


def test_json_plan_has_the_documented_shape() -> None:
    plan = make_plan(
        [incident("new"), incident("a", finished_at=START + 10**9)], state_of(incident("a"))
    )
    body = plan_json(plan)
    assert body["format_version"] == 1
    none = {"create": 0, "update": 0, "delete": 0, "no-op": 0}
    assert body["summary"] == {
        "create": 1,
        "update": 1,
        "delete": 0,
        "no-op": 0,
        "orphaned": 0,
        "deployments": none,
        "links": none,
    }
    update = next(c for c in body["changes"] if c["action"] == "update")
    assert update == {
        "kind": "incident",
        "action": "update",
        "key": "a",
        "id": "id-a-0123456789",
        "file": "incidents/a.yaml",
        "attributes": {
            "started_at": START,
            "services": ["checkout"],
            "id": "id-a-0123456789",
            "finished_at": START + 10**9,
        },
        "fields": [{"field": "finished_at", "before": None, "after": START + 10**9}],
    }


def test_a_large_plan_is_written_in_chunks_that_add_up_to_the_whole_text() -> None:
    from dorasync.render import plan_chunks  # noqa: PLC0415

    plan = make_plan([incident(f"k{n:04d}") for n in range(1234)], State())
    chunks = list(plan_chunks(plan, size=500))
    assert len(chunks) == 3  # 500, 500, then 233 with the summary
    assert "".join(chunks) == plan_text(plan)
    assert plan_text(plan).count("\n  + k") == 1233
