"""adapter: HTTP/1.1 framing for the emulator: parse a request, read its body, write one reply."""

from __future__ import annotations

import json
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from typing import Any

from dorasync import __version__
from dorasync.emulator.app import App
from dorasync.emulator.routes import Reply, errors_reply
from dorasync.emulator.rules import api_error

_MAX_BODY = 5 * 1024 * 1024  # a sanity cap: a DORA event is a few hundred bytes
_MAX_HEADERS = 100
_MAX_LINE = 65536


class Handler(BaseHTTPRequestHandler):
    """One keep-alive connection; each request goes to the server's App."""

    protocol_version = "HTTP/1.1"  # keep-alive: a client session reuses one connection
    server_version = f"dorasync-emulator/{__version__}"
    # One write per answer plus no Nagle, or delayed ACKs cost 40 ms a request.
    disable_nagle_algorithm = True
    timeout = 300  # an idle keep-alive connection gives its thread back eventually
    server: Any  # the emulator's server: has .app and .track()
    fields: dict[str, str]
    raw_requestline: bytes  # set by handle_one_request; typeshed leaves it out

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def parse_request(self) -> bool:
        """The request line and headers, without the email package.

        http.server's own parse_request runs email.parser on every request, which was
        most of the emulator's time per request; the clients here speak plain HTTP/1.x.
        """
        self.command, self.request_version, self.close_connection = "", "HTTP/0.9", True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            self.request_version = "HTTP/1.0"  # so that the error goes out with a status line
            self.send_error(400, "Bad request line")
            return False
        self.command, self.path, self.request_version = words
        fields = self._read_fields()
        if fields is None:
            return False
        self.fields = fields
        connection = fields.get("connection", "").lower()
        old = self.request_version == "HTTP/1.0"
        self.close_connection = connection == "close" or (old and connection != "keep-alive")
        if fields.get("expect", "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def _read_fields(self) -> dict[str, str] | None:
        fields: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self.rfile.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                self.send_error(431, "Header line too long")
                return None
            if line in (b"\r\n", b"\n", b""):
                return fields
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon:
                self.send_error(400, "Bad header line")
                return None
            fields[name.strip().lower()] = value.strip()
        self.send_error(431, "Too many headers")
        return None

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: App writes the access log, without request lines or headers."""

    def _serve(self) -> None:
        started, app = time.perf_counter(), self.server.app
        body = self._read_body()
        if isinstance(body, Reply):
            self.close_connection = True  # the body was not read, so the stream is lost
            reply: Reply | None = body
        else:
            reply = self._respond(app, body)
        status = reply.status if reply else "no answer"
        # Logged before the answer goes out, so a client that has its answer can count
        # on the line being there (a test may stop the emulator the moment it has it).
        app.access_log(self.client_address[0], self.command, self.path, status, started)
        if reply is None:
            self.close_connection = True  # a drop or a hang: no answer at all
        else:
            self._write(reply)

    def _respond(self, app: App, body: bytes) -> Reply | None:
        try:
            return app.respond(self.command, self.path, self._field, body)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return Reply(500, {"errors": ["Internal Server Error"]})

    def _field(self, name: str) -> str | None:
        return self.fields.get(name.lower())

    def _read_body(self) -> bytes | Reply:
        if "chunked" in self.fields.get("transfer-encoding", "").lower():
            error = api_error("send a Content-Length, not a chunked body", status=411)
            return errors_reply([error], 411)
        length = self.fields.get("content-length", "0")
        if not length.isdigit() or int(length) > _MAX_BODY:
            error = api_error(f"bad or too large Content-Length: {length[:20]}", status=413)
            return errors_reply([error], 413)
        return self.rfile.read(int(length))

    def _write(self, reply: Reply) -> None:
        body = b"" if reply.body is None else json.dumps(reply.body, separators=(",", ":")).encode()
        lines = [
            f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}",
            f"Server: {self.server_version}",
            f"Date: {_date()}",
            f"Content-Length: {len(body)}",
        ]
        if reply.body is not None:
            lines.append("Content-Type: application/vnd.api+json")
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        if reply.cut:
            # The case the client must not crash on: a success whose answer is lost
            # on the way (the event is stored, the answer ends early).
            body = body[: len(body) // 2]
            self.close_connection = True
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


_date_cache: tuple[int, str] = (0, "")


def _date() -> str:
    # Formatting the Date header costs more than the rest of a reply; it changes once a second.
    global _date_cache  # noqa: PLW0603 - a one-entry cache shared by all handler threads
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)))
    return _date_cache[1]
