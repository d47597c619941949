"""The emulator's deployment endpoints: send, read, search, mark as a change failure, delete."""

from __future__ import annotations

import pytest

from dorasync.emulator.server import Emulator
from tests.emulator_fixtures import Client

DEPLOYMENT_ID = "deploy-0001-shopist"
DEPLOYMENT: dict[str, object] = {
    "id": DEPLOYMENT_ID,
    "service": "shopist",
    "env": "prod",
    "version": "v1.12.07",
    "started_at": 1_769_675_152_000_000_000,
    "finished_at": 1_769_678_752_000_000_000,
}


def patch(attributes: dict[str, object], event_id: str | None = DEPLOYMENT_ID) -> dict[str, object]:
    data: dict[str, object] = {"type": "dora_deployment_patch_request", "attributes": attributes}
    if event_id is not None:
        data["id"] = event_id
    return {"data": data}


@pytest.fixture(name="deployed")
def deployed_fixture(dora: Client) -> Client:
    response = dora.call("POST", "/api/v2/dora/deployment", {"data": {"attributes": DEPLOYMENT}})
    assert response.json() == {"data": {"id": DEPLOYMENT_ID, "type": "dora_deployment"}}
    return dora


def test_emulator_reads_a_deployment_back_with_rfc3339_times(deployed: Client) -> None:
    response = deployed.call("GET", f"/api/v2/dora/deployments/{DEPLOYMENT_ID}")
    assert response.json()["data"] == {
        "id": DEPLOYMENT_ID,
        "type": "dora_deployment",
        "attributes": {
            "service": "shopist",
            "env": "prod",
            "version": "v1.12.07",
            "started_at": "2026-01-29T08:25:52Z",
            "finished_at": "2026-01-29T09:25:52Z",
        },
    }


def test_emulator_marks_a_deployment_as_a_change_failure_with_its_remediation(
    deployed: Client, dora_emulator: Emulator
) -> None:
    remediation = {"type": "rollforward", "id": "deploy-0002-shopist"}
    response = deployed.call(
        "PATCH",
        f"/api/v2/dora/deployments/{DEPLOYMENT_ID}",
        patch({"change_failure": True, "remediation": remediation}),
    )
    assert (response.status_code, response.json()) == (202, {"data": None})
    read = deployed.call("GET", f"/api/v2/dora/deployments/{DEPLOYMENT_ID}").json()
    assert read["data"]["attributes"]["change_failure"] is True
    assert read["data"]["attributes"]["remediation"] == remediation
    assert dora_emulator.deployments()[DEPLOYMENT_ID]["change_failure"] is True
    assert dora_emulator.stats()["patches_by_id"] == {DEPLOYMENT_ID: 1}


def test_emulator_answers_404_when_patching_an_unknown_deployment(dora: Client) -> None:
    response = dora.call(
        "PATCH",
        "/api/v2/dora/deployments/no-such-deployment",
        patch({"change_failure": True}, None),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("request_body", "detail"),
    [
        (
            patch({"change_failure": True}, None) | {"data": {"attributes": {}}},
            'got type "" expected one of',
        ),
        (patch({"change_failure": "yes"}), 'attribute "change_failure" must be a boolean'),
        (
            patch({"remediation": {"type": "revert", "id": "x"}}),
            'attribute "type" must be one of "rollback rollforward"',
        ),
        (patch({"remediation": {"type": "rollback"}}), 'exactly one of "id" or "version"'),
        (
            patch({"remediation": {"type": "rollback", "id": "a", "version": "b"}}),
            'exactly one of "id" or "version"',
        ),
        (patch({"change_failure": True}, "another-deployment-id"), "must equal the id in the path"),
    ],
)
def test_emulator_answers_400_to_a_patch_it_cannot_apply(
    deployed: Client, request_body: object, detail: str
) -> None:
    response = deployed.call("PATCH", f"/api/v2/dora/deployments/{DEPLOYMENT_ID}", request_body)
    assert response.status_code == 400
    assert detail in " | ".join(error["detail"] for error in response.json()["errors"])


def test_emulator_patches_by_service_env_and_version_unverified_form(
    deployed: Client, dora_emulator: Emulator
) -> None:
    attributes = {
        "service": "shopist",
        "env": "prod",
        "version": "v1.12.07",
        "change_failure": True,
        "remediation": {"type": "rollback", "version": "v1.12.06"},
    }
    response = deployed.call("PATCH", "/api/v2/dora/deployments", patch(attributes, None))
    assert response.status_code == 202
    assert dora_emulator.deployments()[DEPLOYMENT_ID]["remediation"] == attributes["remediation"]
    missing = deployed.call(
        "PATCH", "/api/v2/dora/deployments", patch(attributes | {"version": "v0"}, None)
    )
    assert missing.status_code == 404
    partial = deployed.call(
        "PATCH", "/api/v2/dora/deployments", patch({"service": "shopist"}, None)
    )
    assert partial.status_code == 400


def test_emulator_searches_deployments_by_service_and_time(deployed: Client) -> None:
    request = {
        "data": {
            "type": "dora_deployments_list_request",
            "attributes": {
                "from": "2026-01-29T00:00:00Z",
                "to": "2026-01-30T00:00:00Z",
                "query": "service:shopist env:prod",
            },
        }
    }
    found = deployed.call("POST", "/api/v2/dora/deployments", request).json()["data"]
    assert [item["id"] for item in found] == [DEPLOYMENT_ID]
    request["data"]["attributes"]["query"] = "service:other"  # type: ignore[index]
    assert deployed.call("POST", "/api/v2/dora/deployments", request).json()["data"] == []


def test_emulator_deletes_a_deployment(deployed: Client, dora_emulator: Emulator) -> None:
    assert deployed.call("DELETE", f"/api/v2/dora/deployment/{DEPLOYMENT_ID}").status_code == 202
    assert dora_emulator.deployments() == {}
    assert deployed.call("GET", f"/api/v2/dora/deployments/{DEPLOYMENT_ID}").status_code == 404


def test_emulator_answers_400_to_a_deployment_without_finished_at(dora: Client) -> None:
    attributes = {key: value for key, value in DEPLOYMENT.items() if key != "finished_at"}
    response = dora.call("POST", "/api/v2/dora/deployment", {"data": {"attributes": attributes}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "/data/attributes/finished_at"}
