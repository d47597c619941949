"""adapter: misbehaviour on request (rate limits, errors, drops, hangs), deterministic by seed.

Shapes follow docs/datadog-dora-api.md, "Responses": 429 `{"errors": ["Too many
requests"]}` with the X-RateLimit-* headers Datadog documents for its other endpoints.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

RATE_LIMIT_NAME = "dora_api"


@dataclass(frozen=True)
class Faults:
    """How the emulator misbehaves; all off by default.

    rate_limit: (N, SECONDS) fixed windows of N accepted requests; rate_limit_headers
    off sends no X-RateLimit-* header, only Retry-After on a 429. error_rate,
    timeout_rate and drop_rate: the share of API requests answered 503, stored then left
    hanging for hang_seconds, or dropped unanswered (one draw per request decides, so
    together they may not exceed 1). latency_ms: delay before every API answer.
    delayed_rate: the share of stored events answered 202 ("OK, but delayed").
    cut_rate: the share of requests handled (and stored), whose answer is then cut off
    halfway through its body.
    reject_ids: event ids whose POST is answered 400 as if Datadog refused the body,
    so that a client's handling of a refusal can be tried with a body it believes valid.
    """

    rate_limit: tuple[int, float] | None = None
    rate_limit_headers: bool = True
    error_rate: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    delayed_rate: float = 0.0
    cut_rate: float = 0.0
    hang_seconds: float = 30.0
    fault_seed: int = 0
    reject_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        rates = {
            "error_rate": self.error_rate,
            "timeout_rate": self.timeout_rate,
            "drop_rate": self.drop_rate,
            "delayed_rate": self.delayed_rate,
            "cut_rate": self.cut_rate,
        }
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if sum(rates.values()) > 1.0:
            raise ValueError(
                "error_rate + timeout_rate + drop_rate + delayed_rate + cut_rate must not exceed 1"
            )
        if self.latency_ms < 0 or self.hang_seconds < 0:
            raise ValueError("latency_ms and hang_seconds must not be negative")
        if self.rate_limit is not None:
            count, seconds = self.rate_limit
            if count < 1 or not seconds > 0:
                raise ValueError(
                    f"rate_limit needs N >= 1 requests per SECONDS > 0, got {count}/{seconds}"
                )


@dataclass(frozen=True)
class Window:
    """The rate limiter's answer for one request."""

    allowed: bool
    remaining: int
    reset_seconds: int


class RateLimiter:
    """Fixed windows of `limit` accepted requests per `period` seconds, from the first request."""

    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.period, self._clock = limit, period, clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._origin: float | None = None
            self._window = 0
            self._used = 0

    def take(self) -> Window:
        with self._lock:
            now = self._clock()
            if self._origin is None:
                # Windows count from the first request, not from start-up, so the first
                # window is always a whole one.
                self._origin = now
            window = int((now - self._origin) // self.period)
            if window != self._window:
                self._window, self._used = window, 0
            # A refused request does not use up the window: only accepted ones count.
            allowed = self._used < self.limit
            self._used += allowed
            ends = self._origin + (window + 1) * self.period
            return Window(allowed, self.limit - self._used, max(1, math.ceil(ends - now)))

    def headers(self, window: Window) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Period": f"{self.period:g}",
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": str(window.reset_seconds),
            "X-RateLimit-Name": RATE_LIMIT_NAME,
        }


class FaultPicker:
    """Which fault, if any, a request gets: one seeded draw per API request."""

    def __init__(self, faults: Faults) -> None:
        self._faults = faults
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rng = random.Random(self._faults.fault_seed)

    def pick(self) -> str | None:
        """ "drop", "error", "timeout", "delayed", "cut" or None."""
        faults = self._faults
        rates = (
            faults.drop_rate,
            faults.error_rate,
            faults.timeout_rate,
            faults.delayed_rate,
            faults.cut_rate,
        )
        if not any(rates):
            return None
        with self._lock:
            draw = self._rng.random()
        for name, rate in (
            ("drop", faults.drop_rate),
            ("error", faults.error_rate),
            ("timeout", faults.timeout_rate),
            ("delayed", faults.delayed_rate),
            ("cut", faults.cut_rate),
        ):
            if draw < rate:
                return name
            draw -= rate
        return None
