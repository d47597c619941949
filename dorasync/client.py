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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from dorasync import __version__
from dorasync.errors import DorasyncError
from dorasync.settings import Secret

PATHS = {"failure": "/api/v2/dora/failure", "incident": "/api/v2/dora/incident"}
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


@dataclass(frozen=True, slots=True)
class ApiProblem:
    """One entry of a JSON:API error answer."""

    detail: str
    pointer: str | None = None


class ApiError(DorasyncError):
    """Datadog did not accept a request."""


class Rejected(ApiError):
    """The server refused this request (400 and other 4xx); retrying will not help."""

    def __init__(self, status: int, problems: list[ApiProblem]) -> None:
        self.status, self.problems = status, problems
        text = "; ".join(p.detail + (f" (at {p.pointer})" if p.pointer else "") for p in problems)
        super().__init__(f"HTTP {status}: {text or 'no detail given'}")


class Unauthorized(ApiError):
    """401/403: the key is wrong; nothing else in the run can succeed."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(
            f"HTTP {status} {detail}: Datadog refused the key; check DD_API_KEY "
            "(and DD_APP_KEY) and that they belong to the site you send to"
        )


class GaveUp(ApiError):
    """Transient failures outlasted the retry budget, or the run is stopping."""


class Stopped(GaveUp):
    """The run was asked to stop before this request could be (re)sent."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: 200, or 202 when Datadog accepted it while degraded."""

    status: int
    body: Any
    attempts: int


class Pacer:
    """Spaces the requests of all workers so a rate-limited run settles just under
    the server's limit instead of bouncing off it (issue 3)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, share: float = 0.95) -> None:
        self.clock, self.share = clock, share
        self.lock = threading.Lock()
        self.next_slot = 0.0
        self.interval = 0.0
        self.paused_until = 0.0

    def delay(self) -> float:
        """Claim the next slot; how long to wait for it."""
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot, self.paused_until)
            self.next_slot = slot + self.interval
            return slot - now

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the limit from X-RateLimit-* headers, present on every limited answer."""
        limit, period = (
            _number(headers, "X-RateLimit-Limit"),
            _number(headers, "X-RateLimit-Period"),
        )
        remaining, reset = (
            _number(headers, "X-RateLimit-Remaining"),
            _number(headers, "X-RateLimit-Reset"),
        )
        with self.lock:
            if limit and period:
                self.interval = period / (limit * self.share)
            if remaining is not None and reset and remaining >= 1:
                self.interval = max(self.interval, reset / remaining * 0.5)
            if remaining == 0 and reset:
                self.paused_until = max(self.paused_until, self.clock() + reset)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.paused_until = max(self.paused_until, self.clock() + seconds)


class RunBudget:
    """Seconds of retry back-off left for the whole run, shared by all workers."""

    def __init__(self, seconds: float) -> None:
        self.left, self.lock = seconds, threading.Lock()

    def take(self, seconds: float) -> bool:
        with self.lock:
            if seconds > self.left:
                return False
            self.left -= seconds
            return True


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
    ) -> None:
        self.base_url, self.api_key, self.app_key = base_url.rstrip("/"), api_key, app_key
        self.policy = policy or RetryPolicy()
        self.stop = stop or threading.Event()
        self.pacer = Pacer()
        self.budget = RunBudget(self.policy.run_budget_s)
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.retries = 0
        self.rate_limited = 0

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
            self.local.session = session
        return session

    def send_event(self, endpoint: str, attributes: Mapping[str, Any]) -> Reply:
        """POST one failure (or legacy incident) event; it carries its id, so a retry is safe."""
        return self.request("POST", PATHS[endpoint], {"data": {"attributes": dict(attributes)}})

    def request(self, method: str, path: str, body: Any = None, *, app_key: bool = False) -> Reply:
        """One API call with the retry rules; raises an ApiError subclass when it fails."""
        headers = {"DD-API-KEY": self.api_key.reveal()}
        if app_key and self.app_key:
            headers["DD-APPLICATION-KEY"] = self.app_key.reveal()
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        deadline = time.monotonic() + self.policy.request_budget_s
        for attempt in range(1, self.policy.max_attempts + 1):
            self._wait(self.pacer.delay())
            outcome = self._attempt(method, path, data, headers, attempt)
            if isinstance(outcome, Reply):
                return outcome
            wait, reason = outcome
            if attempt == self.policy.max_attempts or time.monotonic() + wait > deadline:
                raise GaveUp(f"gave up after {attempt} attempts: {reason}")
            if not reason.startswith("429") and not self.budget.take(wait):
                raise GaveUp(f"the run's retry budget is spent; last error: {reason}")
            self.retries += 1
            self._wait(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, method: str, path: str, data: str | None, headers: dict[str, str], attempt: int
    ) -> Reply | tuple[float, str]:
        """Send once: the reply, or how long to wait before the next try and why."""
        timeout = (self.policy.connect_timeout_s, self.policy.read_timeout_s)
        try:
            response = self.session().request(
                method, self.base_url + path, data=data, headers=headers, timeout=timeout
            )
        except requests.Timeout:
            return self._backoff(attempt), "timed out"
        except requests.ConnectionError as exc:
            return self._backoff(attempt), f"connection failed ({type(exc).__name__})"
        self.pacer.observe(response.headers)
        status = response.status_code
        if status < 300:
            return Reply(status, _json(response), attempt)
        if status == 429:
            self.rate_limited += 1
            wait = _retry_after(response.headers) or self._backoff(attempt)
            self.pacer.pause(wait)
            return wait, "429 too many requests"
        if status >= 500:
            return _retry_after(response.headers) or self._backoff(attempt), f"HTTP {status}"
        problems = _problems(response)
        if status in (401, 403):
            raise Unauthorized(status, problems[0].detail if problems else response.reason)
        raise Rejected(status, problems)

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter (AWS's "full jitter")."""
        cap = min(self.policy.max_delay_s, self.policy.base_delay_s * 2 ** (attempt - 1))
        return self.rng.uniform(cap / 2, cap)

    def _wait(self, seconds: float) -> None:
        if self.stop.is_set():
            raise Stopped("not sent: the run is stopping")
        if seconds > 0 and self.stop.wait(seconds):
            raise Stopped("not sent: the run is stopping")


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from X-RateLimit-Reset (Datadog) or Retry-After (HTTP)."""
    for name in ("X-RateLimit-Reset", "Retry-After"):
        value = _number(headers, name)
        if value is not None and 0 <= value <= 3600:
            return max(value, 0.05)
    return None


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _problems(response: requests.Response) -> list[ApiProblem]:
    """The `errors` of a JSON:API answer (objects with detail and pointer, or strings)."""
    body = _json(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        text = response.text.strip()[:300]
        return [ApiProblem(text or response.reason or f"HTTP {response.status_code}")]
    out = []
    for error in errors:
        if isinstance(error, dict):
            source = error.get("source") or {}
            detail = error.get("detail") or error.get("title") or json.dumps(error)
            out.append(
                ApiProblem(str(detail), source.get("pointer") if isinstance(source, dict) else None)
            )
        else:
            out.append(ApiProblem(str(error)))
    return out
