"""Adapter: the one place that talks HTTP to Datadog's DORA API.

Every call goes through `DoraClient.request`, which owns the retry rules of
product.md "Talking to Datadog": 429 waits as the rate-limit headers say and slows
every worker (the shared Pacer); 5xx, timeouts and dropped connections back off
with jitter within a per-request and a per-run budget; 400 fails that request only;
401/403 stop the run. Only requests that carry their event id are ever resent, so a
timeout that hid a success cannot duplicate an event.
"""

from __future__ import annotations

import json
import platform
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from dorasync import __version__
from dorasync.answers import (
    UNKNOWN_FATE,
    ApiError,
    ApiProblem,
    Fatal,
    GaveUp,
    Rejected,
    Reply,
    Stopped,
    json_of,
    never_sent,
    reason,
    refusal,
)
from dorasync.pacing import Pacer, RunBudget, number
from dorasync.settings import Secret

PATHS = {"failure": "/api/v2/dora/failure", "incident": "/api/v2/dora/incident"}
# Writes and deletes use the singular path, reads the plural one (API note, "Endpoints").
FAILURES = "/api/v2/dora/failures"
SEARCH_LIMIT = 1000  # the most one search answers (API note, "Reads")
USER_AGENT = (
    f"dorasync/{__version__} python-requests/{requests.__version__} "
    f"Python/{platform.python_version()}"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How hard to try before giving up (README "Retries")."""

    max_attempts: int = 8
    request_budget_s: float = 300.0
    run_budget_s: float = 900.0
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0


@dataclass(slots=True)
class Counters:
    """What a run's requests met, for the summary; shared by all workers."""

    retries: int = 0
    rate_limited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, retries: int = 0, rate_limited: int = 0) -> None:
        with self.lock:
            self.retries += retries
            self.rate_limited += rate_limited


