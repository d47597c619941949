"""The emulator's DORA failure endpoints and keys, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
import uuid
from collections.abc import Callable

import pytest
import requests

from dorasync.emulator.server import Emulator
from tests.emulator_fixtures import API_KEY, APP_KEY, EVENT_ID, Client, body, failure_attributes

SECOND = 10**9
DAY = 86_400 * SECOND
JAN_1_2025 = 1_735_689_600 * SECOND


def search(dora: Client, **attributes: object) -> list[dict[str, object]]:
    request = {"data": {"type": "dora_failures_list_request", "attributes": attributes}}
    response = dora.call("POST", "/api/v2/dora/failures", request)
    assert response.status_code == 200, response.text
    found: list[dict[str, object]] = response.json()["data"]
    return found


def ids(found: list[dict[str, object]]) -> list[str]:
    return [str(item["id"]) for item in found]


def test_emulator_answers_200_with_the_given_id_and_keeps_the_attributes_as_received(
    dora: Client, dora_emulator: Emulator
) -> None:
    response = dora.post_failure(failure_attributes())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    assert response.json() == {"data": {"id": EVENT_ID, "type": "dora_failure"}}
    assert dora_emulator.failures() == {EVENT_ID: failure_attributes()}


def test_emulator_records_which_path_an_event_came_by(
    dora: Client, dora_emulator: Emulator
) -> None:
    dora.post_failure(failure_attributes(), path="incident")
    response = dora.post_failure(failure_attributes(id="b" * 16))
    assert response.json()["data"]["type"] == "dora_failure"
    events = dora.call("GET", "/_emulator/events").json()["failures"]
    assert events[EVENT_ID]["path"] == "incident"
    assert events["b" * 16]["path"] == "failure"


def test_emulator_makes_up_a_uuid_when_the_event_has_no_id(dora: Client) -> None:
    response = dora.post_failure(failure_attributes(id=None))
    assert uuid.UUID(response.json()["data"]["id"]).version == 4


def test_emulator_replaces_an_event_sent_again_with_the_same_id_and_counts_the_update(
    dora: Client, dora_emulator: Emulator
) -> None:
    dora.post_failure(failure_attributes(finished_at=None))
    dora.post_failure(failure_attributes())
    assert dora_emulator.failures() == {EVENT_ID: failure_attributes()}
    stats = dora_emulator.stats()
    assert stats["posts_by_id"] == {EVENT_ID: 2}
    assert stats["updates"] == 1
    assert dora_emulator.events()["failures"][EVENT_ID]["received"] == 2  # type: ignore[index]


def test_emulator_answers_400_pointing_at_custom_tags_when_a_tag_has_no_colon(
    dora: Client, dora_emulator: Emulator
) -> None:
    response = dora.post_failure(failure_attributes(custom_tags=["cause:config", "checkout"]))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "status": "400",
                "title": "Bad Request",
                "detail": 'attribute "custom_tags" item 1 must look like key:value, got "checkout"',
                "source": {"pointer": "/data/attributes/custom_tags/1"},
            }
        ]
    }
    assert dora_emulator.failures() == {}


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        (b"{not json", ""),
        (b"[]", ""),
        (b"{}", "/data"),
        (b'{"data": {}}', "/data/attributes"),
        (b'{"data": {"attributes": []}}', "/data/attributes"),
        (b'{"data": {"type": "dora_failure", "attributes": {}}}', "/data/type"),
    ],
)
def test_emulator_answers_400_to_a_body_that_is_not_data_attributes(
    dora: Client, raw: bytes, pointer: str
) -> None:
    response = dora.call("POST", "/api/v2/dora/failure", data=raw)
    assert response.status_code == 400
    assert pointer in [error["source"]["pointer"] for error in response.json()["errors"]]


def test_emulator_reads_a_failure_back_with_rfc3339_seconds_and_the_id_outside_attributes(
    dora: Client,
) -> None:
    dora.post_failure(
        failure_attributes(started_at=1_707_842_944_999_999_999, finished_at=1_707_842_945_000)
    )
    response = dora.call("GET", f"/api/v2/dora/failures/{EVENT_ID}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == EVENT_ID
    assert data["type"] == "dora_failure"
    assert data["attributes"]["started_at"] == "2024-02-13T16:49:04Z"  # truncated, not rounded
    assert data["attributes"]["finished_at"] == "2024-02-13T16:49:05Z"
    assert "id" not in data["attributes"]
    assert data["attributes"]["git"] == failure_attributes()["git"]


def test_emulator_answers_404_for_an_unknown_failure_id(dora: Client) -> None:
    response = dora.call("GET", "/api/v2/dora/failures/no-such-incident-id")
    assert response.status_code == 404
    assert response.json()["errors"][0]["status"] == "404"


def test_emulator_deletes_with_202_and_no_body_then_forgets_the_event(
    dora: Client, dora_emulator: Emulator
) -> None:
    dora.post_failure(failure_attributes())
    response = dora.call("DELETE", f"/api/v2/dora/failure/{EVENT_ID}")
    assert (response.status_code, response.content) == (202, b"")
    assert dora.call("GET", f"/api/v2/dora/failures/{EVENT_ID}").status_code == 404
    assert dora.call("DELETE", f"/api/v2/dora/failure/{EVENT_ID}").status_code == 404
    assert dora_emulator.stats()["deletes_by_id"] == {EVENT_ID: 1}


def test_emulator_search_filters_by_started_at_from_and_to_inclusive(dora: Client) -> None:
    for day in range(4):
        dora.post_failure(
            failure_attributes(id=f"incident-day-{day:04d}", started_at=JAN_1_2025 + day * DAY)
        )
    found = search(dora, **{"from": "2025-01-02T00:00:00Z", "to": "2025-01-03T00:00:00+00:00"})
    assert ids(found) == ["incident-day-0002", "incident-day-0001"]


def test_emulator_search_sorts_newest_first_unless_asked_and_cuts_at_the_limit(
    dora: Client,
) -> None:
    for day in range(12):
        dora.post_failure(
            failure_attributes(id=f"incident-day-{day:04d}", started_at=JAN_1_2025 + day * DAY)
        )
    assert len(search(dora)) == 10
    assert ids(search(dora, limit=2)) == ["incident-day-0011", "incident-day-0010"]
    assert ids(search(dora, limit=2, sort="started_at")) == [
        "incident-day-0000",
        "incident-day-0001",
    ]


def test_emulator_search_ands_query_terms_and_matches_any_of_several_services(dora: Client) -> None:
    dora.post_failure(
        failure_attributes(id="incident-a-000000", services=["cart", "checkout"], env="prod")
    )
    dora.post_failure(
        failure_attributes(id="incident-b-000000", services=["checkout"], env="staging")
    )
    dora.post_failure(failure_attributes(id="incident-c-000000", services=["search"], env="prod"))
    assert ids(search(dora, query="service:checkout env:prod")) == ["incident-a-000000"]
    assert sorted(ids(search(dora, query="service:checkout"))) == [
        "incident-a-000000",
        "incident-b-000000",
    ]
    assert len(search(dora, query="team:backend severity:High")) == 3


@pytest.mark.parametrize(
    ("attributes", "pointer"),
    [
        ({"limit": 1001}, "/data/attributes/limit"),
        ({"limit": 0}, "/data/attributes/limit"),
        ({"from": "2025-01-01"}, "/data/attributes/from"),
        ({"sort": "name"}, "/data/attributes/sort"),
        ({"query": "owner:me"}, "/data/attributes/query"),
        ({"page": 2}, "/data/attributes/page"),
    ],
)
def test_emulator_search_answers_400_to_attributes_it_cannot_honour(
    dora: Client, attributes: dict[str, object], pointer: str
) -> None:
    request = {"data": {"type": "dora_failures_list_request", "attributes": attributes}}
    response = dora.call("POST", "/api/v2/dora/failures", request)
    assert response.status_code == 400
    assert [error["source"]["pointer"] for error in response.json()["errors"]] == [pointer]


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/api/v2/dora/failure", {"DD-API-KEY": "wrong-key"}),
        ("POST", "/api/v2/dora/failure", {}),
        ("POST", "/api/v2/dora/failure", {"DD-API-KEY": ""}),
        ("GET", f"/api/v2/dora/failures/{EVENT_ID}", {"DD-API-KEY": API_KEY}),
        (
            "GET",
            f"/api/v2/dora/failures/{EVENT_ID}",
            {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": "x"},
        ),
        ("DELETE", f"/api/v2/dora/failure/{EVENT_ID}", {"DD-API-KEY": API_KEY}),
        ("POST", "/api/v2/dora/failures", {"DD-API-KEY": API_KEY}),
    ],
)
def test_emulator_answers_403_forbidden_to_a_wrong_or_missing_key(
    dora: Client, dora_emulator: Emulator, method: str, path: str, headers: dict[str, str]
) -> None:
    response = dora.call(method, path, body(failure_attributes()), headers=headers)
    assert response.status_code == 403
    assert response.json() == {"errors": ["Forbidden"]}
    assert dora_emulator.failures() == {}
    assert API_KEY not in response.text


def test_emulator_without_configured_keys_takes_any_non_empty_key(
    start_emulator: Callable[..., Emulator],
) -> None:
    open_emulator = start_emulator(api_key=None, app_key=None)
    client = Client(
        open_emulator.url, headers={"DD-API-KEY": "anything", "DD-APPLICATION-KEY": "at-all"}
    )
    assert client.post_failure(failure_attributes()).status_code == 200
    assert client.call("GET", f"/api/v2/dora/failures/{EVENT_ID}").status_code == 200
    assert (
        client.call(
            "GET", f"/api/v2/dora/failures/{EVENT_ID}", headers={"DD-API-KEY": "k"}
        ).status_code
        == 403
    )


def test_emulator_answers_404_for_an_unknown_path_and_405_for_a_wrong_method(dora: Client) -> None:
    assert dora.call("POST", "/api/v2/dora/nothing").status_code == 404
    assert dora.call("GET", "/api/v2/dora/failure").status_code == 405
    assert dora.call("GET", "/elsewhere").status_code == 404


def test_emulator_keeps_the_connection_alive_between_requests(dora_emulator: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", dora_emulator.port, timeout=5)
    headers = {"DD-API-KEY": API_KEY, "Content-Type": "application/json"}
    for number in range(3):
        attributes = failure_attributes(id=f"keep-alive-{number:06d}")
        connection.request("POST", "/api/v2/dora/failure", json.dumps(body(attributes)), headers)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Connection") != "close"
        assert json.loads(response.read())["data"]["id"] == f"keep-alive-{number:06d}"
    connection.close()


def test_emulator_introspection_needs_no_key_and_is_not_counted(
    dora: Client, dora_emulator: Emulator
) -> None:
    dora.post_failure(failure_attributes())
    bare = Client(dora_emulator.url, headers={})
    assert bare.call("GET", "/_emulator/health").json()["status"] == "ok"
    assert (
        bare.call("GET", "/_emulator/events").json()["failures"][EVENT_ID]["attributes"]
        == failure_attributes()
    )
    stats = bare.call("GET", "/_emulator/stats").json()
    assert stats == dora_emulator.stats()
    assert stats["requests"] == {"POST /api/v2/dora/failure 200": 1}
    assert bare.call("POST", "/_emulator/reset").status_code == 200
    assert dora_emulator.failures() == {}
    assert dora_emulator.stats()["requests"] == {}


def test_emulator_python_handle_reset_forgets_events_and_counters(
    dora: Client, dora_emulator: Emulator
) -> None:
    dora.post_failure(failure_attributes())
    dora_emulator.reset()
    assert (dora_emulator.failures(), dora_emulator.stats()["posts_by_id"]) == ({}, {})


def test_emulator_keys_never_show_up_in_the_access_log(
    start_emulator: Callable[..., Emulator],
) -> None:
    log = io.StringIO()
    logged = start_emulator(log=log)
    client = Client(logged.url)
    client.post_failure(failure_attributes())
    client.call(
        "GET", f"/api/v2/dora/failures/{EVENT_ID}?api_key={API_KEY}&application_key={APP_KEY}"
    )
    lines = log.getvalue().splitlines()
    assert len(lines) == 2
    assert "POST /api/v2/dora/failure 200" in lines[0]
    assert API_KEY not in log.getvalue()
    assert APP_KEY not in log.getvalue()


def test_emulator_refuses_to_bind_anything_but_loopback() -> None:
    for host in ("0.0.0.0", "::", "10.1.2.3", "dorasync.example"):
        with pytest.raises(ValueError, match=r"loopback|localhost"):
            Emulator(host=host)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2", "::1"])
def test_emulator_serves_on_any_loopback_address(host: str) -> None:
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    with Emulator(host=host, port=0) as emulator:
        shown = "[::1]" if host == "::1" else host
        assert emulator.url == f"http://{shown}:{emulator.port}"
        assert requests.get(f"{emulator.url}/_emulator/health", timeout=5).json()["status"] == "ok"


def test_emulator_starts_and_stops_in_well_under_a_second() -> None:
    began = time.perf_counter()
    emulator = Emulator(api_key=API_KEY)
    emulator.start()
    started = time.perf_counter() - began
    emulator.stop()
    assert started < 0.5
    assert time.perf_counter() - began < 0.6
