"""The planner's lifecycle: retractions, vanished files (--prune), renames, deletes' safety."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from dorasync.impact import plan_impact, sides
from dorasync.markdown import plan_markdown
from dorasync.model import Incident
from dorasync.plan import NEVER_SENT, Action, Cause, make_plan
from dorasync.render import plan_json, plan_text
from dorasync.safety import unsafe
from dorasync.savedplan import Inputs, SavedPlan, dumps, loads
from dorasync.state import State
from dorasync.targets import select
from tests.test_plan import START, incident, state_of


def retracted(key: str, reason: str | None = "a duplicate", **attributes: Any) -> Incident:
    return replace(incident(key, **attributes), retracted=True, retracted_reason=reason)


def tombstone(state: State, key: str) -> State:
    entries = dict(state.entries)
    entries[key] = replace(entries[key], retracted_at="2026-11-21T00:00:00Z", digest="")
    return replace(state, entries=entries)


def test_a_retracted_incident_that_was_sent_is_one_delete_of_the_id_sent() -> None:
    sent = incident("a")
    plan = make_plan([retracted("a", id="edited-id-0123456789")], state_of(sent))
    (change,) = plan.pending
    assert (change.action, change.cause, change.reason) == (
        Action.DELETE,
        Cause.RETRACTED,
        "a duplicate",
    )
    # The event to delete is the one the state says was sent, whatever the file says now.
    assert change.id == sent.id
    text = plan_text(plan)
    assert "  - a  (incidents/a.yaml)  # retracted: a duplicate" in text
    assert f'        id = "{sent.id}"' in text
    assert "Plan: 0 to create, 0 to update, 1 to delete, 0 unchanged." in text


def test_a_retracted_incident_never_sent_is_not_sent_and_the_plan_says_so() -> None:
    plan = make_plan([retracted("a")], State())
    assert not plan.has_changes
    (note,) = plan.notes
    assert note.warnings == (NEVER_SENT,)
    text = plan_text(plan)
    assert f"  ! a  (incidents/a.yaml): {NEVER_SENT}" in text
    assert "No changes: 1 incident match the state." in text


def test_a_retraction_recorded_in_the_state_plans_nothing() -> None:
    plan = make_plan([retracted("a")], tombstone(state_of(incident("a")), "a"))
    assert not plan.has_changes
    assert plan.notes == ()
    assert plan.orphans == ()


def test_taking_a_retraction_back_sends_the_incident_again_with_a_warning() -> None:
    (change,) = make_plan([incident("a")], tombstone(state_of(incident("a")), "a")).pending
    assert change.action is Action.CREATE
    assert "was retracted (deleted from Datadog) at 2026-11-21T00:00:00Z" in change.warnings[0]


def test_a_retracted_entry_whose_file_is_gone_is_no_orphan() -> None:
    plan = make_plan([], tombstone(state_of(incident("a")), "a"), prune=True)
    assert (plan.changes, plan.orphans) == ((), ())


def test_an_orphan_is_listed_with_what_to_do_and_deleted_only_with_prune() -> None:
    state = state_of(incident("a"), incident("gone"))
    listed = make_plan([incident("a")], state)
    assert not listed.has_changes
    text = plan_text(listed)
    assert "  ? gone  id id-gone-0123456789  (was incidents/gone.yaml)" in text
    assert "`dorasync apply --prune` deletes their events" in text
    assert "`dorasync state rm KEY` forgets one" in text
    pruned = make_plan([incident("a")], state, prune=True)
    (change,) = pruned.pending
    assert (change.action, change.cause, change.key, change.id) == (
        Action.DELETE,
        Cause.PRUNED,
        "gone",
        "id-gone-0123456789",
    )
    assert pruned.orphans == ()
    assert "  - gone  (was incidents/gone.yaml)  # the file is gone" in plan_text(pruned)


def test_a_moved_file_is_seen_as_a_rename_with_both_ways_to_keep_the_id() -> None:
    old = incident("2025/old", id="id-old-0123456789")
    new = incident("2026/new", id="id-new-0123456789")
    plan = make_plan([new, incident("other", name="x")], state_of(old))
    (rename,) = plan.renames
    assert (rename.old.key, rename.new.key, rename.old.id) == (
        "2025/old",
        "2026/new",
        "id-old-0123456789",
    )
    text = plan_text(plan)
    assert "  2025/old -> 2026/new  (incidents/2026/new.yaml)" in text
    assert "`dorasync state mv 2025/old 2026/new`" in text
    assert "or write `key: 2025/old` in incidents/2026/new.yaml" in text


def test_a_new_incident_with_other_attributes_is_no_rename() -> None:
    plan = make_plan([incident("new", name="another")], state_of(incident("old")))
    assert plan.renames == ()


def test_each_orphan_is_paired_with_one_create_at_most() -> None:
    plan = make_plan([incident("n1"), incident("n2")], state_of(incident("old")))
    assert [(r.old.key, r.new.key) for r in plan.renames] == [("old", "n1")]


def test_renames_are_found_in_linear_time_over_many_files() -> None:
    olds = [incident(f"old{n}", started_at=START + n) for n in range(3000)]
    news = [incident(f"new{n}", started_at=START + n) for n in range(3000)]
    plan = make_plan(news, state_of(*olds))
    assert len(plan.renames) == 3000
    assert {(r.old.key[3:], r.new.key[3:]) for r in plan.renames} == {
        (str(n), str(n)) for n in range(3000)
    }


@pytest.mark.parametrize(
    ("existing", "deleted", "refused"),
    [(9, 9, False), (10, 3, False), (10, 4, True), (40, 13, True), (40, 12, False)],
)
def test_deletes_count_against_their_own_threshold(
    existing: int, deleted: int, refused: bool
) -> None:
    sent = [incident(f"k{n}") for n in range(existing)]
    plan = make_plan(sent[deleted:], state_of(*sent), prune=True)
    assert plan.count(Action.DELETE) == deleted
    reason = unsafe(plan, existing)
    assert (reason is not None) is refused
    if reason:
        assert f"deletes {deleted} of the {existing} incidents" in reason
        assert f"{deleted} pruned" in reason
        assert "safety.delete_threshold" in reason


def test_the_json_plan_carries_cause_reason_prune_and_renames() -> None:
    state = state_of(incident("a"), incident("old", id="id-old-0123456789"))
    plan = make_plan([retracted("a"), incident("new", id="id-new-0123456789")], state, prune=False)
    body = plan_json(plan)
    delete = next(c for c in body["changes"] if c["action"] == "delete")
    assert (delete["cause"], delete["reason"]) == ("retracted", "a duplicate")
    assert "cause" not in next(c for c in body["changes"] if c["action"] == "create")
    assert body["renames"] == [
        {
            "from": {"key": "old", "id": "id-old-0123456789", "file": "incidents/old.yaml"},
            "to": {"key": "new", "id": "id-new-0123456789", "file": "incidents/new.yaml"},
        }
    ]
    assert body["prune"] is False
    assert body["summary"]["delete"] == 1


def test_a_saved_plan_keeps_prune_causes_and_renames() -> None:
    state = state_of(incident("a"), incident("old"), incident("gone", name="g"))
    plan = make_plan([retracted("a"), incident("new")], state, prune=True)
    saved = SavedPlan(
        plan, "L", 1, Inputs({"dorasync.yaml": "sha256:" + "0" * 64}), "2026-11-26T09:00:00Z"
    )
    again = loads(dumps(saved), "plan.json").plan
    assert again.prune is True
    assert again.renames == plan.renames
    assert [(c.action, c.key, c.cause, c.reason) for c in again.changes] == [
        (c.action, c.key, c.cause, c.reason) for c in plan.changes
    ]


def test_the_markdown_plan_names_deletes_renames_and_what_is_not_sent() -> None:
    state = state_of(incident("a"), incident("old"))
    plan = make_plan([retracted("a"), incident("new"), retracted("never")], state)
    text = plan_markdown(plan)
    assert (
        "| delete | <code>a</code> | <code>incidents/a.yaml</code> | retracted: a duplicate |"
        in (text)
    )
    assert "- started_at = 1795179720000000000  # 2026-11-20T13:02:00Z" in text
    assert "**Looks like a rename:** <code>old</code> → <code>new</code>" in text
    assert "<code>never</code>: retracted, and never sent" in text


def test_a_retraction_and_a_prune_leave_the_report_numbers_as_datadog_will_have_them() -> None:
    state = state_of(incident("a"), incident("b"), incident("gone"))
    plan = make_plan([retracted("a"), incident("b"), retracted("never")], state, prune=True)
    before, after, _ = sides(plan, state)
    assert sorted(r.key for r in before) == ["a", "b"]
    assert [r.key for r in after] == ["b"]
    # Read back from a saved plan alone (no state), the sides are the same.
    before, after, _ = sides(plan)
    assert (sorted(r.key for r in before), [r.key for r in after]) == (["a", "b"], ["b"])
    assert plan_impact(plan, state, START) is not None
    json.dumps(plan_json(plan))


def test_a_partial_plan_keeps_the_renames_of_the_incidents_it_targets() -> None:
    state = state_of(incident("2025/old"), incident("2025/other", name="o"))
    plan = make_plan([incident("2026/new"), incident("2026/else", name="o")], state)
    assert len(plan.renames) == 2
    assert [r.new.key for r in select(plan, ["2026/new"]).renames] == ["2026/new"]
    assert [r.old.key for r in select(plan, ["2025/other"]).renames] == ["2025/other"]
