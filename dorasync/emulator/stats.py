"""adapter: counters that let tests assert what the emulator received (nothing lost or doubled)."""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter, deque

PATCHES_KEPT = 1_000  # the last accepted PATCH bodies shown by the stats, for tests


class Stats:
    """Request and event counters, safe to bump from many handler threads."""

    _BY_ID = ("posts_by_id", "deployment_posts_by_id", "deletes_by_id", "patches_by_id")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, Counter[str]] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            names = ("requests", "faults", *self._BY_ID)
            self._counters = {name: Counter() for name in names}
            self._updates = 0
            self._patches: deque[dict[str, object]] = deque(maxlen=PATCHES_KEPT)
            self._first: float | None = None
            self._last: float | None = None

    def request(self, method: str, route: str, status: int | str) -> None:
        now = time.time()
        with self._lock:
            self._counters["requests"][f"{method} {route} {status}"] += 1
            # When API traffic began and ended, so a benchmark can tell the rate the
            # server saw from the client's start-up time.
            self._first = now if self._first is None else self._first
            self._last = now

    def bump(self, counter: str, key: str) -> None:
        with self._lock:
            self._counters[counter][key] += 1

    def patch_received(self, path: str, body: object) -> None:
        """An accepted deployment PATCH, its body as received, for tests to read."""
        with self._lock:
            self._patches.append({"path": path, "body": body})

    def failure_received(self, event_id: str, *, update: bool) -> None:
        with self._lock:
            self._counters["posts_by_id"][event_id] += 1
            self._updates += update

    def snapshot(self) -> dict[str, object]:
        """Plain JSON values; the shape of GET /_emulator/stats.

        requests: "METHOD ROUTE STATUS" -> count, with ids shown as {id} and STATUS
        "dropped" or "hung" for requests answered with silence; posts_by_id: stored
        failure POSTs per event id; updates: stored POSTs that replaced an event;
        rate_limited: 429s sent; faults: injected errors, drops and hangs; patches:
        the last accepted deployment PATCHes, {path, body} each, oldest first;
        first_request_at / last_request_at: Unix times of the first and last API
        request (null before any).
        """
        with self._lock:
            shown: dict[str, object] = {
                name: dict(counter) for name, counter in self._counters.items()
            }
            shown["updates"] = self._updates
            shown["patches"] = copy.deepcopy(list(self._patches))
            shown["rate_limited"] = self._counters["faults"]["rate_limited"]
            shown["first_request_at"] = self._first
            shown["last_request_at"] = self._last
            return shown
