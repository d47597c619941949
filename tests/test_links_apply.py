"""Links to deployments, planned and applied against the emulator on loopback (issue 8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator, Faults
from tests.review_support import read_json
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner
from tests.test_schemas import errors, plan_schema

FAILED = "deploy-checkout-v1-12-07"  # the deployment that caused the incident
FIX = "deploy-checkout-v1-12-08"  # the one that remediated it
OTHER = "deploy-checkout-v1-12-06"
LINK = (
    f"caused_by:\n  deployment_id: {FAILED}\n"
    f"remediation:\n  type: rollback\n  deployment_id: {FIX}\n"
)
INCIDENT = """\
name: Checkout latency above SLO
services: [checkout]
started_at: 2026-11-20T13:02:00Z
finished_at: 2026-11-20T14:05:00Z
"""


def deployment(project: ProjectDir, name: str, version: str, start: str, event_id: str) -> None:
    folder = project.root / "deployments"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"service: checkout\nenv: prod\nversion: {version}\nid: {event_id}\n"
        f"started_at: 2026-11-20T{start}:00Z\nfinished_at: 2026-11-20T{start}:30Z\n"
    )


@pytest.fixture
def linked(project: ProjectDir) -> ProjectDir:
    """Three deployments of checkout, and an incident caused by the second one."""
    deployment(project, "v1.12.06", "v1.12.06", "10:00", OTHER)
    deployment(project, "v1.12.07", "v1.12.07", "12:00", FAILED)
    deployment(project, "v1.12.08", "v1.12.08", "14:00", FIX)
    project.incident("2026/latency.yaml", INCIDENT + LINK)
    return project


def patches(emulator: Emulator) -> list[dict[str, object]]:
    return emulator.patches()


def sent(emulator: Emulator) -> int:
    """How many API requests the emulator answered so far."""
    counts = emulator.stats()["requests"]
    assert isinstance(counts, dict)
    return sum(counts.values())


def apply(project: ProjectDir, run: Runner, env: dict[str, str]) -> str:
    result = run("-C", project.root, "apply", "--auto-approve", env=env)
    assert result.code == 0, result.text
    return result.text


def edit(project: ProjectDir, old: str, new: str) -> None:
    path = project.root / "incidents/2026/latency.yaml"
    path.write_text(path.read_text().replace(old, new))


def test_an_incident_with_a_link_sends_exactly_one_correct_patch_with_the_app_key(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    plan = run("-C", linked.root, "plan")
    assert f"      ~ mark deployment {FAILED} as change failure (rollback -> {FIX})\n" in plan.out
    out = apply(linked, run, api_env)
    assert f"2026/latency: deployment {FAILED} marked as change failure" in out
    assert patches(emulator) == [
        {
            "path": f"/api/v2/dora/deployments/{FAILED}",
            "body": {
                "data": {
                    "type": "dora_deployment_patch_request",
                    "id": FAILED,
                    "attributes": {
                        "change_failure": True,
                        "remediation": {"type": "rollback", "id": FIX},
                    },
                }
            },
        }
    ]
    assert emulator.stats()["requests"]["PATCH /api/v2/dora/deployments/{id} 202"] == 1  # type: ignore[index]
    marked = emulator.deployments()[FAILED]
    assert (marked["change_failure"], marked["remediation"]) == (
        True,
        {"type": "rollback", "id": FIX},
    )
    link = read_json(linked.state_path)["links"]["2026/latency"]
    assert link["id"] == FAILED
    assert link["attributes"] == {
        "deployment": {"id": FAILED},
        "remediation": {"type": "rollback", "id": FIX},
    }


def test_without_the_app_key_a_link_is_refused_before_anything_is_sent(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", linked.root, "apply", "--auto-approve", env={**api_env, "DD_APP_KEY": ""})
    assert result.code == 1
    assert (
        "error: DD_APP_KEY is not set, and changing the change-failure mark of 1 deployment "
        "needs Datadog's application key" in result.err
    )
    assert emulator.stats()["requests"] == {}
    assert emulator.deployments() == {}
    assert not linked.state_path.exists()


def test_a_second_apply_sends_no_patch_when_the_link_did_not_change(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    emulator.reset()
    again = run("-C", linked.root, "plan", "--detailed-exitcode")
    assert again.code == 0, again.out
    assert "change-failure marks: 0 to send, 0 to take back, 1 unchanged" in again.out
    apply(linked, run, api_env)
    assert emulator.stats()["requests"] == {}


def test_changing_the_remediation_sends_one_new_patch(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    edit(linked, "type: rollback", "type: rollforward")
    plan = run("-C", linked.root, "plan")
    assert (
        f"~ mark deployment {FAILED} as change failure (rollforward -> {FIX}, "
        f"was rollback -> {FIX})" in plan.out
    )
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged" in plan.out
    before = sent(emulator)
    apply(linked, run, api_env)
    assert sent(emulator) - before == 1
    assert [p["body"] for p in patches(emulator)[1:]] == [
        {
            "data": {
                "type": "dora_deployment_patch_request",
                "id": FAILED,
                "attributes": {
                    "change_failure": True,
                    "remediation": {"type": "rollforward", "id": FIX},
                },
            }
        }
    ]


def test_removing_the_link_sends_change_failure_false_and_forgets_it(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    edit(linked, LINK, "")
    plan = run("-C", linked.root, "plan")
    assert "~ mark deployment" not in plan.out
    assert (
        f"      ~ unmark deployment {FAILED}: not a change failure "
        "(the incident names it no more)" in plan.out
    )
    apply(linked, run, api_env)
    assert patches(emulator)[-1] == {
        "path": f"/api/v2/dora/deployments/{FAILED}",
        "body": {
            "data": {
                "type": "dora_deployment_patch_request",
                "id": FAILED,
                "attributes": {"change_failure": False},
            }
        },
    }
    assert emulator.deployments()[FAILED]["change_failure"] is False
    assert "links" not in read_json(linked.state_path)
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0


def test_retracting_the_incident_unmarks_its_deployment(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    edit(linked, "finished_at", "retracted: true\nfinished_at")
    out = apply(linked, run, api_env)
    assert "not a change failure (the incident is retracted)" in out
    assert emulator.deployments()[FAILED]["change_failure"] is False
    assert "2026/latency: deployment " + FAILED + " unmarked" in out
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0


def test_a_link_moved_to_another_deployment_marks_it_and_unmarks_the_old_one(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    edit(linked, f"deployment_id: {FAILED}", f"deployment_id: {OTHER}")
    plan = run("-C", linked.root, "plan")
    assert f"~ mark deployment {OTHER} as change failure (rollback -> {FIX})" in plan.out
    assert f"~ unmark deployment {FAILED}: not a change failure (the incident names" in plan.out
    apply(linked, run, api_env)
    stored = emulator.deployments()
    assert (stored[OTHER]["change_failure"], stored[FAILED]["change_failure"]) == (True, False)
    assert read_json(linked.state_path)["links"]["2026/latency"]["id"] == OTHER


def test_a_link_by_service_env_and_version_uses_the_by_version_patch(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    edit(linked, LINK, "caused_by: {service: checkout, env: prod, version: v1.12.07}\n"
         "remediation: {type: rollback, version: v1.12.06}\n")  # fmt: skip
    plan = run("-C", linked.root, "plan")
    assert (
        "~ mark deployment checkout/prod@v1.12.07 as change failure "
        "(rollback -> version v1.12.06)" in plan.out
    )
    apply(linked, run, api_env)
    assert patches(emulator) == [
        {
            "path": "/api/v2/dora/deployments",
            "body": {
                "data": {
                    "type": "dora_deployment_patch_request",
                    "attributes": {
                        "service": "checkout",
                        "env": "prod",
                        "version": "v1.12.07",
                        "change_failure": True,
                        "remediation": {"type": "rollback", "version": "v1.12.06"},
                    },
                }
            },
        }
    ]
    assert emulator.deployments()[FAILED]["change_failure"] is True


def test_a_bad_remediation_type_is_an_error_at_its_line_and_sends_nothing(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    edit(linked, "type: rollback", "type: revert")
    result = run("-C", linked.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert (
        "incidents/2026/latency.yaml:8:9: remediation.type: 'revert' is not a remediation "
        "type; write rollback or rollforward" in result.err
    )
    assert "Traceback" not in result.text
    assert emulator.stats()["requests"] == {}
    assert not linked.state_path.exists()


def test_a_deployment_datadog_does_not_have_fails_that_link_alone_at_its_line(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    edit(linked, f"deployment_id: {FAILED}", "deployment_id: z_RwVLi7v4Y")
    result = run("-C", linked.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert "4 sent (1 created, 0 updated, 3 deployments sent), 1 failed" in result.out
    assert (
        "incidents/2026/latency.yaml:6:3: 2026/latency: Datadog refused its change-failure "
        "mark (HTTP 404)" in result.err
    )
    assert "Datadog has no deployment z_RwVLi7v4Y" in result.err
    state = read_json(linked.state_path)
    assert "links" not in state
    assert "2026/latency" in state["incidents"]
    again = run("-C", linked.root, "plan")
    assert "~ mark deployment z_RwVLi7v4Y as change failure" in again.out


def test_editing_only_the_link_of_an_unchanged_incident_plans_the_link_again(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    """The loader takes an unchanged file from the state unparsed: the state must know
    the link the file declares, and a file whose link changed must be read again."""
    apply(linked, run, api_env)
    assert read_json(linked.state_path)["incidents"]["2026/latency"]["link"]["deployment"] == {
        "id": FAILED
    }
    edit(linked, f"deployment_id: {FIX}", f"deployment_id: {OTHER}")
    plan = run("-C", linked.root, "plan", "--detailed-exitcode")
    assert plan.code == 2
    assert f"(rollback -> {OTHER}, was rollback -> {FIX})" in plan.out


def test_a_saved_plan_with_a_link_applies_as_reviewed_and_matches_the_schema(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    assert run("-C", linked.root, "plan", "--out", "plan.json").code == 0
    saved = json.loads((linked.root / "plan.json").read_text())
    printed = json.loads(run("-C", linked.root, "plan", "--json").out)
    for body in (saved, printed):
        assert errors(plan_schema(), body) == []
    link = next(c for c in printed["changes"] if c["kind"] == "link")
    assert link["requests"][0]["path"] == f"/api/v2/dora/deployments/{FAILED}"
    assert printed["summary"]["links"] == {"create": 1, "update": 0, "delete": 0, "no-op": 0}
    assert printed["summary"]["deployments"]["create"] == 3
    markdown = run("-C", linked.root, "plan", "--format", "markdown").out
    assert "| mark | <code>2026/latency</code> |" in markdown
    result = run("-C", linked.root, "apply", "plan.json", env=api_env)
    assert result.code == 0, result.text
    assert emulator.deployments()[FAILED]["change_failure"] is True


def test_pruning_an_incident_whose_file_is_gone_unmarks_its_deployment(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    (linked.root / "incidents/2026/latency.yaml").unlink()
    assert "unmark" not in run("-C", linked.root, "plan").out  # left alone without --prune
    out = run("-C", linked.root, "apply", "--auto-approve", "--prune", env=api_env).text
    assert "--prune takes its link back" in out
    assert emulator.deployments()[FAILED]["change_failure"] is False
    assert "links" not in read_json(linked.state_path)


def test_a_link_recorded_in_the_journal_of_an_interrupted_apply_is_kept(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    state = read_json(linked.state_path)
    link = state["links"].pop("2026/latency")
    linked.state_path.write_text(json.dumps(state))
    journal = Path(str(linked.state_path) + ".journal")
    header = {"lineage": state["lineage"], "serial": state["serial"]}
    record = {"key": "2026/latency", "entry": link, "section": "links"}
    journal.write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n")
    emulator.reset()
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0
    apply(linked, run, api_env)
    assert emulator.stats()["requests"] == {}
    assert read_json(linked.state_path)["links"]["2026/latency"]["id"] == FAILED


def test_a_patch_answered_503_is_retried_like_an_event(
    linked: ProjectDir, run: Runner, start_emulator: Callable[..., Emulator]
) -> None:
    flaky = start_emulator(
        api_key=API_KEY, app_key=APP_KEY, faults=Faults(error_rate=0.3, fault_seed=3)
    )
    env = {"DORASYNC_API_URL": flaky.url, "DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY}
    result = run("-C", linked.root, "apply", "--auto-approve", "--parallelism", "1", env=env)
    assert result.code == 0, result.text
    requests = flaky.stats()["requests"]
    assert isinstance(requests, dict)
    assert requests["PATCH /api/v2/dora/deployments/{id} 503"] >= 1
    assert requests["PATCH /api/v2/dora/deployments/{id} 202"] == 1
    assert flaky.deployments()[FAILED]["change_failure"] is True
    assert len(flaky.patches()) == 1


def test_state_mv_moves_the_link_and_state_rm_forgets_it(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    path = linked.root / "incidents/2026/latency.yaml"
    path.rename(path.with_name("renamed.yaml"))
    assert run("-C", linked.root, "state", "mv", "2026/latency", "2026/renamed").code == 0
    assert list(read_json(linked.state_path)["links"]) == ["2026/renamed"]
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0
    assert run("-C", linked.root, "state", "rm", "2026/renamed").code == 0
    assert "links" not in read_json(linked.state_path)


def test_taking_one_link_back_keeps_a_deployment_another_incident_still_names_marked(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    """Two incidents, one deployment: retracting or relinking one must not lower the
    change failure rate the other still declares."""
    linked.incident("2026/latency-again.yaml", INCIDENT.replace("13:02", "13:10") + LINK)
    apply(linked, run, api_env)
    before = len(patches(emulator))
    edit(linked, LINK, "retracted: true\n")
    plan = run("-C", linked.root, "plan")
    assert f"forget the link to deployment {FAILED}: another incident still names it" in plan.out
    apply(linked, run, api_env)
    assert len(patches(emulator)) == before  # no un-mark was sent
    assert emulator.deployments()[FAILED]["change_failure"] is True
    state = read_json(linked.state_path)
    assert set(state["links"]) == {"2026/latency-again"}
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0


def test_two_incidents_naming_one_deployment_must_agree_on_its_remediation(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    other = LINK.replace("rollback", "rollforward")
    linked.incident("2026/latency-again.yaml", INCIDENT.replace("13:02", "13:10") + other)
    result = run("-C", linked.root, "validate")
    assert result.code == 1
    assert (
        "remediation: incidents/2026/latency-again.yaml names the same deployment with another"
        in result.err
    )
    assert run("-C", linked.root, "apply", "--auto-approve", env=api_env).code == 1
    assert patches(emulator) == []


def test_unmarking_a_deployment_datadog_no_longer_has_is_done_not_failed_forever(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    keys = {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY}
    import requests  # noqa: PLC0415

    gone = requests.delete(
        f"{emulator.url}/api/v2/dora/deployment/{FAILED}", headers=keys, timeout=5
    )
    assert gone.status_code == 202
    edit(linked, LINK, "")
    result = run("-C", linked.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0, result.text
    assert "links" not in read_json(linked.state_path)
    assert run("-C", linked.root, "plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("bad", [".", ".."])
def test_a_deployment_id_of_dots_is_refused_before_it_can_reach_another_path(
    bad: str, project: ProjectDir, run: Runner
) -> None:
    project.incident("a.yaml", INCIDENT + f"caused_by:\n  deployment_id: '{bad}'\n")
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "caused_by.deployment_id: " in result.err


def test_the_state_commands_show_an_incidents_mark_and_list_deployments(
    linked: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    apply(linked, run, api_env)
    shown = run("-C", linked.root, "state", "show", "2026/latency")
    assert "change-failure mark (as last sent" in shown.out
    assert FAILED in shown.out
    body = json.loads(run("-C", linked.root, "state", "show", "2026/latency", "--json").out)
    assert body["link"]["deployment"] == {"id": FAILED}
    listed = run("-C", linked.root, "state", "list", "--deployments", "--json")
    assert {d["id"] for d in json.loads(listed.out)["deployments"]} == {OTHER, FAILED, FIX}
