"""Core: drift, what changed in Datadog behind dorasync's back, as Terraform's refresh.

Refreshing puts into the state what Datadog holds now (an event deleted there leaves
the state; one changed there is recorded as it is, in the sent form), so that the
plan against the refreshed state shows the changes that restore the declared
version: a create for a deleted event, an update for a changed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from dorasync.plan import Action, Cause, FieldChange, Kind, Plan
from dorasync.remote import Remote, differences, merged
from dorasync.state import Entry, State, fingerprint


@dataclass(frozen=True, slots=True)
class Drift:
    """One event that is not in Datadog as the state says it was sent."""

    key: str
    id: str
    deleted: bool
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Refresh:
    """The state changes a refresh makes (None removes a key) and the drift found."""

    changes: dict[str, Entry | None]
    drift: tuple[Drift, ...]
    read: int

    def apply_to(self, state: State) -> State:
        """The refreshed state, in memory (its lineage kept)."""
        return state.with_entries(self.changes, state.lineage or "") if self.changes else state


def refresh(state: State, reads: Mapping[str, Remote | None]) -> Refresh:
    """Compare each entry read (None: not found in Datadog) with what was sent."""
    changes: dict[str, Entry | None] = {}
    drift = []
    for key in sorted(reads):
        entry, remote = state.entries[key], reads[key]
        if remote is None:
            # Gone from Datadog. An entry whose id `state mv` kept stays, emptied, so
            # that the restoring send keeps that id; any other leaves the state.
            changes[key] = _emptied(entry) if entry.moved_from else None
            drift.append(Drift(key, entry.id, deleted=True))
            continue
        fields = differences(entry.attributes, remote)
        if not fields:
            continue
        attributes = merged(entry.attributes, remote)
        # digest "": the entry no longer holds what its file declares, so the next
        # plan must read the file rather than trust the entry.
        changes[key] = replace(
            entry, attributes=attributes, fingerprint=fingerprint(attributes), digest=""
        )
        drift.append(Drift(key, entry.id, deleted=False, fields=fields))
    return Refresh(changes, tuple(drift), len(reads))


def _emptied(entry: Entry) -> Entry:
    attributes = {"id": entry.id}
    return replace(entry, attributes=attributes, fingerprint=fingerprint(attributes), digest="")


def mark(plan: Plan, found: Refresh) -> Plan:
    """The plan with each change that restores a drifted event said to be one."""
    drifted = {d.key for d in found.drift}
    changes = tuple(
        replace(c, cause=Cause.DRIFT)
        if c.key in drifted
        and c.kind is Kind.INCIDENT
        and c.action in (Action.CREATE, Action.UPDATE)
        else c
        for c in plan.changes
    )
    return replace(plan, changes=changes)
