"""Core: the state model, what dorasync last sent for each incident key.

The file is JSON, sorted and indented, one entry per key, so that committing it
gives small, readable diffs. It never holds a secret: only what was sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dorasync.errors import DorasyncError

FORMAT_VERSION = 1


class StateError(DorasyncError):
    """The state file cannot be used as it is; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What was last sent for one incident key, and from which file."""

    id: str
    file: str
    attributes: dict[str, Any]
    fingerprint: str
    digest: str
    endpoint: str
    applied_at: str
    # When dorasync deleted the event of a retracted incident: the entry stays as
    # the record of it, so the next plan is empty and the history is kept.
    retracted_at: str | None = None
    # The key this entry had before `dorasync state mv`: its id is kept for the new key.
    moved_from: str | None = None
    # The link to a deployment its file declares (links.py), beside the attributes, so
    # that an unchanged file taken from the state unparsed still declares it.
    link: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object; no deep copy (asdict's costs a second at 10k).
        The optional fields are written only when set, so older states read the same."""
        return {
            name: value
            for name in self.__slots__
            if (value := getattr(self, name)) is not None or name not in _OPTIONAL
        }


_OPTIONAL = frozenset({"retracted_at", "moved_from", "link"})
# The state's sections: incidents (failure events), deployment events, and the marks of
# deployments as change failures that incidents' links made, by incident key. Keys of
# one section never meet those of another.
SECTIONS = ("incidents", "deployments", "links")
Changed = Mapping[str, "Entry | None"]


@dataclass(frozen=True, slots=True)
class State:
    """Every incident dorasync has sent, by key; `lineage` is fixed at creation and
    `serial` grows with each write, so a saved plan can tell the state moved."""

    lineage: str | None = None
    serial: int = 0
    entries: Mapping[str, Entry] = field(default_factory=dict)
    # Deployment events sent from deployment files, by deployment key.
    deployments: Mapping[str, Entry] = field(default_factory=dict)
    # What was last PATCHed for each incident's link (attributes: the link's normal
    # form), by incident key; an un-marked deployment leaves this section.
    links: Mapping[str, Entry] = field(default_factory=dict)

    def with_entries(
        self,
        changed: Changed,
        lineage: str,
        *,
        deployments: Changed | None = None,
        links: Changed | None = None,
    ) -> State:
        """A new serial of this state with `changed` put in (None removes a key), and the
        changes of the other sections."""
        return replace(
            self,
            lineage=self.lineage or lineage,
            serial=self.serial + 1,
            entries=_put(self.entries, changed),
            deployments=_put(self.deployments, deployments or {}),
            links=_put(self.links, links or {}),
        )

    def section(self, name: str) -> Mapping[str, Entry]:
        """One of SECTIONS by its name in the file."""
        return {"incidents": self.entries, "deployments": self.deployments, "links": self.links}[
            name
        ]


def _put(entries: Mapping[str, Entry], changed: Changed) -> Mapping[str, Entry]:
    if not changed:
        return entries
    out = dict(entries)
    for key, entry in changed.items():
        if entry is None:
            out.pop(key, None)
        else:
            out[key] = entry
    return out


def fingerprint(attributes: Mapping[str, Any]) -> str:
    """A digest of the attributes, independent of key order."""
    canonical = json.dumps(attributes, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def dumps(state: State, version: str) -> str:
    """The state as the text of its file: sorted, indented, newline-terminated."""
    return "".join(chunks(state, version))


def chunks(state: State, version: str) -> Iterator[str]:
    """The text of dumps() in pieces, so that a state of 100k incidents can be written
    to its file without first being held whole in memory."""
    body = {
        "format_version": FORMAT_VERSION,
        "lineage": state.lineage,
        "serial": state.serial,
        "dorasync_version": version,
        "incidents": _section(state.entries),
    }
    # Written only when there is something in them, so a state without deployments
    # reads as it did before they existed.
    for name in SECTIONS[1:]:
        if state.section(name):
            body[name] = _section(state.section(name))
    encoder = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False)
    yield from encoder.iterencode(body)
    yield "\n"


def _section(entries: Mapping[str, Entry]) -> dict[str, Any]:
    return {key: entry.to_json() for key, entry in sorted(entries.items())}


def loads(text: str, shown: str) -> State:
    """Read a state file's text; refuse anything that is not a state this version knows."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise StateError(f"{shown} is not valid JSON ({exc}); it may be truncated") from None
    if not isinstance(body, dict) or "format_version" not in body:
        raise StateError(f"{shown} is not a dorasync state file")
    version = body["format_version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise StateError(
            f"{shown} has format version {version!r}, written by a newer "
            "dorasync; upgrade dorasync (pip install -U dorasync)"
        )
    try:
        if "incidents" not in body:  # required, unlike the other sections
            raise KeyError("incidents")
        sections = [_entries(body.get(name) or {}) for name in SECTIONS]
        lineage, serial = body["lineage"], int(body["serial"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"{shown} is damaged ({exc!r}); was it edited by hand?") from None
    return State(lineage, serial, *sections)


def _entries(section: Mapping[str, Any]) -> dict[str, Entry]:
    # Positional arguments: at 100k entries, keyword parsing costs a second.
    fields = Entry.__slots__
    entries = {
        str(k): Entry(*[v[name] for name in fields]) if len(v) == len(fields) else Entry(**v)
        for k, v in section.items()
    }
    for key, entry in entries.items():
        _check_shape(key, entry)
    return entries


def _check_shape(key: str, entry: Entry) -> None:
    """A state that is valid JSON may still be damaged (a merge conflict resolved by
    hand): each entry must have the types dorasync writes, or the plan would trust it."""
    texts = (
        entry.id,
        entry.file,
        entry.fingerprint,
        entry.digest,
        entry.endpoint,
        entry.applied_at,
    )
    if not all(isinstance(t, str) for t in texts) or not isinstance(entry.attributes, dict):
        raise TypeError(f"the entry of {key!r} does not have the shape dorasync writes")
