"""Deployment files: checked, identified apart from incidents, sent as deployment events."""

from __future__ import annotations

import json
import uuid

from dorasync.deployments import derive_deployment_id
from dorasync.emulator.server import Emulator
from dorasync.ids import derive_id
from tests.review_support import read_json
from tests.support import NAMESPACE, ProjectDir, Runner

SHA = "66adc9350f2cc9b250b69abddab733dd55e1a588"
RELEASE = f"""\
service: checkout
version: v1.12.07
started_at: 2026-11-20T12:00:00.123456789Z
finished_at: 1795176600
git: {{commit_sha: "{SHA}"}}
custom_tags: ["release:canary"]
"""


def deployments(project: ProjectDir, **files: str) -> ProjectDir:
    folder = project.root / "deployments"
    for name, text in files.items():
        path = folder / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return project


def configured(project: ProjectDir) -> ProjectDir:
    return project.config(
        "defaults:\n  env: prod\n  severity: SEV-2\n"
        "  git: {repository_url: https://github.com/acme/shop}\n"
    )


def test_deployment_files_are_sent_as_valid_deployment_events(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    from datadog_api_client import Configuration  # noqa: PLC0415 - heavy, this test only
    from datadog_api_client.model_utils import validate_and_convert_types  # noqa: PLC0415
    from datadog_api_client.v2.model.dora_deployment_request import (  # noqa: PLC0415
        DORADeploymentRequest,
    )

    deployments(configured(project), **{"2026/checkout-v1.12.07": RELEASE})
    plan = run("-C", project.root, "plan")
    assert "  + deployment 2026/checkout-v1.12.07  (deployments/2026/checkout-v1.12.07.yaml)" in (
        plan.out
    )
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0, result.text
    assert "1 deployment sent" in result.out
    event_id = derive_deployment_id(uuid.UUID(NAMESPACE), "2026/checkout-v1.12.07")
    sent = emulator.deployments()[event_id]
    # Defaults shared with deployments (env, git) are merged; severity is an incident's.
    assert sent == {
        "service": "checkout",
        "version": "v1.12.07",
        "env": "prod",
        "started_at": 1795176000123456789,
        "finished_at": 1795176600000000000,
        "git": {"commit_sha": SHA, "repository_url": "https://github.com/acme/shop"},
        "custom_tags": ["release:canary"],
        "id": event_id,
    }
    model = validate_and_convert_types(
        {"data": {"attributes": sent}},
        (DORADeploymentRequest,),
        ["body"],
        True,
        True,
        Configuration(),
    )
    assert model.data.attributes.finished_at == 1795176600000000000
    entry = read_json(project.state_path)["deployments"]["2026/checkout-v1.12.07"]
    assert (entry["id"], entry["endpoint"]) == (event_id, "deployment")


def test_a_second_apply_sends_no_deployment_and_an_edit_sends_it_again_with_the_same_id(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    deployments(configured(project), release=RELEASE)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    again = run("-C", project.root, "plan", "--detailed-exitcode")
    assert (again.code, again.out) == (
        0,
        "No changes: 0 incidents match the state; deployments: 0 to send, 1 unchanged.\n",
    )
    deployments(project, release=RELEASE.replace("v1.12.07", "v1.12.09"))
    plan = run("-C", project.root, "plan")
    assert '      ~ version = "v1.12.07" -> "v1.12.09"' in plan.out
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    posts = emulator.stats()["deployment_posts_by_id"]
    assert posts == {derive_deployment_id(uuid.UUID(NAMESPACE), "release"): 2}


def test_a_deployment_key_never_gives_the_id_of_the_incident_of_the_same_key(
    project: ProjectDir, run: Runner
) -> None:
    deployments(configured(project), **{"2026/x": RELEASE})
    project.incident("2026/x.yaml", "services: [checkout]\nstarted_at: 2026-11-20T12:30:00Z\n")
    changes = {
        c["kind"]: c for c in json.loads(run("-C", project.root, "plan", "--json").out)["changes"]
    }
    namespace = uuid.UUID(NAMESPACE)
    assert changes["incident"]["id"] == derive_id(namespace, "2026/x")
    assert changes["deployment"]["id"] == derive_deployment_id(namespace, "2026/x")
    assert changes["deployment"]["id"] != changes["incident"]["id"]
    assert changes["deployment"]["id"] == str(
        uuid.uuid5(uuid.uuid5(namespace, "dorasync:deployments"), "2026/x")
    )


def test_a_broken_deployment_file_is_refused_at_its_line_and_nothing_is_sent(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.incident("a.yaml", "services: [checkout]\nstarted_at: 2026-11-20T12:30:00Z\n")
    deployments(
        configured(project),
        bad="service: checkout\nstarted_at: 2026-11-20T12:00:00Z\nfinished_at: 1795172400\n",
        worse="services: [checkout]\nstarted_at: 2026-11-20T12:00:00\n",
    )
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 1
    assert "deployments/bad.yaml:3:14: finished_at: is before started_at" in result.err
    assert "deployments/worse.yaml:1:1: services: unknown field; did you mean 'service'?" in (
        result.err
    )
    assert "deployments/worse.yaml:2:13: started_at:" in result.err
    assert emulator.stats()["requests"] == {}
    assert not project.state_path.exists()
    validate = run("-C", project.root, "validate", "deployments/bad.yaml")
    assert validate.code == 1
    assert "worse.yaml" not in validate.err


def test_validate_counts_deployments_and_checks_a_named_deployment_file(
    project: ProjectDir, run: Runner
) -> None:
    deployments(configured(project), a=RELEASE, b=RELEASE.replace("07", "08"))
    assert run("-C", project.root, "validate").out == "ok: 0 incidents, 2 deployments valid\n"
    assert run("-C", project.root, "validate", "deployments/a.yaml").code == 0
    deployments(
        project,
        b=RELEASE + "id: deploy-checkout-v1-12-07\n",
        a=RELEASE + "id: deploy-checkout-v1-12-07\n",
    )
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "'deploy-checkout-v1-12-07' is also the id of deployments/a.yaml" in result.err


def test_a_deployments_folder_inside_the_incidents_folder_is_not_read_as_incidents(
    project: ProjectDir, run: Runner
) -> None:
    project.config("incidents: .\n")
    deployments(project, a="service: a\nstarted_at: 1795176000\nfinished_at: 1795176600\n")
    (project.root / "x.yaml").write_text("services: [a]\nstarted_at: 2026-11-20T12:30:00Z\n")
    assert run("-C", project.root, "validate").out == "ok: 1 incident, 1 deployment valid\n"


def test_a_deployments_folder_named_in_dorasync_yaml_must_exist(
    project: ProjectDir, run: Runner
) -> None:
    assert run("-C", project.root, "validate").code == 0  # the default folder is optional
    project.config("deployments: releases\n")
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "dorasync.yaml:2:14: deployments: the deployments folder 'releases' does not exist" in (
        result.err
    )


def test_a_reformatted_deployment_file_gets_its_new_digest_recorded_without_a_send(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    deployments(configured(project), **{"2026/release": RELEASE})
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    before = read_json(project.state_path)["deployments"]["2026/release"]["digest"]
    path = project.root / "deployments/2026/release.yaml"
    path.write_text("# reformatted: the same deployment\n" + path.read_text())
    posts = emulator.stats()["deployment_posts_by_id"]
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0, result.text
    assert "1 unchanged file recorded with their current file digest" in result.err
    after = read_json(project.state_path)["deployments"]["2026/release"]["digest"]
    assert after != before
    assert emulator.stats()["deployment_posts_by_id"] == posts
