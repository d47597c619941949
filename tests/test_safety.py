"""The safety threshold: apply refuses to update too much of the state at once, unless --force."""

from __future__ import annotations

import pytest

from dorasync.emulator.server import Emulator
from dorasync.plan import make_plan
from dorasync.safety import Unsafe, raise_if_unsafe, unsafe
from tests.review_support import many, posted, read_json
from tests.support import ProjectDir, Runner
from tests.test_plan import incident, state_of


@pytest.mark.parametrize(
    ("existing", "updated", "created", "refused"),
    [
        (9, 9, 0, False),  # below min_existing, every share is allowed
        (10, 3, 0, False),  # 30% is not more than 30%
        (10, 4, 0, True),
        (20, 7, 0, True),
        (20, 6, 50, False),  # creates touch nothing that exists
        (100, 100, 0, True),
    ],
)
def test_a_plan_is_unsafe_when_it_updates_more_than_30_percent_of_at_least_10(
    existing: int, updated: int, created: int, refused: bool
) -> None:
    sent = [incident(f"k{n}") for n in range(existing)]
    declared = [incident(f"k{n}", env="staging") for n in range(updated)]
    declared += sent[updated:] + [incident(f"new{n}") for n in range(created)]
    plan = make_plan(declared, state_of(*sent))
    assert (unsafe(plan, existing) is not None) is refused


def test_the_reason_names_the_share_and_the_fields_changed_most() -> None:
    sent = [incident(f"k{n}") for n in range(10)]
    plan = make_plan([incident(f"k{n}", env="staging") for n in range(10)], state_of(*sent))
    reason = unsafe(plan, 10)
    assert reason is not None
    assert "updates 10 of the 10 incidents already sent (100%)" in reason
    assert "the safety threshold of 30%" in reason
    assert "the fields changed most are env (10)" in reason
    assert "`defaults:` in dorasync.yaml" in reason
    with pytest.raises(Unsafe, match="--force"):
        raise_if_unsafe(plan, 10)
    raise_if_unsafe(plan, 10, share=1.0)


@pytest.fixture
def applied(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> ProjectDir:
    many(project, 12)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    return project


def test_a_change_of_defaults_that_touches_every_incident_is_refused_without_force(
    applied: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    before, state = posted(emulator), applied.state_path.read_bytes()
    many(applied, 12, env="staging")
    plan = run("-C", applied.root, "plan")
    assert "warning: apply will refuse this plan without --force" in plan.err
    result = run("-C", applied.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert "apply refused: this plan updates 12 of the 12 incidents already sent" in result.err
    assert "env (12)" in result.err
    assert posted(emulator) == before
    assert applied.state_path.read_bytes() == state
    forced = run("-C", applied.root, "apply", "--auto-approve", "--force", env=api_env)
    assert forced.code == 0, forced.text
    assert "12 sent (0 created, 12 updated)" in forced.out


def test_a_saved_plan_above_the_threshold_needs_force_too(
    applied: ProjectDir, run: Runner, api_env: dict[str, str]
) -> None:
    many(applied, 12, env="staging")
    assert run("-C", applied.root, "plan", "--out", "plan.json").code == 0
    saved = read_json(applied.root / "plan.json")
    assert "updates 12 of the 12" in saved["unsafe"]
    refused = run("-C", applied.root, "apply", "plan.json", env=api_env)
    assert refused.code == 1
    assert "apply refused" in refused.err
    assert run("-C", applied.root, "apply", "plan.json", "--force", env=api_env).code == 0


def test_the_threshold_is_set_in_dorasync_yaml(
    applied: ProjectDir, run: Runner, api_env: dict[str, str]
) -> None:
    many(applied, 12, env="staging")
    config = applied.root / "dorasync.yaml"
    config.write_text(config.read_text() + "safety:\n  update_threshold: 1\n")
    result = run("-C", applied.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0, result.text


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "update_threshold: 30%",
            "dorasync.yaml:3:21: safety.update_threshold: '30%' is not a share",
        ),
        ("update_threshold: 0", "safety.update_threshold: '0' is not a share"),
        ("min_existing: ten", "safety.min_existing: 'ten' is not a whole number"),
        (
            "max_share: 0.5",
            "safety.max_share: unknown field; known fields: update_threshold, "
            "delete_threshold, min_existing",
        ),
    ],
)
def test_a_bad_threshold_setting_is_reported_at_its_line(
    project: ProjectDir, run: Runner, setting: str, message: str
) -> None:
    project.config(f"safety:\n  {setting}\n")
    result = run("-C", project.root, "plan")
    assert result.code == 1
    assert message in result.err
