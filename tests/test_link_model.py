"""caused_by and remediation in an incident file: read, normalised, checked at their line."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import yaml

from dorasync.links import patch_body, patch_path
from dorasync.schema import incident_schema
from tests.support import ProjectDir, Runner
from tests.test_emulator_recordings import RECORDINGS
from tests.test_incidents import check, errors
from tests.test_schemas import errors as schema_errors
from tests.test_schemas import read_yaml

BASE = "started_at: 2026-11-20T13:02:00Z\nservices: [checkout]\n"
BY_ID = "caused_by:\n  deployment_id: z_RwVLi7v4Y\n"
ROLLBACK = "remediation:\n  type: rollback\n  deployment_id: eG42zNIkVjM\n"


def test_a_link_by_id_becomes_its_normal_form_and_is_not_sent_with_the_incident() -> None:
    incident, problems = check(BASE + BY_ID + ROLLBACK)
    assert problems == []
    assert incident is not None
    assert incident.link == {
        "deployment": {"id": "z_RwVLi7v4Y"},
        "remediation": {"type": "rollback", "id": "eG42zNIkVjM"},
    }
    assert "caused_by" not in incident.attributes
    assert "remediation" not in incident.attributes
    assert incident.marks["caused_by"].line == 4


def test_a_link_by_service_env_and_version_with_a_remediation_by_version() -> None:
    incident, _ = check(
        BASE
        + "caused_by: {service: checkout, env: prod, version: v1.12.07}\n"
        + "remediation: {type: rollforward, version: v1.12.08}\n"
    )
    assert incident is not None
    assert incident.link == {
        "deployment": {"service": "checkout", "env": "prod", "version": "v1.12.07"},
        "remediation": {"type": "rollforward", "version": "v1.12.08"},
    }


def test_a_cause_without_a_remediation_is_a_link_without_one() -> None:
    incident, _ = check(BASE + BY_ID)
    assert incident is not None
    assert incident.link == {"deployment": {"id": "z_RwVLi7v4Y"}}


def test_a_bad_remediation_type_is_an_error_at_its_line() -> None:
    text = BASE + BY_ID + "remediation:\n  type: revert\n  deployment_id: eG42zNIkVjM\n"
    assert errors(text) == [
        "incidents/a/b.yaml:6:9: remediation.type: 'revert' is not a remediation type; "
        "write rollback or rollforward"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BY_ID.rstrip("\n") + "\n  service: checkout\n",
            "4:3: caused_by: names the deployment two ways (deployment_id and service)",
        ),
        (
            "caused_by: {service: checkout, env: prod}\n",
            "3:12: caused_by: needs deployment_id, or all of service, env and version "
            "(missing: version)",
        ),
        ("caused_by: {}\n", "3:12: caused_by: needs deployment_id, or all of"),
        ("caused_by: z_RwVLi7v4Y\n", "3:12: caused_by: must be a mapping: {deployment_id"),
        (ROLLBACK, "4:3: remediation: needs caused_by"),
        (
            BY_ID + "remediation: {type: rollback}\n",
            "5:14: remediation: name the remediation deployment one way",
        ),
        (
            BY_ID + "remediation: {type: rollback, deployment_id: a1, version: v1}\n",
            "5:14: remediation: name the remediation deployment one way",
        ),
        (
            BY_ID + "remediation: {type: rollback, deployment_id: z_RwVLi7v4Y}\n",
            "5:46: remediation.deployment_id: is the deployment that caused the incident",
        ),
        (
            BY_ID + "remediation: {deployment_id: eG42zNIkVjM}\n",
            "5:14: remediation.type: is required; add e.g. type: rollback",
        ),
        (
            "caused_by: {deploymentid: z_RwVLi7v4Y}\n",
            "3:13: caused_by.deploymentid: unknown field; did you mean 'deployment_id'?",
        ),
        (
            "caused_by: {deployment_id: 'has space'}\n",
            "3:28: caused_by.deployment_id: 'has space' is not a deployment id",
        ),
    ],
    ids=[
        "two ways",
        "by version, incomplete",
        "empty",
        "not a mapping",
        "remediation without cause",
        "remediation naming none",
        "remediation naming two",
        "remediation of itself",
        "remediation without type",
        "misspelt field",
        "bad id",
    ],
)
def test_a_link_named_other_than_one_way_is_an_error_at_its_line(text: str, expected: str) -> None:
    found = errors(BASE + text)
    assert any(expected in line for line in found), found


def test_the_patch_body_by_id_is_the_recorded_one_and_unmarking_drops_the_remediation() -> None:
    link = {
        "deployment": {"id": "08a3dbc57bb781a5"},
        "remediation": {"type": "rollback", "id": "eG42zNIkVjM"},
    }
    # test_patch_a_deployment_event_returns_accepted_response sends exactly this body.
    assert patch_body(link, mark=True) == (
        "08a3dbc57bb781a5",
        {
            "data": {
                "type": "dora_deployment_patch_request",
                "id": "08a3dbc57bb781a5",
                "attributes": {
                    "change_failure": True,
                    "remediation": {"type": "rollback", "id": "eG42zNIkVjM"},
                },
            }
        },
    )
    _, body = patch_body(link, mark=False)
    assert body["data"]["attributes"] == {"change_failure": False}


def test_the_patch_body_by_version_names_service_env_and_version() -> None:
    link = {"deployment": {"service": "checkout", "env": "prod", "version": "v1.12.07"}}
    target, body = patch_body(link, mark=True)
    assert target is None
    assert body == {
        "data": {
            "type": "dora_deployment_patch_request",
            "attributes": {
                "service": "checkout",
                "env": "prod",
                "version": "v1.12.07",
                "change_failure": True,
            },
        }
    }


LINKS_GOOD = [BY_ID + ROLLBACK, "caused_by: {service: a, env: prod, version: 1.10}\n"]
LINKS_BAD = [
    ROLLBACK,
    BY_ID + "remediation: {type: revert, deployment_id: x}\n",
    BY_ID.rstrip("\n") + "\n  version: v1\n",
    "caused_by: {service: a}\n",
    BY_ID + "remediation: {type: rollback}\n",
]


@pytest.mark.parametrize("text", LINKS_GOOD)
def test_the_incident_schema_accepts_the_links_dorasync_accepts(
    text: str, project: ProjectDir, run: Runner
) -> None:
    project.incident("a.yaml", BASE + text)
    assert run("-C", project.root, "validate").code == 0
    assert schema_errors(incident_schema(), read_yaml(BASE + text)) == []


@pytest.mark.parametrize("text", LINKS_BAD)
def test_the_incident_schema_rejects_the_links_dorasync_rejects(
    text: str, project: ProjectDir, run: Runner
) -> None:
    assert schema_errors(incident_schema(), read_yaml(BASE + text)) != []
    project.incident("a.yaml", BASE + text)
    assert run("-C", project.root, "validate").code == 1


def test_the_patch_body_is_the_one_datadogs_client_sent_in_the_accepted_recording() -> None:
    cassette = RECORDINGS / "test_patch_a_deployment_event_returns_accepted_response.yaml"
    request = yaml.safe_load(cassette.read_text())["interactions"][1]["request"]
    link = {
        "deployment": {"id": "08a3dbc57bb781a5"},
        "remediation": {"type": "rollback", "id": "eG42zNIkVjM"},
    }
    target, body = patch_body(link, mark=True)
    assert patch_path(target) == urlsplit(request["uri"]).path
    assert body == json.loads(request["body"])
