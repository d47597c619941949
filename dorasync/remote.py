"""Core: a failure event as Datadog reads it back, in the one normal form dorasync sends.

Reads give `started_at`/`finished_at` as RFC 3339 strings, at seconds precision in
the one recorded example, where dorasync sent integer nanoseconds (API note,
"Reads"). So a read is turned into the form of what is sent (integer nanoseconds,
the id inside the attributes), remembering the precision of each time as the server
wrote it, and a time read is the time sent when it is that time truncated or rounded
to that precision: a server keeping seconds may show 13:02:00.7 as "13:02:00Z"
(truncated) or "13:02:01Z" (rounded), and either is no drift. Lists of services and
tags are compared as sets: their order means nothing to DORA, and a server that
sorts them must not look like drift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dorasync.errors import DorasyncError
from dorasync.plan import FieldChange
from dorasync.timestamps import TimestampError, datetime_to_ns, epoch_to_ns

TIMES = ("started_at", "finished_at")
SETS = ("services", "custom_tags")
TEXTS = ("name", "team", "severity", "env", "version")
# The attributes a read may carry that dorasync sends (DORAIncidentObjectAttributes);
# anything else the server adds is not dorasync's to compare.
KNOWN = (*TIMES, *SETS, *TEXTS, "git")
_FRACTION = re.compile(r"[.,](\d+)")


class BadRead(DorasyncError):
    """A read answer that is not a failure event dorasync can compare."""


@dataclass(frozen=True, slots=True)
class Remote:
    """One event as read: its attributes in the sent form, and the precision of each
    time in nanoseconds (10**9 when the server wrote whole seconds)."""

    id: str
    attributes: dict[str, Any]
    units: Mapping[str, int] = field(default_factory=dict)


def item_id(item: object, asked: str | None = None) -> str | None:
    """An event's id in a read answer: `data.id` (the spec's read model), else an id
    inside its attributes (as it was sent), else the id that was asked for."""
    if not isinstance(item, Mapping):
        return None
    attributes = item.get("attributes")
    for candidate in (
        item.get("id"),
        attributes.get("id") if isinstance(attributes, Mapping) else None,
        asked,
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def read_item(item: object, asked: str | None = None) -> Remote:
    """A `data` item of a read answer ({"id", "type", "attributes"}) as a Remote."""
    event_id = item_id(item, asked)
    if event_id is None or not isinstance(item, Mapping):
        raise BadRead(f"a read answer holds {str(item)[:80]!r}, not an event with an id")
    raw = item.get("attributes")
    if not isinstance(raw, Mapping):
        raise BadRead(f"event {event_id}: the answer has no attributes")
    attributes: dict[str, Any] = {"id": event_id}
    units: dict[str, int] = {}
    for name in KNOWN:
        value = raw.get(name)
        if value is None or value in ("", [], {}):
            continue  # absent: dorasync never sends an empty value
        if name in TIMES:
            attributes[name], units[name] = _time(event_id, name, value)
        else:
            attributes[name] = value
    if "started_at" not in attributes:
        raise BadRead(f"event {event_id}: the answer has no started_at")
    return Remote(event_id, attributes, units)


def _time(event_id: str, name: str, value: object) -> tuple[int, int]:
    """Nanoseconds and the precision the server wrote them with."""
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            # An epoch read back keeps the precision of its unit (s, ms or ns).
            ns = epoch_to_ns(value)
            return ns, ns // value if value else 1
        if isinstance(value, str):
            fraction = _FRACTION.search(value)
            digits = min(len(fraction.group(1)), 9) if fraction else 0
            return datetime_to_ns(value), 10 ** (9 - digits)
    except TimestampError as exc:
        raise BadRead(f"event {event_id}: {name}: {exc}") from None
    raise BadRead(f"event {event_id}: {name} is {value!r}, not a time")


def differences(sent: Mapping[str, Any], remote: Remote) -> tuple[FieldChange, ...]:
    """Each attribute where Datadog differs from what was sent, before = Datadog's.

    The times are always compared (an incident re-opened in Datadog has lost its
    finished_at). Any other field only when the read reports it and dorasync sent it:
    a server that does not echo custom_tags, or fills in a team of its own, must not
    look like drift on every refresh, restored by a send that changes nothing."""
    names = sorted(
        (set(TIMES) | (set(sent) & set(remote.attributes)))
        & (set(sent) | set(remote.attributes)) - {"id"}
    )
    return tuple(
        FieldChange(name, remote.attributes.get(name), sent.get(name))
        for name in names
        if not same(name, sent.get(name), remote.attributes.get(name), remote.units.get(name, 1))
    )


def same(name: str, sent: Any, read: Any, unit: int = 1) -> bool:
    """Whether a value read back is the value sent, in the normal form."""
    if sent is None or read is None:
        return sent is read
    if name in TIMES and isinstance(sent, int) and isinstance(read, int):
        return read in _shown_as(sent, unit)
    if name in SETS and isinstance(sent, list) and isinstance(read, list):
        return sorted(map(str, sent)) == sorted(map(str, read))
    return bool(sent == read)


def _shown_as(ns: int, unit: int) -> tuple[int, ...]:
    """What a server keeping `unit` may show for `ns`: truncated, or rounded half up."""
    floor, rest = ns - ns % unit, ns % unit
    return (floor, floor + unit) if rest and 2 * rest >= unit else (floor,)


def merged(sent: Mapping[str, Any], remote: Remote) -> dict[str, Any]:
    """What Datadog holds, in the sent form: the sent value where the two are the same
    (so a time keeps its nanoseconds), Datadog's where they differ."""
    changed = {f.field for f in differences(sent, remote)}
    out = {k: v for k, v in sent.items() if k not in changed}
    out.update({k: remote.attributes[k] for k in changed if k in remote.attributes})
    out["id"] = sent.get("id", remote.id)
    return out
