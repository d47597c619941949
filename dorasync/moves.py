"""Core: state surgery (`state rm`, `state mv`) and the id a moved entry keeps.

Terraform's `state rm` and `state mv`: `rm` forgets incidents and leaves Datadog
alone; `mv` gives an entry a new key, for a file that was moved or renamed. A key
is where an id is derived from, so a moved entry keeps its id for the new key:
the incident of that key takes the recorded id unless its file sets `id:` itself
(README "Renames").
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace

from dorasync.errors import DorasyncError
from dorasync.ids import derive_id
from dorasync.model import Incident
from dorasync.state import Entry, State


class Surgery(DorasyncError):
    """A `state rm` or `state mv` that cannot be done; nothing was changed."""


def forget(state: State, keys: Sequence[str], shown: str) -> dict[str, Entry | None]:
    """The state change that removes `keys`; every key must be in the state."""
    for key in keys:
        _known(state, key, shown)
    return dict.fromkeys(keys)


def move(state: State, old: str, new: str, shown: str) -> dict[str, Entry | None]:
    """The state change that gives `old`'s entry the key `new`, keeping its id."""
    entry = _known(state, old, shown)
    if old == new:
        raise Surgery(f"{old!r} is already the key; nothing to move")
    if new in state.entries:
        taken = state.entries[new]
        raise Surgery(
            f"{shown} already has an incident with the key {new!r} (id {taken.id}, from "
            f"{taken.file}); run `dorasync state rm {new}` first if it is to be forgotten"
        )
    # digest "" makes the next plan read the file again: the entry no longer says
    # what the file under the old name declares.
    moved = replace(entry, digest="", moved_from=entry.moved_from or old)
    return {old: None, new: moved}


def _known(state: State, key: str, shown: str) -> Entry:
    entry = state.entries.get(key)
    if entry is not None:
        return entry
    close = difflib.get_close_matches(key, list(state.entries), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "`dorasync state list` lists the keys"
    raise Surgery(f"{shown} has no incident with the key {key!r} ({hint}); nothing was changed")


def keep_moved_ids(
    incidents: Iterable[Incident], state: State, namespace: uuid.UUID
) -> list[Incident]:
    """Each incident whose id is derived from its key takes the id of an entry moved
    to that key by `state mv`; an `id:` in the file still wins."""
    return [
        _moved_id(incident, state.entries.get(incident.key), namespace) for incident in incidents
    ]


def _moved_id(incident: Incident, entry: Entry | None, namespace: uuid.UUID) -> Incident:
    if (
        entry is None
        or entry.moved_from is None
        or entry.id == incident.id
        or incident.id != derive_id(namespace, incident.key)
    ):
        return incident
    attributes = {**incident.attributes, "id": entry.id}
    return replace(incident, id=entry.id, attributes=attributes)
