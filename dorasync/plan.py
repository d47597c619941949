"""Core: the plan, what must change in Datadog to match the declared incidents.

A pure function of the incidents and the state (pip-tools' `diff()` in miniature):
no I/O, no clock, no network, so `plan` needs no key and sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dorasync.model import Incident
from dorasync.state import Entry, State

# Datadog matches failure events by env, service and started_at (API note,
# "Identity and updates"): changing one of these on an event already sent may leave
# the old event behind.
MATCHED_BY = ("started_at", "env", "services")


class Action(StrEnum):
    """What apply does with one incident; the order is the order of application."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "no-op"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One attribute's value before and after; None means absent."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Change:
    """What happens to one incident."""

    action: Action
    key: str
    id: str
    file: str
    attributes: Mapping[str, Any]
    fields: tuple[FieldChange, ...] = ()
    warnings: tuple[str, ...] = ()
    incident: Incident | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Orphan:
    """An incident in the state whose file is gone: listed, and left alone."""

    key: str
    id: str
    file: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change, in a stable order, and the orphans; `targets` when limited by --target."""

    changes: tuple[Change, ...]
    orphans: tuple[Orphan, ...] = ()
    targets: tuple[str, ...] = ()

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that send something."""
        return tuple(c for c in self.changes if c.action is not Action.NOOP)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)


def make_plan(incidents: Iterable[Incident], state: State) -> Plan:
    """Compare declared incidents with what the state says was sent."""
    changes, declared = [], set()
    for incident in incidents:
        declared.add(incident.key)
        changes.append(_change(incident, state.entries.get(incident.key)))
    orphans = tuple(
        Orphan(key, entry.id, entry.file)
        for key, entry in sorted(state.entries.items())
        if key not in declared
    )
    changes.sort(key=lambda c: (c.file, c.key))
    return Plan(tuple(changes), orphans)


def _change(incident: Incident, entry: Entry | None) -> Change:
    def change(
        action: Action, fields: tuple[FieldChange, ...] = (), warnings: tuple[str, ...] = ()
    ) -> Change:
        return Change(
            action,
            incident.key,
            incident.id,
            incident.file,
            incident.attributes,
            fields,
            warnings,
            incident,
        )

    if entry is None:
        return change(Action.CREATE)
    if entry.attributes == incident.attributes:
        return change(Action.NOOP)
    fields = diff_fields(entry.attributes, incident.attributes)
    return change(Action.UPDATE, fields, _warnings(fields, entry))


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """The fields that differ, each with its whole before and after value.

    deepdiff finds what changed; a list or the git mapping is reported as one field
    (`services`, `git.commit_sha`), since that is how a user reads and writes it.
    """
    from deepdiff import DeepDiff  # noqa: PLC0415 - heavy, and needed only when updating

    diff = DeepDiff(dict(before), dict(after), ignore_order=False, view="tree")
    paths: set[tuple[str, ...]] = set()
    for items in diff.values():
        for item in items:
            parts = [str(p) for p in item.path(output_format="list")]
            paths.add(tuple(parts[:2] if parts[0] == "git" and len(parts) > 1 else parts[:1]))
    return tuple(FieldChange(".".join(p), _dig(before, p), _dig(after, p)) for p in sorted(paths))


def _dig(values: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = values
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _warnings(fields: tuple[FieldChange, ...], entry: Entry) -> tuple[str, ...]:
    names = {f.field for f in fields}
    out = []
    if "id" in names:
        out.append(
            f"the id changes, so this sends a new event; the one sent as {entry.id} "
            "stays in Datadog"
        )
    moved = [name for name in MATCHED_BY if name in names]
    if moved and "id" not in names:
        out.append(
            f"changing {', '.join(moved)} of an event already sent may leave the old "
            "event in Datadog, which matches failures by env, service and started_at"
        )
    return tuple(out)
