"""The core loop end to end: validate, plan and apply against the emulator on loopback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dorasync.emulator.server import Emulator, Faults
from tests.review_support import ONGOING
from tests.support import API_KEY, APP_KEY, ProjectDir, Runner

RESOLVED = """
    name: Checkout latency above SLO
    services: [checkout]
    started_at: 2026-11-20T13:02:00Z
    finished_at: 2026-11-20T14:05:00.5Z
    git: {commit_sha: 66adc9350f2cc9b250b69abddab733dd55e1a588}
"""


@pytest.fixture
def sample(project: ProjectDir) -> ProjectDir:
    project.config("""
        defaults:
          env: prod
          git: {repository_url: https://github.com/acme/shop}
          custom_tags: ["source:dorasync"]
    """)
    project.incident("2026/ongoing.yaml", ONGOING)
    project.incident("2026/resolved.yaml", RESOLVED)
    project.incident(
        "2026/team-only.yml",
        """
        team: search
        started_at: 1790928000
        finished_at: 1790944200000
    """,
    )
    project.incident(
        "explicit-id.yaml",
        """
        id: pd-incident-Q3X9-2026-07-11
        services: [orders]
        started_at: 1783750449123456789
        custom_tags: ["cause:infrastructure"]
    """,
    )
    return project


def posted(emulator: Emulator) -> dict[str, int]:
    """How many POSTs the emulator received per event id."""
    stats = emulator.stats()
    per_id = stats["posts_by_id"]
    assert isinstance(per_id, dict)
    return {str(k): int(v) for k, v in per_id.items()}


def test_validate_accepts_a_good_project(sample: ProjectDir, run: Runner) -> None:
    result = run("-C", sample.root, "validate")
    assert (result.code, result.out) == (0, "ok: 4 incidents valid\n")


def test_plan_with_detailed_exitcode_says_2_and_sends_nothing(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", sample.root, "plan", "--detailed-exitcode", env=api_env)
    assert result.code == 2
    assert "Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged." in result.out
    assert emulator.stats()["requests"] == {}
    assert not sample.state_path.exists()


def test_plan_json_lists_the_creates_with_exact_nanoseconds(
    sample: ProjectDir, run: Runner
) -> None:
    result = run("-C", sample.root, "plan", "--json")
    body = json.loads(result.out)
    changes = {c["key"]: c for c in body["changes"]}
    assert {c["action"] for c in changes.values()} == {"create"}
    assert changes["2026/ongoing"]["attributes"]["started_at"] == 1795509677123456789
    assert changes["2026/resolved"]["attributes"]["finished_at"] == 1795183500500000000
    assert changes["2026/team-only"]["attributes"]["finished_at"] == 1790944200000000000
    assert changes["explicit-id"]["id"] == "pd-incident-Q3X9-2026-07-11"


def test_apply_without_a_terminal_refuses_and_sends_nothing(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", sample.root, "apply", env=api_env)
    assert result.code == 1
    assert "no terminal to ask on" in result.err
    assert "--auto-approve" in result.err
    assert posted(emulator) == {}
    assert not sample.state_path.exists()


def test_apply_sends_one_request_per_incident_then_the_plan_is_empty(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    result = run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0, result.text
    assert "Apply complete: 4 sent (4 created, 0 updated), 0 failed, 0 not attempted." in result.out
    sent = emulator.failures()
    assert sorted(posted(emulator).values()) == [1, 1, 1, 1]
    ongoing = next(a for a in sent.values() if a.get("name") == "Card payments failing")
    assert ongoing == {
        "name": "Card payments failing",
        "services": ["payments", "checkout"],
        "severity": "SEV-1",
        "started_at": 1795509677123456789,
        "env": "prod",
        "custom_tags": ["source:dorasync"],
        "id": ongoing["id"],
    }
    state = json.loads(sample.state_path.read_text())
    assert state["serial"] == 1
    assert {e["id"] for e in state["incidents"].values()} == set(sent)
    again = run("-C", sample.root, "plan", "--detailed-exitcode", env=api_env)
    assert again.code == 0
    assert "No changes: 4 incidents match the state." in again.out


def test_every_body_sent_is_valid_for_datadogs_official_client_models(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    from datadog_api_client import Configuration  # noqa: PLC0415 - heavy, this test only
    from datadog_api_client.model_utils import validate_and_convert_types  # noqa: PLC0415
    from datadog_api_client.v2.model.dora_failure_request import (  # noqa: PLC0415
        DORAFailureRequest,
    )

    assert run("-C", sample.root, "apply", "--auto-approve", env=api_env).code == 0
    for attributes in emulator.failures().values():
        body = {"data": {"attributes": attributes}}
        model = validate_and_convert_types(
            body, (DORAFailureRequest,), ["body"], True, True, Configuration()
        )
        assert model.data.attributes.started_at == attributes["started_at"]


def test_a_fresh_clone_without_state_sends_the_same_ids(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str], tmp_path: Path
) -> None:
    run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    first = set(emulator.failures())
    clone = tmp_path / "clone"
    shutil.copytree(sample.root, clone, ignore=shutil.ignore_patterns(".dorasync"))
    result = run("-C", clone, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert set(emulator.failures()) == first
    assert sorted(posted(emulator).values()) == [2, 2, 2, 2]


def test_another_namespace_sends_other_ids(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str], tmp_path: Path
) -> None:
    run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    first = set(emulator.failures())
    other = ProjectDir(tmp_path / "other").config(namespace="0a1b2c3d-0000-4000-8000-000000000000")
    other.incident("2026/ongoing.yaml", ONGOING)
    run("-C", other.root, "apply", "--auto-approve", env=api_env)
    assert len(set(emulator.failures()) - first) == 1


def test_resolving_an_incident_plans_one_update_and_sends_one_request_with_the_same_id(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    before = posted(emulator)
    path = sample.root / "incidents/2026/ongoing.yaml"
    path.write_text(path.read_text() + "finished_at: 2026-11-24T11:00:00+01:00\n")
    plan = run("-C", sample.root, "plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "Plan: 0 to create, 1 to update, 0 to delete, 3 unchanged." in plan.out
    assert "      + finished_at = 1795514400000000000  # 2026-11-24T10:00:00Z" in plan.out
    result = run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    after = posted(emulator)
    (changed,) = [i for i in after if after[i] != before[i]]
    assert after[changed] == 2
    assert emulator.failures()[changed]["finished_at"] == 1795514400000000000
    assert len(after) == len(before)


def test_a_broken_file_and_an_end_before_start_send_nothing_and_keep_the_state(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    state_before = sample.state_path.read_bytes()
    requests_before = posted(emulator)
    sample.incident("2026/broken.yaml", "name: x\nservices: [a\n")
    sample.incident(
        "2026/backwards.yaml",
        """
        services: [a]
        started_at: 2026-11-20T14:00:00Z
        finished_at: 2026-11-20T13:00:00Z
    """,
    )
    result = run("-C", sample.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert "incidents/2026/backwards.yaml:3:14: finished_at: is before started_at" in result.err
    assert "incidents/2026/broken.yaml:3:1: yaml:" in result.err
    assert "nothing was sent and the state is untouched" in result.err
    assert "Traceback" not in result.text
    assert posted(emulator) == requests_before
    assert sample.state_path.read_bytes() == state_before


def test_endpoint_incident_uses_the_legacy_path(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.config("endpoint: incident\n")
    project.incident("a.yaml", ONGOING)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    paths = json.dumps(emulator.stats())
    assert "/api/v2/dora/incident" in paths
    assert '/api/v2/dora/failure"' not in paths


def test_a_wrong_key_stops_the_run_at_once(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    env = {**api_env, "DD_API_KEY": "wrong-key-000000"}
    result = run("-C", sample.root, "apply", "--auto-approve", "--parallelism", "1", env=env)
    assert result.code == 1
    assert "HTTP 403" in result.err
    assert "Apply stopped: 0 sent" in result.out
    assert "3 not attempted" in result.out
    assert emulator.failures() == {}
    assert not sample.state_path.exists()


def test_a_refused_incident_fails_alone_with_the_detail_at_its_line(
    sample: ProjectDir, run: Runner, start_emulator: Callable[..., Emulator]
) -> None:
    refused = "pd-incident-Q3X9-2026-07-11"
    emu = start_emulator(api_key=API_KEY, faults=Faults(reject_ids=frozenset({refused})))
    env = {"DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY}
    result = run("-C", sample.root, "apply", "--auto-approve", env=env)
    assert result.code == 1
    assert (
        "incidents/explicit-id.yaml:1:5: explicit-id: Datadog refused it (HTTP 400): "
        f"event {refused} refused on request (--reject-id)"
    ) in result.err
    assert "Apply complete: 3 sent (3 created, 0 updated), 1 failed, 0 not attempted." in result.out
    assert len(emu.failures()) == 3
    state = json.loads(sample.state_path.read_text())
    assert set(state["incidents"]) == {"2026/ongoing", "2026/resolved", "2026/team-only"}
    left = run("-C", sample.root, "plan")
    assert "Plan: 1 to create, 0 to update, 0 to delete, 3 unchanged." in left.out


def test_apply_without_an_api_key_says_so_before_sending(
    sample: ProjectDir, run: Runner, emulator: Emulator
) -> None:
    result = run(
        "-C", sample.root, "apply", "--auto-approve", env={"DORASYNC_API_URL": emulator.url}
    )
    assert result.code == 1
    assert "DD_API_KEY is not set" in result.err
    assert posted(emulator) == {}


def test_the_keys_never_appear_in_output_or_files(
    sample: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    outputs = [run("-C", sample.root, "apply", "--auto-approve", env=api_env)]
    outputs.append(run("-C", sample.root, "plan", "--json", env=api_env))
    for result in outputs:
        assert API_KEY not in result.text
        assert APP_KEY not in result.text
    for path in sample.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert API_KEY.encode() not in data
            assert APP_KEY.encode() not in data


def test_plain_http_to_another_machine_is_refused(sample: ProjectDir, run: Runner) -> None:
    result = run(
        "-C",
        sample.root,
        "apply",
        "--auto-approve",
        env={"DORASYNC_API_URL": "http://203.0.113.9:8126", "DD_API_KEY": API_KEY},
    )
    assert result.code == 1
    assert "plain http to another machine" in result.err


def test_usage_errors_exit_1_so_that_2_only_means_changes(run: Runner) -> None:
    result = run("plan", "--no-such-option")
    assert result.code == 1
    assert "No such option" in result.err


def test_init_writes_a_namespace_and_refuses_to_overwrite(tmp_path: Path, run: Runner) -> None:
    first = run("-C", tmp_path / "new", "init")
    assert first.code == 0
    text = (tmp_path / "new/dorasync.yaml").read_text()
    assert "namespace: " in text
    assert (tmp_path / "new/incidents").is_dir()
    assert run("-C", tmp_path / "new", "validate").code == 0
    again = run("-C", tmp_path / "new", "init")
    assert again.code == 1
    assert "never overwrites" in again.err
    assert (tmp_path / "new/dorasync.yaml").read_text() == text


def test_validate_of_named_files_checks_only_those_but_uniqueness_against_all(
    sample: ProjectDir, run: Runner
) -> None:
    sample.incident(
        "dup.yaml", "id: pd-incident-Q3X9-2026-07-11\nteam: t\nstarted_at: 1790928000\n"
    )
    sample.incident("bad.yaml", "team: t\n")
    result = run("-C", sample.root, "validate", "incidents/dup.yaml")
    assert result.code == 1
    assert "is also the id of incidents/explicit-id.yaml" in result.err
    assert "bad.yaml" not in result.err


def test_a_flat_repository_with_incidents_at_its_root_skips_dorasync_yaml(
    project: ProjectDir, run: Runner
) -> None:
    project.config("incidents: .\n")
    (project.root / "checkout.yaml").write_text("services: [a]\nstarted_at: 1790000000\n")
    result = run("-C", project.root, "validate")
    assert (result.code, result.out) == (0, "ok: 1 incident valid\n")


def test_init_refuses_an_incidents_folder_outside_the_project(tmp_path: Path, run: Runner) -> None:
    result = run("-C", tmp_path / "new", "init", "--incidents", "../elsewhere")
    assert result.code == 1
    assert "must be a path inside the project" in result.err
    assert not (tmp_path / "elsewhere").exists()


def test_validate_of_dorasync_yaml_checks_it_as_settings_not_as_an_incident(
    sample: ProjectDir, run: Runner
) -> None:
    """Editors and lint-staged pass every staged file name, dorasync.yaml included."""
    result = run("-C", sample.root, "validate", "dorasync.yaml", "incidents/2026/ongoing.yaml")
    assert (result.code, result.out) == (0, "ok: 1 incident valid\n")
