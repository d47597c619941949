"""adapter: what a request meets after the socket: faults, the DORA API, introspection, the log."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from typing import TextIO
from urllib.parse import urlsplit

from dorasync import __version__
from dorasync.emulator.faults import FaultPicker, Faults, RateLimiter, Window
from dorasync.emulator.routes import Api, Header, Reply, errors_reply, find_route
from dorasync.emulator.rules import api_error
from dorasync.emulator.store import Store


class App:
    """Everything a request meets after the socket: faults, the API, introspection, the log."""

    def __init__(self, store: Store, api: Api, faults: Faults, log: TextIO | None) -> None:
        self.store, self.api, self.stats, self.faults, self.log = store, api, api.stats, faults, log
        limit = faults.rate_limit
        self.limiter = RateLimiter(limit[0], limit[1]) if limit else None
        self.picker = FaultPicker(faults)
        self.stopping = threading.Event()
        self._log_lock = threading.Lock()

    def respond(self, method: str, target: str, header: Header, raw: bytes) -> Reply | None:
        """The reply, or None to close the connection without one (a drop or a hang)."""
        path = urlsplit(target).path
        if path.startswith("/_emulator/"):
            return self._introspect(method, path)
        if not path.startswith("/api/"):
            return errors_reply([api_error(f"no such endpoint: {path}", status=404)], 404)
        return self._api(method, path, header, raw)

    def reset(self) -> None:
        self.store.reset()
        self.stats.reset()
        self.picker.reset()
        if self.limiter is not None:
            self.limiter.reset()

    def access_log(
        self, client: str, method: str, target: str, status: int | str, started: float
    ) -> None:
        if self.log is None:
            return
        # The path only: a query string could carry a key (api_key=...), and keys are
        # never logged (docs/product.md, "Talking to Datadog").
        path = urlsplit(target).path
        millis = (time.perf_counter() - started) * 1000
        with self._log_lock:
            self.log.write(f"{client} {method} {path} {status} {millis:.1f}ms\n")
            self.log.flush()

    def _api(self, method: str, path: str, header: Header, raw: bytes) -> Reply | None:
        route = find_route(method, path)[0]
        window = self.limiter.take() if self.limiter else None
        reply, label = self._answer(window, method, path, header, raw)
        self.stats.request(method, route.template if route else path, label)
        if reply is None:
            return None
        if self.limiter is not None and window is not None:
            # Every API answer carries the headers while a limit is set, as Datadog's do;
            # with rate_limit_headers off, a 429 says only Retry-After, as many servers do.
            headers = (
                self.limiter.headers(window)
                if self.faults.rate_limit_headers
                else {"Retry-After": str(window.reset_seconds)}
                if not window.allowed
                else {}
            )
            reply = dataclasses.replace(reply, headers={**reply.headers, **headers})
        if self.faults.latency_ms:
            self.stopping.wait(self.faults.latency_ms / 1000)
        return reply

    def _answer(
        self, window: Window | None, method: str, path: str, header: Header, raw: bytes
    ) -> tuple[Reply | None, int | str]:
        if window is not None and not window.allowed:
            self.stats.bump("faults", "rate_limited")
            return Reply(429, {"errors": ["Too many requests"]}), 429
        fate = self.picker.pick()
        if fate is not None:
            self.stats.bump("faults", fate)
        if fate == "drop":
            return None, "dropped"
        if fate == "error":
            return Reply(503, {"errors": ["Service Unavailable"]}), 503
        refused = self._refused(method, raw)
        if refused is not None:
            return refused, 400
        reply = self.api.handle(method, path, header, raw)
        if fate == "cut":
            return dataclasses.replace(reply, cut=True), "cut"
        if fate == "delayed" and reply.status == 200:
            # The seed's 202: "OK - but delayed due to incident"; the event is kept.
            reply = dataclasses.replace(reply, status=202)
        if fate == "timeout":
            # Handled (and stored) but never answered: the client sees a timeout that hides
            # a success, the case docs/datadog-dora-api.md warns about.
            self.stopping.wait(self.faults.hang_seconds)
            return None, "hung"
        return reply, reply.status

    def _refused(self, method: str, raw: bytes) -> Reply | None:
        if method != "POST" or not self.faults.reject_ids:
            return None
        try:
            event_id = json.loads(raw)["data"]["attributes"]["id"]
        except (ValueError, KeyError, TypeError):
            return None
        if event_id not in self.faults.reject_ids:
            return None
        detail = f"event {event_id} refused on request (--reject-id)"
        return errors_reply([api_error(detail, pointer="/data/attributes/id")], 400)

    def _reset_view(self) -> object:
        self.reset()
        return {"status": "reset"}

    def _introspect(self, method: str, path: str) -> Reply:
        views: dict[tuple[str, str], Callable[[], object]] = {
            ("GET", "/_emulator/events"): self.store.snapshot,
            ("GET", "/_emulator/stats"): self.stats.snapshot,
            ("GET", "/_emulator/health"): lambda: {"status": "ok", "version": __version__},
            ("POST", "/_emulator/reset"): self._reset_view,
        }
        view = views.get((method, path.rstrip("/")))
        if view is None:
            return errors_reply([api_error(f"no such endpoint: {method} {path}", status=404)], 404)
        return Reply(200, view())
