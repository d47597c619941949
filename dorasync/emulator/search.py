"""pure core: search requests (POST /api/v2/dora/failures, /deployments) and read shapes.

Shapes come from Datadog's spec as generated into datadog-api-client-python
(DORAListFailuresRequestAttributes, DORAFailureFetchResponse -> DORAIncidentObject,
DORADeploymentFetchResponse) and from the recordings in
tests/fixtures/datadog-recordings/ (error texts, RFC 3339 timestamps in reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dorasync.emulator.rules import ATTRS, Error, api_error, epoch_to_ns, shown, unknown_keys

FAILURE_TERMS = frozenset({"env", "service", "team", "severity", "version"})
DEPLOYMENT_TERMS = frozenset({"env", "service", "team", "version"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DEFAULT_LIMIT = 10  # docs/datadog-dora-api.md, "Reads": default 10, maximum 1000
_MAX_LIMIT = 1000


@dataclass(frozen=True)
class Search:
    """A checked search request."""

    start_ns: int | None
    end_ns: int | None
    limit: int
    terms: tuple[tuple[str, str], ...]
    descending: bool


def type_error(doc: dict[str, object], expected: str) -> Error | None:
    """The recorded error for a missing or wrong data.type, word for word.

    Recording test_get_a_list_of_failure_events_returns_bad_request_response: a body
    without type gets `got type "" expected one of "dora_failures_list_request"`, with
    no source pointer; the server checks this before anything else.
    """
    data = doc.get("data")
    given = data.get("type", "") if isinstance(data, dict) else ""
    if given == expected:
        return None
    got = given if isinstance(given, str) else shown(given)
    return api_error(f'got type "{got}" expected one of "{expected}"')


def rfc3339_to_ns(text: str) -> int | None:
    """Nanoseconds since the epoch for an RFC 3339 date-time with an offset, else None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or "T" not in text.upper():
        return None
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1_000


def ns_to_rfc3339(ns: int) -> str:
    # Reads give seconds precision ("2023-08-31T14:26:14Z" in the deployments recording
    # and docs/datadog-dora-api.md, "Reads"): truncate, never round.
    return datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bound(attrs: dict[str, object], name: str, errors: list[Error]) -> int | None:
    value = attrs.get(name)
    if value is None:
        return None
    ns = rfc3339_to_ns(value) if isinstance(value, str) else None
    if ns is None:
        detail = (
            f'attribute "{name}" must be an RFC 3339 date-time with an offset, got {shown(value)}'
        )
        errors.append(api_error(detail, f"{ATTRS}/{name}"))
    return ns


def _limit(attrs: dict[str, object], errors: list[Error]) -> int:
    value = attrs.get("limit", _DEFAULT_LIMIT)
    if type(value) is int and 1 <= value <= _MAX_LIMIT:
        return value
    detail = f'attribute "limit" must be an integer from 1 to {_MAX_LIMIT}, got {shown(value)}'
    errors.append(api_error(detail, f"{ATTRS}/limit"))
    return _DEFAULT_LIMIT


def _terms(
    attrs: dict[str, object], allowed: frozenset[str], errors: list[Error]
) -> tuple[tuple[str, str], ...]:
    query = attrs.get("query", "")
    if not isinstance(query, str):
        errors.append(api_error('attribute "query" must be a string', f"{ATTRS}/query"))
        return ()
    terms: list[tuple[str, str]] = []
    for word in query.split():
        key, colon, value = word.partition(":")
        if not colon or key not in allowed or not value:
            # The real API takes Datadog's full event-platform syntax; the emulator knows
            # only key:value terms, ANDed, and says so rather than guessing.
            keys = " ".join(sorted(allowed))
            detail = (
                f"query term {shown(word)} is not supported by the emulator; "
                f"use key:value with key one of {keys}"
            )
            errors.append(api_error(detail, f"{ATTRS}/query"))
            continue
        terms.append((key, value.strip('"')))
    return tuple(terms)


def parse_search(
    doc: dict[str, object], expected_type: str, allowed: frozenset[str]
) -> tuple[Search | None, list[Error]]:
    """A search request body, checked; errors in JSON:API form."""
    wrong_type = type_error(doc, expected_type)
    if wrong_type is not None:
        return None, [wrong_type]
    data = doc["data"]
    assert isinstance(data, dict)
    attrs = data.get("attributes", {})
    if not isinstance(attrs, dict):
        return None, [api_error('"data.attributes" must be an object', ATTRS)]
    errors = unknown_keys(attrs, {"from", "to", "limit", "query", "sort"}, ATTRS)
    start, end = _bound(attrs, "from", errors), _bound(attrs, "to", errors)
    limit, terms = _limit(attrs, errors), _terms(attrs, allowed, errors)
    sort = attrs.get("sort", "-started_at")
    if sort not in ("started_at", "-started_at"):
        detail = f'attribute "sort" must be "started_at" or "-started_at", got {shown(sort)}'
        errors.append(api_error(detail, f"{ATTRS}/sort"))
    if errors:
        return None, errors
    return Search(start, end, limit, terms, sort == "-started_at"), []


def _matches(attrs: dict[str, object], key: str, value: str) -> bool:
    if key == "service":
        services = attrs.get("services")
        # A failure names several services and matches when any is the one asked for.
        return value in services if isinstance(services, list) else attrs.get("service") == value
    return attrs.get(key) == value


def select(
    events: list[tuple[str, dict[str, object]]], search: Search
) -> list[tuple[str, dict[str, object]]]:
    """The events a search returns, sorted and cut to its limit.

    from and to are both inclusive: the spec calls them "Minimum timestamp" and "Maximum
    timestamp" (DORAListFailuresRequestAttributes). Unverified against the real server.
    """
    hits = []
    for event_id, attrs in events:
        value = attrs.get("started_at")
        started = epoch_to_ns(value) if type(value) is int else 0
        if search.start_ns is not None and started < search.start_ns:
            continue
        if search.end_ns is not None and started > search.end_ns:
            continue
        if all(_matches(attrs, key, value) for key, value in search.terms):
            hits.append((started, event_id, attrs))
    hits.sort(key=lambda hit: (hit[0], hit[1]), reverse=search.descending)
    return [(event_id, attrs) for _, event_id, attrs in hits[: search.limit]]


def read_attributes(attrs: dict[str, object]) -> dict[str, object]:
    """Stored attributes as a read returns them: times as RFC 3339, the id only at data.id.

    DORAIncidentObjectAttributes has no `id` (it is DORAIncidentObject.id) and types
    started_at/finished_at as date-times.
    """
    shown_attrs = {key: value for key, value in attrs.items() if key != "id"}
    for key in ("started_at", "finished_at"):
        value = attrs.get(key)
        if type(value) is int:
            shown_attrs[key] = ns_to_rfc3339(epoch_to_ns(value))
    return shown_attrs
