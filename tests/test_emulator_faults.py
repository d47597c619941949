"""The emulator misbehaving on request: rate limits, 503s, drops, hangs and latency."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from dorasync.emulator.faults import RateLimiter
from dorasync.emulator.server import Emulator, Faults
from tests.emulator_fixtures import EVENT_ID, Client, failure_attributes

Start = Callable[..., Emulator]


def client_for(start_emulator: Start, **faults: object) -> tuple[Emulator, Client]:
    emulator = start_emulator(faults=Faults(**faults))  # type: ignore[arg-type]
    return emulator, Client(emulator.url)


def numbered(number: int) -> dict[str, object]:
    return failure_attributes(id=f"incident-{number:012d}")


def test_emulator_answers_429_past_n_requests_with_datadogs_rate_limit_headers(
    start_emulator: Start,
) -> None:
    emulator, client = client_for(start_emulator, rate_limit=(3, 10.0))
    answers = [client.post_failure(numbered(n)) for n in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
    refused = answers[3]
    assert refused.json() == {"errors": ["Too many requests"]}
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Period"] == "10"
    assert refused.headers["X-RateLimit-Name"] == "dora_api"
    assert 1 <= int(refused.headers["X-RateLimit-Reset"]) <= 10
    assert len(emulator.failures()) == 3
    assert emulator.stats()["rate_limited"] == 2


def test_emulator_opens_a_new_window_when_the_period_is_over(start_emulator: Start) -> None:
    _, client = client_for(start_emulator, rate_limit=(1, 0.4))
    assert client.post_failure(numbered(1)).status_code == 200
    assert client.post_failure(numbered(2)).status_code == 429
    time.sleep(0.45)
    assert client.post_failure(numbered(3)).status_code == 200


def test_rate_limiter_does_not_count_refused_requests_and_says_when_the_window_resets() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert [limiter.take().allowed for _ in range(4)] == [True, True, False, False]
    now[0] = 109.2
    window = limiter.take()
    assert (window.allowed, window.reset_seconds) == (False, 1)
    now[0] = 110.0
    assert [limiter.take().allowed for _ in range(3)] == [True, True, False]


def test_emulator_answers_503_without_storing_at_error_rate_1(start_emulator: Start) -> None:
    emulator, client = client_for(start_emulator, error_rate=1.0)
    response = client.post_failure(failure_attributes())
    assert (response.status_code, response.json()) == (503, {"errors": ["Service Unavailable"]})
    assert emulator.failures() == {}
    assert emulator.stats()["faults"] == {"error": 1}


def test_emulator_drops_the_connection_without_an_answer_or_storing(start_emulator: Start) -> None:
    emulator, client = client_for(start_emulator, drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        client.post_failure(failure_attributes())
    assert emulator.failures() == {}
    assert emulator.stats()["requests"] == {"POST /api/v2/dora/failure dropped": 1}


def test_emulator_stores_then_hangs_so_a_success_looks_like_a_timeout(
    start_emulator: Start,
) -> None:
    emulator, client = client_for(start_emulator, timeout_rate=1.0, hang_seconds=30.0)
    with pytest.raises(requests.ReadTimeout):
        client.call(
            "POST",
            "/api/v2/dora/failure",
            {"data": {"attributes": failure_attributes()}},
            timeout=0.3,
        )
    assert emulator.failures() == {EVENT_ID: failure_attributes()}
    began = time.perf_counter()
    emulator.stop()
    assert time.perf_counter() - began < 1.0


def test_emulator_delays_each_api_answer_by_the_latency(start_emulator: Start) -> None:
    _, client = client_for(start_emulator, latency_ms=150)
    began = time.perf_counter()
    assert client.post_failure(failure_attributes()).status_code == 200
    assert time.perf_counter() - began >= 0.15
    began = time.perf_counter()
    client.call("GET", "/_emulator/health")
    assert time.perf_counter() - began < 0.15


def test_emulator_faults_repeat_exactly_for_the_same_fault_seed(start_emulator: Start) -> None:
    def statuses(seed: int) -> list[int]:
        _, client = client_for(start_emulator, error_rate=0.5, fault_seed=seed)
        return [client.post_failure(numbered(n)).status_code for n in range(16)]

    first = statuses(7)
    assert first == statuses(7)
    assert {200, 503} == set(first)
    assert first != statuses(8)


def test_emulator_reset_restarts_the_fault_draws(start_emulator: Start) -> None:
    emulator, client = client_for(start_emulator, error_rate=0.5, fault_seed=3)
    before = [client.post_failure(numbered(n)).status_code for n in range(8)]
    emulator.reset()
    assert [client.post_failure(numbered(n)).status_code for n in range(8)] == before


def test_emulator_never_misbehaves_on_its_introspection_paths(start_emulator: Start) -> None:
    _, client = client_for(start_emulator, error_rate=0.5, drop_rate=0.5, rate_limit=(1, 60.0))
    for _ in range(5):
        response = client.call("GET", "/_emulator/stats")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        ({"error_rate": 1.5}, "error_rate must be between 0 and 1"),
        ({"error_rate": 0.6, "drop_rate": 0.6}, "must not exceed 1"),
        ({"rate_limit": (0, 10.0)}, "rate_limit needs N >= 1"),
        ({"rate_limit": (10, 0.0)}, "rate_limit needs N >= 1"),
        ({"latency_ms": -1}, "must not be negative"),
    ],
)
def test_faults_refuse_values_that_make_no_sense(faults: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Faults(**faults)  # type: ignore[arg-type]
