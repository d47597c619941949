"""The saved plan's pure core: its file round trip, and each check's verdict."""

from __future__ import annotations

import json

import pytest

from dorasync.plan import make_plan
from dorasync.savedplan import (
    Inputs,
    SavedPlan,
    StalePlan,
    check_replan,
    check_state,
    dumps,
    loads,
)
from dorasync.state import State
from dorasync.targets import select
from tests.test_plan import START, incident, state_of

INPUTS = Inputs({"dorasync.yaml": "sha256:1", "incidents/a.yaml": "sha256:2"})


def saved(lineage: str | None = "L1", serial: int = 3) -> SavedPlan:
    plan = make_plan(
        [incident("a", finished_at=START + 1), incident("new")],
        state_of(incident("a"), incident("gone")),
    )
    return SavedPlan(select(plan, ["*"]), lineage, serial, INPUTS, "2026-11-26T09:00:00Z", None)


def test_a_saved_plan_reads_back_as_it_was_written() -> None:
    original = saved()
    text = dumps(original)
    again = loads(text, "plan.json")
    assert again == original
    assert dumps(again) == text
    assert json.loads(text)["inputs"]["names"] == INPUTS.names


@pytest.mark.parametrize(
    ("now", "moved"),
    [
        ({"dorasync.yaml": "sha256:1", "incidents/a.yaml": "sha256:2"}, []),
        ({"dorasync.yaml": "sha256:9", "incidents/a.yaml": "sha256:2"}, ["dorasync.yaml changed"]),
        ({"dorasync.yaml": "sha256:1"}, ["incidents/a.yaml was removed"]),
        (
            {"dorasync.yaml": "sha256:1", "incidents/a.yaml": "sha256:2", "incidents/b.yaml": "x"},
            ["incidents/b.yaml was added"],
        ),
    ],
)
def test_inputs_name_each_file_that_moved(now: dict[str, str], moved: list[str]) -> None:
    assert INPUTS.moved(Inputs(now)) == moved
    assert (INPUTS.names == Inputs(now).names) is (set(now) == set(INPUTS.files))


def test_only_now_compares_the_files_given_alone() -> None:
    assert INPUTS.moved(Inputs({"dorasync.yaml": "sha256:1"}), only_now=True) == []


@pytest.mark.parametrize(
    ("made", "state", "message"),
    [
        (
            (None, 0),
            State("L1", 1),
            "made against an empty state (nothing applied yet), and "
            "state.json is at serial 1 now: an apply ran since",
        ),
        (
            ("L1", 3),
            State("L1", 4),
            "made against serial 3 of state L1, and state.json is at serial 4 now",
        ),
        (("L1", 3), State("L2", 3), "state.json is another state now (L2)"),
        (("L1", 3), State(), "state.json is empty now (was it deleted or restored?)"),
    ],
)
def test_a_saved_plan_is_refused_once_the_state_moved(
    made: tuple[str | None, int], state: State, message: str
) -> None:
    with pytest.raises(StalePlan, match=r"the state moved since plan.json was saved") as caught:
        check_state(saved(*made), state, "state.json", "plan.json")
    assert message in str(caught.value)


def test_the_same_state_passes() -> None:
    check_state(saved("L1", 3), State("L1", 3), "state.json", "plan.json")
    check_state(saved(None, 0), State(), "state.json", "plan.json")


def test_a_replan_that_differs_is_refused_and_one_that_agrees_gives_the_saved_changes() -> None:
    plan = saved().plan
    same = make_plan(
        [incident("a", finished_at=START + 1), incident("new")],
        state_of(incident("a"), incident("gone")),
    )
    result = check_replan(saved(), same, "plan.json")
    assert [c.attributes for c in result.pending] == [c.attributes for c in plan.pending]
    assert all(c.incident is not None for c in result.changes)
    other = make_plan([incident("a", finished_at=START + 2)], state_of(incident("a")))
    with pytest.raises(StalePlan, match="does not give what its inputs give now"):
        check_replan(saved(), other, "plan.json")
