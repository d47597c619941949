"""Every recorded exchange with Datadog, replayed against the emulator.

The cassettes in tests/fixtures/datadog-recordings/ are what Datadog's server answered
to its official client's tests. Status codes, body shapes and error details must match;
response ids are examples, not rules (the recordings' README says so).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.emulator_fixtures import Client

RECORDINGS = Path(__file__).parent / "fixtures" / "datadog-recordings"
CASSETTES = sorted(RECORDINGS.glob("*.yaml"))

# The one recording whose answer lists a stored deployment: it was recorded against an
# org that already had it. Sent first, with a valid id in place of the recorded "abc-123"
# (shorter than the 16 characters the API now requires).
DEPLOYMENT_IN_THE_DATETIME_RECORDING = {
    "id": "abc-123-00000000",
    "service": "shopist",
    "started_at": 1_693_491_974_000_000_000,  # 2023-08-31T14:26:14Z
    "finished_at": 1_693_491_984_000_000_000,  # 2023-08-31T14:26:24Z
    "env": "production",
    "team": "backend",
    "version": "v1.12.07",
}


def interactions(cassette: Path) -> list[dict[str, object]]:
    loaded = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    found: list[dict[str, object]] = loaded["interactions"]
    return found


def shape(value: object) -> object:
    """The JSON value with ids and scalars replaced by their types."""
    if isinstance(value, dict):
        return {key: "id" if key == "id" else shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def test_every_recording_is_replayed() -> None:
    assert len(CASSETTES) == 9


@pytest.mark.parametrize("cassette", CASSETTES, ids=[path.stem for path in CASSETTES])
def test_emulator_answers_each_recorded_request_as_datadog_did(
    dora: Client, cassette: Path
) -> None:
    if "datetime_timestamps" in cassette.name:
        dora.call(
            "POST",
            "/api/v2/dora/deployment",
            {"data": {"attributes": DEPLOYMENT_IN_THE_DATETIME_RECORDING}},
        )
    for interaction in interactions(cassette):
        request, recorded = interaction["request"], interaction["response"]
        assert isinstance(request, dict)
        assert isinstance(recorded, dict)
        path = urlsplit(request["uri"]).path
        response = dora.call(request["method"], path, data=request["body"].encode())
        expected = json.loads(recorded["body"]["string"])
        assert response.status_code == recorded["status"]["code"], response.text
        assert response.headers["Content-Type"] == "application/vnd.api+json"
        answer = response.json()
        if "errors" in expected:
            assert answer == expected  # error texts word for word
        else:
            assert shape(answer) == shape(expected)
            if "datetime_timestamps" in cassette.name:
                assert answer["data"][0]["attributes"] == expected["data"][0]["attributes"]


def test_emulator_gives_the_recorded_deployment_id_back_when_the_client_sends_one(
    dora: Client,
) -> None:
    cassette = RECORDINGS / "test_patch_a_deployment_event_returns_accepted_response.yaml"
    first = interactions(cassette)[0]
    request, recorded = first["request"], first["response"]
    assert isinstance(request, dict)
    assert isinstance(recorded, dict)
    response = dora.call("POST", "/api/v2/dora/deployment", data=request["body"].encode())
    assert response.json() == json.loads(recorded["body"]["string"])
