"""What a plan does to the report: the touched service / env groups, before and after."""

from __future__ import annotations

import json
from typing import Any

from dorasync.impact import impact_data, impact_markdown, impact_text, plan_impact
from dorasync.model import Incident
from dorasync.plan import Action, Change, Plan, make_plan
from dorasync.reportjson import dumps
from dorasync.state import Entry, State, fingerprint
from dorasync.timestamps import datetime_to_ns
from dorasync.yamlsource import Mark
from tests.report_cases import MINUTE

NOW = datetime_to_ns("2026-11-26T12:00:00Z")
DAY = 24 * 60 * MINUTE


def incident(key: str, days_ago: int, minutes: int | None, **attributes: Any) -> Incident:
    start = NOW - days_ago * DAY
    attrs: dict[str, Any] = {"started_at": start, "id": f"id-{key}-0123456789", "env": "prod"}
    attrs["services"] = ["checkout"]
    attrs.update(attributes)
    if minutes is not None:
        attrs["finished_at"] = start + minutes * MINUTE
    file = f"incidents/{key}.yaml"
    return Incident(key, attrs["id"], file, attrs, {"started_at": Mark(file, 1, 1)}, "d")


def state_of(*incidents: Incident) -> State:
    entries = {
        i.key: Entry(
            i.id, i.file, dict(i.attributes), fingerprint(i.attributes), "d", "failure", ""
        )
        for i in incidents
    }
    return State("lineage", 1, entries)


def impact_of(declared: list[Incident], sent: list[Incident]) -> str:
    state = state_of(*sent)
    effect = plan_impact(make_plan(declared, state), state, NOW)
    assert effect is not None
    return impact_text(effect)


THREE = [incident("a", 10, 20), incident("b", 20, 42), incident("c", 30, 88)]


def test_a_new_incident_shows_the_new_median_band_and_count_of_its_group() -> None:
    text = impact_of([*THREE, incident("d", 5, 100)], THREE)
    assert text.splitlines() == [
        "Impact on the report (incidents started in the last 90 days, by service / env):",
        "  checkout / prod: median time to restore 42m -> 1h05m (elite -> high), incidents 3 -> 4",
        "  all incidents: median time to restore 42m -> 1h05m (elite -> high), incidents 3 -> 4",
    ]


def test_resolving_an_ongoing_incident_shows_the_change_in_median_time_to_restore() -> None:
    ongoing = incident("o", 2, None, services=["payments", "checkout"])
    resolved = incident("o", 2, 60, services=["payments", "checkout"])
    text = impact_of([THREE[0], resolved], [THREE[0], ongoing])
    assert text.splitlines()[1:] == [
        "  checkout / prod: median time to restore 20m -> 40m, open 1 -> 0",
        "  payments / prod: median time to restore none -> 1h, open 1 -> 0",
        "  all incidents: median time to restore 20m -> 40m, open 1 -> 0",
    ]


def test_moving_an_incident_to_another_service_touches_both_groups() -> None:
    moved = incident("a", 10, 20, services=["search"])
    text = impact_of([moved, *THREE[1:]], THREE)
    assert text.splitlines()[1:] == [
        "  checkout / prod: median time to restore 42m -> 1h05m (elite -> high), incidents 3 -> 2",
        "  search / prod: median time to restore none -> 20m, incidents 0 -> 1",
        "  all incidents: no change to the numbers",
    ]


def test_a_change_that_moves_no_number_says_so() -> None:
    renamed = incident("a", 10, 20, name="Checkout slow")
    assert impact_of([renamed, *THREE[1:]], THREE).splitlines()[1] == (
        "  checkout / prod: no change to the numbers"
    )


def test_a_change_to_an_incident_older_than_90_days_touches_no_group() -> None:
    old = incident("z", 120, 30)
    assert impact_of([*THREE, old], THREE) == (
        "Impact on the report: none; no changed incident started in the last 90 days.\n"
    )


def test_an_incident_without_services_is_in_the_no_service_group() -> None:
    team_only = incident("t", 3, 15, services=None, team="search")
    del team_only.attributes["services"]
    assert "  (no service) / prod: median time to restore none -> 15m, incidents 0 -> 1" in (
        impact_of([*THREE, team_only], THREE)
    )


def test_a_retraction_takes_the_incident_out_of_the_after_numbers() -> None:
    # Retractions arrive with issue 5 as DELETE changes; the impact already reads them.
    state = state_of(*THREE)
    gone = THREE[2]
    keep = [Change(Action.NOOP, i.key, i.id, i.file, i.attributes) for i in THREE[:2]]
    plan = Plan((*keep, Change(Action.DELETE, gone.key, gone.id, gone.file, gone.attributes)))
    effect = plan_impact(plan, state, NOW)
    assert effect is not None
    assert impact_text(effect).splitlines()[1] == (
        "  checkout / prod: median time to restore 42m -> 31m, incidents 3 -> 2"
    )


def test_a_plan_without_changes_has_no_impact() -> None:
    state = state_of(*THREE)
    assert plan_impact(make_plan(THREE, state), state, NOW) is None


def test_the_json_impact_gives_both_sides_of_each_group_in_exact_seconds() -> None:
    state = state_of(*THREE)
    effect = plan_impact(make_plan([*THREE, incident("d", 5, 100)], state), state, NOW)
    assert effect is not None
    data = json.loads(dumps(impact_data(effect)))
    assert data["window"] == {
        "since": "2026-08-28T12:00:00Z",
        "until": "2026-11-26T12:00:00Z",
        "tz": "UTC",
    }
    assert data["by"] == ["service", "env"]
    assert [g["by"] for g in data["groups"]] == [{}, {"service": "checkout", "env": "prod"}]
    checkout = data["groups"][1]
    assert (checkout["before"]["ttr_seconds"]["median"], checkout["before"]["band"]) == (
        2520.0,
        "elite",
    )
    assert checkout["after"] == {
        "incidents": 4,
        "open": 0,
        "ttr_seconds": {"median": 3900.0, "mean": 3750.0, "p90": 6000.0},
        "impact_hours": 4.166666667,
        "band": "high",
    }


def test_the_markdown_impact_is_a_table_for_a_pull_request() -> None:
    state = state_of(*THREE)
    effect = plan_impact(make_plan([*THREE, incident("d", 5, 100)], state), state, NOW)
    assert effect is not None
    assert impact_markdown(effect).splitlines()[4:7] == [
        "| group | change |",
        "|---|---|",
        "| checkout / prod "
        "| median time to restore 42m -> 1h05m (elite -> high), incidents 3 -> 4 |",
    ]


def test_a_saved_plan_gives_the_same_before_side_as_the_state_it_was_made_from() -> None:
    """`show FILE` has no state: it reads the before side back from the plan."""
    from dorasync.impact import sides  # noqa: PLC0415

    sent = [
        *THREE,
        incident("e", 3, None, git={"commit_sha": "a" * 40, "repository_url": "u"}),
        incident("f", 4, 30, severity="SEV-1"),
    ]
    declared = [
        incident("a", 10, 25),
        incident("b", 20, 42, services=["checkout", "cart"]),
        incident("c", 30, 88),
        incident("e", 3, 60, git={"commit_sha": "b" * 40, "repository_url": "u"}),
        incident("f", 4, 30),
        incident("new", 1, 5),
    ]
    state = state_of(*sent)
    plan = make_plan(declared, state)
    assert sides(plan) == sides(plan, state)
