"""adapter: the DORA endpoints of docs/datadog-dora-api.md, request to reply (no faults here)."""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from dorasync.emulator.patch import parse_patch, parse_patch_by_version
from dorasync.emulator.rules import (
    Error,
    api_error,
    deployment_errors,
    failure_errors,
    parse_document,
    write_attributes,
)
from dorasync.emulator.search import (
    DEPLOYMENT_TERMS,
    FAILURE_TERMS,
    parse_search,
    read_attributes,
    select,
)
from dorasync.emulator.stats import Stats
from dorasync.emulator.store import Store

Header = Callable[[str], str | None]


@dataclass
class Reply:
    """What to answer: body None means an empty body (the 202 of a DELETE)."""

    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    # Send the status line and headers, then only half the body, and hang up.
    cut: bool = False


def errors_reply(errors: list[Error], status: int = 400) -> Reply:
    return Reply(status, {"errors": errors})


# docs/datadog-dora-api.md, "Responses": 401/403 bodies are lists of strings, not objects.
FORBIDDEN = Reply(403, {"errors": ["Forbidden"]})


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    app_key: bool  # DD-APPLICATION-KEY needed too (the API note's "keys" column)
    action: str

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(
            re.escape(self.template).replace(re.escape("{id}"), "(?P<id>[^/]+)") + "/?"
        )


ROUTES = (
    Route("POST", "/api/v2/dora/failure", False, "post_failure"),
    Route("POST", "/api/v2/dora/incident", False, "post_incident"),
    Route("GET", "/api/v2/dora/failures/{id}", True, "get_failure"),
    Route("POST", "/api/v2/dora/failures", True, "search_failures"),
    Route("DELETE", "/api/v2/dora/failure/{id}", True, "delete_failure"),
    Route("POST", "/api/v2/dora/deployment", False, "post_deployment"),
    Route("POST", "/api/v2/dora/deployments", True, "search_deployments"),
    Route("GET", "/api/v2/dora/deployments/{id}", True, "get_deployment"),
    Route("PATCH", "/api/v2/dora/deployments/{id}", True, "patch_deployment"),
    # In the spec and the clients (patch_dora_deployment_by_version), in no recording.
    Route("PATCH", "/api/v2/dora/deployments", True, "patch_by_version"),
    # In the spec and the clients (delete_dora_deployment), in no recording.
    Route("DELETE", "/api/v2/dora/deployment/{id}", True, "delete_deployment"),
)
_PATTERNS = [(route, route.pattern) for route in ROUTES]


def find_route(method: str, path: str) -> tuple[Route | None, str | None, bool]:
    """The route for a request, the id in its path, and whether the path exists at all."""
    known = False
    for route, pattern in _PATTERNS:
        found = pattern.fullmatch(path)
        if found is None:
            continue
        known = True
        if route.method == method:
            return route, unquote(found["id"]) if "id" in pattern.groupindex else None, True
    return None, None, known


def _key_ok(given: str | None, expected: str | None) -> bool:
    if not given:
        return False
    return expected is None or hmac.compare_digest(given.encode(), expected.encode())