class DoraClient:
    """Sends requests to one DORA API with one set of keys and one retry policy."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret,
        app_key: Secret | None = None,
        *,
        policy: RetryPolicy | None = None,
        stop: threading.Event | None = None,
        seed: int | None = None,
        proxies: Mapping[str, str] | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.proxies, self.ca_bundle = dict(proxies or {}), ca_bundle
        self.base_url, self.api_key, self.app_key = base_url.rstrip("/"), api_key, app_key
        self.policy = policy or RetryPolicy()
        self.stop = stop or threading.Event()
        self.pacer = Pacer()
        self.budget = RunBudget(self.policy.run_budget_s)
        self.counters = Counters()
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.local = threading.local()

    def session(self) -> requests.Session:
        """One keep-alive session per worker thread."""
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                }
            )
            # The environment was read once by settings; requests must not look again
            # (proxies, .netrc) on every request. Verification is never turned off: an
            # apply that cannot verify Datadog must not send keys.
            session.trust_env = False
            session.proxies.update(self.proxies)
            session.verify = self.ca_bundle or True
            self.local.session = session
        return session

    def send_event(self, endpoint: str, attributes: Mapping[str, Any]) -> Reply:
        """POST one failure (or legacy incident) event; it carries its id, so a retry is safe."""
        return self.request("POST", PATHS[endpoint], {"data": {"attributes": dict(attributes)}})

    def get_failure(self, event_id: str) -> Any:
        """Read one failure event (app key): the answer's `data`, or None when Datadog
        has no event with that id."""
        try:
            reply = self.request("GET", f"{FAILURES}/{_segment(event_id)}", app_key=True)
        except Fatal as exc:
            if exc.status == 404:
                return None
            raise
        return reply.body.get("data") if isinstance(reply.body, dict) else None

    def search_failures(
        self, start: str, end: str, *, limit: int = SEARCH_LIMIT, query: str | None = None
    ) -> list[Any]:
        """The failure events that started from `start` to `end` (RFC 3339, both
        included), oldest first, at most `limit` of them (app key)."""
        attributes: dict[str, Any] = {"from": start, "to": end, "limit": limit}
        attributes |= {"sort": "started_at"} | ({"query": query} if query else {})
        body = {"data": {"type": "dora_failures_list_request", "attributes": attributes}}
        reply = self.request("POST", FAILURES, body, app_key=True)
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        if not isinstance(data, list):
            raise ApiError(
                f"POST {FAILURES} answered without a list of events: {reply.body!r:.200}"
            )
        return data

    def delete_failure(self, event_id: str) -> bool:
        """Delete one failure event (app key); False when it was gone already."""
        try:
            self.request("DELETE", f"{PATHS['failure']}/{_segment(event_id)}", app_key=True)
        except Fatal as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def request(self, method: str, path: str, body: Any = None, *, app_key: bool = False) -> Reply:
        """One API call with the retry rules; raises an ApiError subclass when it fails."""
        headers = {"DD-API-KEY": self.api_key.reveal()}
        if app_key and self.app_key:
            headers["DD-APPLICATION-KEY"] = self.app_key.reveal()
        # Sorted keys: the bodies Datadog's own client sends (its recordings) are sorted.
        data = None if body is None else json.dumps(body, separators=(",", ":"), sort_keys=True)
        deadline = time.monotonic() + self.policy.request_budget_s
        for attempt in range(1, self.policy.max_attempts + 1):
            self._wait(self.pacer.delay())
            outcome = self._attempt(method, path, data, headers, attempt)
            if isinstance(outcome, Reply):
                return outcome
            wait, reason = outcome
            if attempt == self.policy.max_attempts or time.monotonic() + wait > deadline:
                raise GaveUp(f"gave up after {attempt} attempts: {reason}")
            limited = reason.startswith("429")
            # Waiting out a rate limit is the server's schedule, not a failure: only
            # back-off after errors is charged to the run's budget.
            if not limited and not self.budget.take(wait):
                raise GaveUp(f"the run's retry budget is spent; last error: {reason}")
            self.counters.add(retries=1)
            self._wait(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, method: str, path: str, data: str | None, headers: dict[str, str], attempt: int
    ) -> Reply | tuple[float, str]:
        """Send once: the reply, or how long to wait before the next try and why."""
        timeout = (self.policy.connect_timeout_s, self.policy.read_timeout_s)
        url = self.base_url + path
        try:
            # Redirects are not followed: requests would carry DD-API-KEY to wherever
            # a Location header points.
            response = self.session().request(
                method, url, data=data, headers=headers, timeout=timeout, allow_redirects=False
            )
        except requests.Timeout:
            return self._backoff(attempt), f"timed out {UNKNOWN_FATE}"
        except requests.ConnectionError as exc:
            # Refused before anything was sent, or dropped after: only then may it be stored.
            fate = "" if never_sent(exc) else f" {UNKNOWN_FATE}"
            return self._backoff(attempt), f"connection failed ({reason(exc)}){fate}"
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            # The answer was cut off after its status line: the event may be stored.
            return self._backoff(attempt), f"the answer was cut off ({reason(exc)}) {UNKNOWN_FATE}"
        except requests.RequestException as exc:
            raise Fatal(0, f"cannot send to {url}: {reason(exc)}") from None
        self.pacer.observe(response.headers)
        status = response.status_code
        if status < 300:
            self.pacer.passed_one()
            return Reply(status, json_of(response), attempt)
        if status == 429:
            self.counters.add(rate_limited=1)
            wait = _seconds(response.headers, "X-RateLimit-Reset", "Retry-After")
            wait = wait or self._backoff(attempt)
            self.pacer.pause(wait)
            return wait, "429 too many requests"
        if status >= 500:
            wait = _seconds(response.headers, "Retry-After") or self._backoff(attempt)
            return wait, f"HTTP {status} {response.reason}"
        raise refusal(status, response, url)

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with jitter, so that workers do not retry in step."""
        cap = min(self.policy.max_delay_s, self.policy.base_delay_s * 2 ** (attempt - 1))
        with self.rng_lock:
            return self.rng.uniform(cap / 2, cap)

    def _wait(self, seconds: float) -> None:
        if self.stop.is_set():
            raise Stopped("not sent: the run is stopping")
        if seconds > 0 and self.stop.wait(seconds):
            raise Stopped("not sent: the run is stopping")


def _segment(event_id: str) -> str:
    """An id as one path segment: whatever it holds, it cannot reach another path."""
    return quote(event_id, safe="")


def _seconds(headers: Mapping[str, str], *names: str) -> float | None:
    """Seconds to wait from the first of `names` present (X-RateLimit-Reset, Retry-After)."""
    for name in names:
        value = number(headers, name)
        if value is not None and 0 <= value <= 3600:
            return max(value, 0.05)
    return None


__all__ = [
    "UNKNOWN_FATE",
    "ApiError",
    "ApiProblem",
    "DoraClient",
    "Fatal",
    "GaveUp",
    "Rejected",
    "Reply",
    "RetryPolicy",
    "Stopped",
]
