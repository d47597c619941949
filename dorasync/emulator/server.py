"""adapter: the emulator's HTTP server (stdlib http.server, loopback only) and its Python handle."""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import selectors
import socket
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from dorasync.emulator.app import App
from dorasync.emulator.faults import Faults
from dorasync.emulator.handler import Handler
from dorasync.emulator.routes import Api
from dorasync.emulator.stats import Stats
from dorasync.emulator.store import Store, load_seed

__all__ = ["Emulator", "Faults", "check_host"]


def check_host(host: str) -> str:
    """The address to bind for `host`; ValueError unless it is a loopback address.

    The emulator takes any key and has no TLS: it must never be reachable from
    another machine.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host {host!r} is not an IP address or localhost") from None
    if not address.is_loopback:
        raise ValueError(f"host {host} is not a loopback address; use 127.0.0.1, ::1 or localhost")
    return host


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hanging request must never keep the process alive
    # handle_request() runs only once select() saw a connection waiting; if the client
    # gave up in between, it must return rather than block where stop() cannot wake it.
    timeout = 0.0

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        # A byte on this pair wakes the accept loop at once, so stop() never waits out
        # a poll interval (socketserver's serve_forever polls every 0.5 s).
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, Handler)

    def serve(self) -> None:
        """Accept connections (each served by its own daemon thread) until stop_serving()."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopped.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self._stopped.is_set():
                        self.handle_request()

    def stop_serving(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def close_connections(self) -> None:
        # Idle keep-alive connections would otherwise go on being served by their
        # threads after stop(), answering a client that believes the server is gone.
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client gone away is not news
            super().handle_error(request, client_address)


class Emulator:
    """A local stand-in for Datadog's DORA API, served over HTTP on loopback.

    start() serves from a background thread and returns the base URL; serve_forever()
    serves from the calling thread until KeyboardInterrupt. failures(), stats() and
    reset() are the Python side of /_emulator/events, /stats and /reset.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        app_key: str | None = None,
        data_file: str | Path | None = None,
        seed_file: str | Path | None = None,
        faults: Faults | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.host, self.port, self.url = host, port, ""
        self._address = (check_host(host), port)
        self._seed = load_seed(Path(seed_file)) if seed_file else []
        store = Store(Path(data_file) if data_file else None)
        self._app = App(store, Api(store, Stats(), api_key, app_key), faults or Faults(), log)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def bind(self) -> str:
        """Load the data and seed files and listen (without serving yet); the base URL."""
        if self._server is None:
            self._app.store.open()
            self._app.store.seed(self._seed)
            self._server = _Server(self._address, self._app)
            self.port = self._server.server_address[1]
            shown_host = f"[{self.host}]" if ":" in self.host else self.host
            self.url = f"http://{shown_host}:{self.port}"
        return self.url

    def start(self) -> str:
        """Serve from a daemon thread; returns the base URL, e.g. http://127.0.0.1:PORT."""
        url = self.bind()
        if self._thread is None and self._server is not None:
            self._thread = threading.Thread(
                target=self._server.serve, name="dorasync-emulator", daemon=True
            )
            self._thread.start()
        return url

    def serve_forever(self) -> None:
        """Serve from this thread until KeyboardInterrupt, then stop."""
        self.bind()
        assert self._server is not None
        try:
            self._server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving; ends hanging requests and open connections at once."""
        self._app.stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.stop_serving()
            if self._thread is not None:
                self._thread.join()
                self._thread = None
            server.server_close()
            server.close_connections()
        self._app.store.close()

    def failures(self) -> dict[str, dict[str, object]]:
        """Stored failure events: id -> attributes exactly as received."""
        return copy.deepcopy(dict(self._app.store.failure_items()))

    def deployments(self) -> dict[str, dict[str, object]]:
        """Stored deployments: id -> attributes as received plus change_failure/remediation."""
        return copy.deepcopy(dict(self._app.store.deployment_items()))

    def patches(self) -> list[dict[str, object]]:
        """The accepted deployment PATCHes, {path, body} each, oldest first."""
        shown = self.stats()["patches"]
        assert isinstance(shown, list)
        return shown

    def events(self) -> dict[str, object]:
        """Everything stored; the body of GET /_emulator/events."""
        return self._app.store.snapshot()

    def stats(self) -> dict[str, object]:
        """Counters; the body of GET /_emulator/stats."""
        return self._app.stats.snapshot()

    def reset(self) -> None:
        """Forget every event and counter (and restart rate-limit windows and fault draws)."""
        self._app.reset()

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