class Api:
    """Answers the DORA endpoints from a Store, counting into Stats."""

    def __init__(
        self, store: Store, stats: Stats, api_key: str | None, app_key: str | None
    ) -> None:
        self.store, self.stats = store, stats
        self._api_key, self._app_key = api_key, app_key

    def handle(self, method: str, path: str, header: Header, raw: bytes) -> Reply:
        route, event_id, known = find_route(method, path)
        if route is None:
            status = 405 if known else 404
            text = "method not allowed" if known else "no such endpoint"
            return errors_reply([api_error(f"{method} {path}: {text}", status=status)], status)
        if not _key_ok(header("DD-API-KEY"), self._api_key):
            return FORBIDDEN
        if route.app_key and not _key_ok(header("DD-APPLICATION-KEY"), self._app_key):
            return FORBIDDEN
        action: Callable[[str, bytes], Reply] = getattr(self, route.action)
        return action(event_id or "", raw)

    def post_failure(self, _: str, raw: bytes) -> Reply:
        return self._store_failure(raw, "failure")

    def post_incident(self, _: str, raw: bytes) -> Reply:
        return self._store_failure(raw, "incident")

    def _store_failure(self, raw: bytes, path: str) -> Reply:
        attrs, errors = _write_body(raw, failure_errors)
        if attrs is None:
            return errors_reply(errors)
        given = attrs.get("id")
        event_id = given if isinstance(given, str) else str(uuid.uuid4())
        record = self.store.put_failure(event_id, attrs, path)
        self.stats.failure_received(event_id, update=record.received > 1)
        # Both paths answer type dora_failure (test_send_a_failure_event_returns_ok_response
        # posts to the legacy /incident path).
        return Reply(200, {"data": {"id": event_id, "type": "dora_failure"}})

    def get_failure(self, event_id: str, _: bytes) -> Reply:
        attrs = self.store.failure(event_id)
        if attrs is None:
            return _not_found("failure", event_id)
        return Reply(200, {"data": _failure_item(event_id, attrs)})

    def search_failures(self, _: str, raw: bytes) -> Reply:
        doc, errors = parse_document(raw)
        search, errors = (
            parse_search(doc, "dora_failures_list_request", FAILURE_TERMS)
            if doc
            else (None, errors)
        )
        if search is None:
            return errors_reply(errors)
        found = select(self.store.failure_items(), search)
        return Reply(200, {"data": [_failure_item(key, attrs) for key, attrs in found]})

    def delete_failure(self, event_id: str, _: bytes) -> Reply:
        if not self.store.delete_failure(event_id):
            return _not_found("failure", event_id)
        self.stats.bump("deletes_by_id", event_id)
        return Reply(202)

    def post_deployment(self, _: str, raw: bytes) -> Reply:
        attrs, errors = _write_body(raw, deployment_errors)
        if attrs is None:
            return errors_reply(errors)
        given = attrs.get("id")
        # Server-made deployment ids look like "2a47b5f25b160b8a" in the recordings.
        event_id = given if isinstance(given, str) else secrets.token_hex(8)
        self.store.put_deployment(event_id, attrs)
        self.stats.bump("deployment_posts_by_id", event_id)
        return Reply(200, {"data": {"id": event_id, "type": "dora_deployment"}})

    def search_deployments(self, _: str, raw: bytes) -> Reply:
        doc, errors = parse_document(raw)
        search, errors = (
            parse_search(doc, "dora_deployments_list_request", DEPLOYMENT_TERMS)
            if doc
            else (None, errors)
        )
        if search is None:
            return errors_reply(errors)
        found = select(self.store.deployment_items(), search)
        return Reply(200, {"data": [_deployment_item(key, attrs) for key, attrs in found]})

    def get_deployment(self, event_id: str, _: bytes) -> Reply:
        attrs = self.store.deployment(event_id)
        if attrs is None:
            return _not_found("deployment", event_id)
        return Reply(200, {"data": _deployment_item(event_id, attrs)})

    def patch_deployment(self, event_id: str, raw: bytes) -> Reply:
        doc, errors = parse_document(raw)
        patch, errors = parse_patch(doc, event_id) if doc else (None, errors)
        if patch is None:
            return errors_reply(errors)
        if not self.store.patch_deployment(
            event_id, _patch_fields(patch.change_failure, patch.remediation)
        ):
            return _not_found("deployment", event_id)
        self.stats.bump("patches_by_id", event_id)
        self.stats.patch_received(f"/api/v2/dora/deployments/{event_id}", doc)
        return Reply(202, {"data": None})  # as recorded: 202 {"data":null}

    def patch_by_version(self, _: str, raw: bytes) -> Reply:
        doc, errors = parse_document(raw)
        parsed, errors = parse_patch_by_version(doc) if doc else (None, errors)
        if parsed is None:
            return errors_reply(errors)
        match, patch = parsed
        wanted = {"service": match.service, "env": match.env, "version": match.version}
        ids = [
            key
            for key, attrs in self.store.deployment_items()
            if all(attrs.get(k) == v for k, v in wanted.items())
        ]
        if not ids:
            detail = (
                f"no deployment of service {match.service!r} in env {match.env!r}"
                f" at version {match.version!r}"
            )
            return errors_reply([api_error(detail, status=404)], 404)
        for key in ids:
            self.store.patch_deployment(key, _patch_fields(patch.change_failure, patch.remediation))
            self.stats.bump("patches_by_id", key)
        self.stats.patch_received("/api/v2/dora/deployments", doc)
        return Reply(202, {"data": None})

    def delete_deployment(self, event_id: str, _: bytes) -> Reply:
        if not self.store.delete_deployment(event_id):
            return _not_found("deployment", event_id)
        self.stats.bump("deletes_by_id", event_id)
        return Reply(202)


def _write_body(
    raw: bytes, check: Callable[[dict[str, object]], list[Error]]
) -> tuple[dict[str, object] | None, list[Error]]:
    doc, errors = parse_document(raw)
    attrs, errors = write_attributes(doc) if doc is not None else (None, errors)
    if attrs is not None:
        errors += check(attrs)
    return (attrs, []) if attrs is not None and not errors else (None, errors)


def _patch_fields(
    change_failure: bool | None, remediation: dict[str, object] | None
) -> dict[str, object]:
    fields: dict[str, object] = {}
    if change_failure is not None:
        fields["change_failure"] = change_failure
    if remediation is not None:
        fields["remediation"] = remediation
    return fields


def _not_found(kind: str, event_id: str) -> Reply:
    # Unverified: no recording shows Datadog's 404 for an unknown id; JSON:API like its 400.
    return errors_reply([api_error(f"{kind} event {event_id!r} not found", status=404)], 404)


def _failure_item(event_id: str, attrs: dict[str, object]) -> dict[str, object]:
    return {"id": event_id, "type": "dora_failure", "attributes": read_attributes(attrs)}


def _deployment_item(event_id: str, attrs: dict[str, object]) -> dict[str, object]:
    return {"id": event_id, "type": "dora_deployment", "attributes": read_attributes(attrs)}
