"""Adapter support: how fast the workers of one run may send, shared between threads.

Datadog answers 429 with X-RateLimit-Limit/-Period/-Remaining/-Reset (API note,
"Responses") and sends the same headers on every answer of a limited endpoint. The
Pacer learns the limit from them and spaces every worker's requests at 95% of it,
so that a large apply settles just under the limit instead of bouncing off it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

SHARE = 0.95  # of the server's limit: the margin absorbs jitter between send and arrival


class Pacer:
    """Hands out send slots to all workers; learns the rate from the answers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, share: float = SHARE) -> None:
        self.clock, self.share = clock, share
        self.lock = threading.Lock()
        self.next_slot = 0.0
        self.interval = 0.0
        self.paused_until = 0.0
        self.first_send: float | None = None
        self.unpaced = 0
        self.known = False  # the limit came from X-RateLimit-* headers
        self.passed = 0  # answers since the last pause, to learn a limit without headers
        self.since: float | None = None

    def delay(self) -> float:
        """Claim the next slot; how long the caller must wait for it. Idle time is not
        banked, so workers never burst after a pause."""
        with self.lock:
            now = self.clock()
            if not self.interval:
                self.first_send = now if self.first_send is None else self.first_send
                self.unpaced += 1
            slot = max(now, self.next_slot, self.paused_until)
            self.next_slot = slot + self.interval
            return slot - now

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from the X-RateLimit-* headers of any answer."""
        limit, period = number(headers, "X-RateLimit-Limit"), number(headers, "X-RateLimit-Period")
        remaining = number(headers, "X-RateLimit-Remaining")
        reset = number(headers, "X-RateLimit-Reset")
        with self.lock:
            if limit and period:
                self.known = True
                learnt = not self.interval
                self.interval = period / (limit * self.share)
                if learnt and self.first_send is not None:
                    # The requests sent before the limit was known count as paced ones,
                    # so the first window is not overrun by them.
                    after = self.first_send + self.unpaced * self.interval
                    self.next_slot = max(self.next_slot, after)
            # Remaining/Reset are not turned into a rate: Reset is rounded up to whole
            # seconds, so near the end of a window it would slow the run for nothing.
            # When others use up the window, Remaining reaches 0 and everyone waits.
            if remaining == 0 and reset:
                self.paused_until = max(self.paused_until, self.clock() + reset)

    def passed_one(self) -> None:
        """Count a request the server let through."""
        with self.lock:
            self.passed += 1
            self.since = self.clock() if self.since is None else self.since

    def pause(self, seconds: float) -> None:
        """Hold every worker back, as after a 429. A server that sends only Retry-After
        still tells its rate: it let `passed` requests through from `since` to the end
        of this pause, so the run is paced at 95% of that from now on."""
        with self.lock:
            now = self.clock()
            if now < self.paused_until:
                # Another worker's 429 of the same window: counted already.
                self.paused_until = max(self.paused_until, now + seconds)
                return
            if not self.known and self.passed and self.since is not None:
                span = now + seconds - self.since
                self.interval = span / (self.passed * self.share)
            self.passed, self.since = 0, now + seconds
            self.paused_until = now + seconds


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


def number(headers: Mapping[str, str], name: str) -> float | None:
    """A header's value as a number, or None when it is absent or not a number."""
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None
