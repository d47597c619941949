"""Test fixtures: a live emulator on 127.0.0.1 and a keyed HTTP client for it.

Load with `pytest_plugins = ["tests.emulator_fixtures"]` to get the fixtures
start_emulator (a factory), dora_emulator and dora (a Client).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from dorasync.emulator.server import Emulator, Faults

API_KEY = "test-api-key-0000"
APP_KEY = "test-app-key-0000"
EVENT_ID = "incident-0001-checkout"

# The seed's example body (seeds/000_ec69850d60b52bbc.txt), with an id.
SEED_EXAMPLE: dict[str, object] = {
    "finished_at": 1707842944600000000,
    "git": {
        "commit_sha": "66adc9350f2cc9b250b69abddab733dd55e1a588",
        "repository_url": "https://github.com/organization/example-repository",
    },
    "name": "Webserver is down failing all requests",
    "services": ["shopist"],
    "severity": "High",
    "started_at": 1707842944500000000,
    "team": "backend",
    "version": "v1.12.07",
}


def failure_attributes(**changes: object) -> dict[str, object]:
    """The seed's example with an id, changed by keyword; a value of None removes the key."""
    attributes: dict[str, object] = {**SEED_EXAMPLE, "id": EVENT_ID, **changes}
    return {key: value for key, value in attributes.items() if value is not None}


def body(attributes: dict[str, object]) -> dict[str, object]:
    return {"data": {"attributes": attributes}}


@dataclass
class Client:
    """requests against one emulator, with both keys unless told otherwise."""

    url: str
    session: requests.Session = field(default_factory=requests.Session)
    headers: dict[str, str] = field(
        default_factory=lambda: {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY}
    )

    def call(self, method: str, path: str, json: object = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", self.headers)
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.url + path, json=json, headers=headers, **kwargs)

    def post_failure(
        self, attributes: dict[str, object], path: str = "failure"
    ) -> requests.Response:
        return self.call("POST", f"/api/v2/dora/{path}", body(attributes))


@pytest.fixture(name="start_emulator")
def start_emulator_fixture() -> Iterator[Callable[..., Emulator]]:
    """A factory: start_emulator(faults=Faults(...), ...) starts one, stopped after the test."""
    started: list[Emulator] = []

    def start(**options: Any) -> Emulator:
        options = {"api_key": API_KEY, "app_key": APP_KEY, **options}
        emulator = Emulator(host="127.0.0.1", port=0, **options)
        emulator.start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture(name="dora_emulator")
def dora_emulator_fixture(start_emulator: Callable[..., Emulator]) -> Emulator:
    """A started emulator that checks both keys (API_KEY, APP_KEY)."""
    return start_emulator()


@pytest.fixture(name="dora")
def dora_fixture(dora_emulator: Emulator) -> Iterator[Client]:
    """A keyed client for dora_emulator."""
    client = Client(dora_emulator.url)
    yield client
    client.session.close()


__all__ = [
    "API_KEY",
    "APP_KEY",
    "EVENT_ID",
    "Client",
    "Faults",
    "body",
    "dora_emulator_fixture",
    "dora_fixture",
    "failure_attributes",
    "start_emulator_fixture",
]
