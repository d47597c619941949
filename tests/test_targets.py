"""--target: a plan (and an apply) limited to some incidents, said to be partial."""

from __future__ import annotations

import json

import pytest

from dorasync.emulator.server import Emulator
from dorasync.plan import Action, make_plan
from dorasync.render import plan_json, plan_text
from dorasync.targets import NoMatch, select
from tests.review_support import posted, sample
from tests.support import ProjectDir, Runner
from tests.test_plan import incident, state_of

PLAN = make_plan(
    [incident("2026/a"), incident("2026/b"), incident("2025/c")],
    state_of(incident("2026/a"), incident("old/gone")),
)


@pytest.mark.parametrize(
    ("targets", "keys"),
    [
        (("2026/a",), ["2026/a"]),
        (("2026/*",), ["2026/a", "2026/b"]),
        (("incidents/2025/c.yaml",), ["2025/c"]),
        (("incidents/*/b.yaml", "2025/c"), ["2025/c", "2026/b"]),
        (("*",), ["2025/c", "2026/a", "2026/b", "old/gone"]),
        (("old/gone",), ["old/gone"]),
        (("2026/a", "2026/a"), ["2026/a"]),
    ],
)
def test_a_target_selects_incidents_by_key_or_file_exactly_or_by_glob(
    targets: tuple[str, ...], keys: list[str]
) -> None:
    selected = select(PLAN, targets)
    chosen = [c.key for c in selected.changes] + [o.key for o in selected.orphans]
    assert sorted(chosen) == keys
    assert selected.targets == tuple(dict.fromkeys(targets))


def test_no_target_is_the_whole_plan() -> None:
    assert select(PLAN, ()) is PLAN


def test_a_target_that_matches_nothing_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(NoMatch, match=r"--target '2026/aa' matches no incident.*did you mean"):
        select(PLAN, ["2026/a", "2026/aa"])


def test_every_rendering_of_a_partial_plan_says_it_is_partial() -> None:
    selected = select(PLAN, ["2026/*"])
    assert (
        "Partial plan: only the 2 incidents matching --target 2026/*; the others were not compared."
    ) in plan_text(selected)
    body = plan_json(selected)
    assert (body["partial"], body["targets"]) == (True, ["2026/*"])
    assert body["summary"][Action.CREATE.value] == 1
    assert plan_json(PLAN)["partial"] is False


def test_plan_with_targets_shows_only_those_and_says_partial(
    project: ProjectDir, run: Runner
) -> None:
    sample(project)
    result = run("-C", project.root, "plan", "--target", "2026/*", "--json")
    assert result.code == 0
    body = json.loads(result.out)
    assert sorted(c["key"] for c in body["changes"]) == ["2026/ongoing", "2026/resolved"]
    assert body["partial"] is True


def test_apply_with_a_target_sends_only_that_incident(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    sample(project)
    result = run(
        "-C", project.root, "apply", "--auto-approve", "--target", "2026/ongoing", env=api_env
    )
    assert result.code == 0, result.text
    assert "Partial plan: only the 1 incident matching --target 2026/ongoing" in result.out
    assert [a["name"] for a in emulator.failures().values()] == ["Card payments failing"]
    assert sum(posted(emulator).values()) == 1
    after = run("-C", project.root, "plan")
    assert "Plan: 2 to create, 0 to update, 0 to delete, 1 unchanged." in after.out


def test_a_mistyped_target_exits_1_and_sends_nothing(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    sample(project)
    result = run(
        "-C", project.root, "apply", "--auto-approve", "--target", "2026/ongoin", env=api_env
    )
    assert result.code == 1
    assert "did you mean '2026/ongoing'?" in result.err
    assert posted(emulator) == {}
