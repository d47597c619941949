"""Core: the plan, what must change in Datadog to match the declared incidents.

A pure function of the incidents and the state (pip-tools' `diff()` in miniature):
no I/O, no clock, no network, so `plan` needs no key and sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from dorasync.model import Incident
from dorasync.state import Entry, State, fingerprint

if TYPE_CHECKING:
    from dorasync.deployments import Deployment

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


class Cause(StrEnum):
    """Why a change is in the plan, when it is not simply what its file says."""

    FILE = "file"
    RETRACTED = "retracted"  # the file says retracted: true
    PRUNED = "pruned"  # the file is gone, and apply --prune deletes its event
    DRIFT = "drift"  # Datadog differs from the state: this restores the declared version
    SHARED = "shared"  # a link taken back whose deployment another incident still names


class Kind(StrEnum):
    """What a change is about: an incident (a failure event), a deployment event from a
    deployment file, or an incident's link (a PATCH that marks a deployment)."""

    INCIDENT = "incident"
    DEPLOYMENT = "deployment"
    LINK = "link"


NEVER_SENT = (
    "retracted, and never sent (the state has no record of it): there is nothing to delete, "
    "and it is not sent"
)


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
    # What the change was planned from (a deployment for a deployment change), for the
    # lines of error messages and the file digest recorded with it.
    incident: Incident | Deployment | None = field(default=None, compare=False, repr=False)
    cause: Cause = Cause.FILE
    reason: str | None = None  # a retraction's retracted_reason
    kind: Kind = Kind.INCIDENT


@dataclass(frozen=True, slots=True)
class Orphan:
    """An incident in the state whose file is gone: listed, and left alone unless pruned."""

    key: str
    id: str
    file: str


@dataclass(frozen=True, slots=True)
class Rename:
    """An orphan and a new incident whose attributes, all but the id, are equal: a moved file."""

    old: Orphan
    new: Orphan


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change, in a stable order, and the orphans; `targets` when limited by
    --target; `prune` when orphans are deleted; the renames it sees."""

    changes: tuple[Change, ...]
    orphans: tuple[Orphan, ...] = ()
    targets: tuple[str, ...] = ()
    prune: bool = False
    renames: tuple[Rename, ...] = ()

    def count(self, action: Action, kind: Kind = Kind.INCIDENT) -> int:
        return sum(1 for c in self.changes if c.action is action and c.kind is kind)

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that send something."""
        return tuple(c for c in self.changes if c.action is not Action.NOOP)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    @property
    def notes(self) -> tuple[Change, ...]:
        """Changes that send nothing but deserve a word (a retraction never sent)."""
        return tuple(c for c in self.changes if c.action is Action.NOOP and c.warnings)


def make_plan(
    incidents: Iterable[Incident],
    state: State,
    *,
    prune: bool = False,
    extra: Iterable[Change] = (),
) -> Plan:
    """Compare declared incidents with what the state says was sent. Entries whose
    file is gone are orphans; with `prune`, each becomes a delete of its event.
    `extra` are the changes of deployments and links (deployments.py, linkplan.py)."""
    changes, declared = [], set()
    for incident in incidents:
        declared.add(incident.key)
        changes.append(_change(incident, state.entries.get(incident.key)))
    orphaned = [
        (key, entry)
        for key, entry in sorted(state.entries.items())
        if key not in declared and entry.retracted_at is None
    ]
    orphans = tuple(Orphan(key, entry.id, entry.file) for key, entry in orphaned)
    renames = _renames(changes, orphaned)
    if prune:
        changes += [
            Change(Action.DELETE, key, e.id, e.file, e.attributes, cause=Cause.PRUNED)
            for key, e in orphaned
        ]
        orphans = ()
    changes += extra
    # A link comes right after its incident, which shows it.
    changes.sort(key=lambda c: (c.file, c.key, c.kind is Kind.LINK))
    return Plan(tuple(changes), orphans, prune=prune, renames=renames)


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

    if incident.retracted:
        return _retraction(incident, entry)
    if entry is None:
        return change(Action.CREATE)
    if entry.retracted_at is not None:
        again = f"was retracted (deleted from Datadog) at {entry.retracted_at}; this sends it again"
        return change(Action.CREATE, warnings=(again,))
    if entry.attributes == incident.attributes:
        return change(Action.NOOP)
    fields = diff_fields(entry.attributes, incident.attributes)
    return change(Action.UPDATE, fields, _warnings(fields, entry))


def _retraction(incident: Incident, entry: Entry | None) -> Change:
    """A retracted incident: delete the event that was sent, once; never send it."""
    reason = incident.retracted_reason
    if entry is None:
        return Change(
            Action.NOOP,
            incident.key,
            incident.id,
            incident.file,
            incident.attributes,
            warnings=(NEVER_SENT,),
            incident=incident,
            cause=Cause.RETRACTED,
            reason=reason,
        )
    # The event to delete is the one sent, under the id the state recorded.
    action = Action.NOOP if entry.retracted_at is not None else Action.DELETE
    return Change(
        action,
        incident.key,
        entry.id,
        incident.file,
        entry.attributes,
        incident=incident,
        cause=Cause.RETRACTED,
        reason=reason,
    )


def _renames(changes: list[Change], orphaned: list[tuple[str, Entry]]) -> tuple[Rename, ...]:
    """Creates whose attributes, but for the id, are those of an orphan: a moved file."""
    if not orphaned:
        return ()
    gone: dict[str, list[tuple[str, Entry]]] = {}
    for key, entry in orphaned:
        gone.setdefault(_without_id(entry.attributes), []).append((key, entry))
    found = []
    for change in changes:
        if change.action is not Action.CREATE or change.cause is not Cause.FILE:
            continue
        candidates = gone.get(_without_id(change.attributes))
        if candidates:
            key, entry = candidates.pop(0)
            found.append(
                Rename(
                    Orphan(key, entry.id, entry.file),
                    Orphan(change.key, change.id, change.file),
                )
            )
    return tuple(sorted(found, key=lambda r: r.new.key))


def _without_id(attributes: Mapping[str, Any]) -> str:
    return fingerprint({k: v for k, v in attributes.items() if k != "id"})


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
