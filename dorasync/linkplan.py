"""Core: the planned changes of incidents' links, each its own change under its incident.

A link is compared with what the state's `links` section says was last PATCHed for
that incident: a new link marks its deployment (create), a changed one marks it
again with the new remediation (update; a link moved to another deployment also
un-marks the old one), and a link removed, or an incident retracted, un-marks the
deployment with `change_failure: false` (delete). An incident whose file is gone
keeps its deployment marked, unless `--prune` deletes it (README "Retractions").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dorasync.links import (
    deployment_text,
    patch_body,
    patch_path,
    remediation_text,
    target_key,
)
from dorasync.model import Incident
from dorasync.plan import Action, Cause, Change, FieldChange, Kind
from dorasync.state import Entry, State

LINK_FIELDS = ("deployment", "remediation")


def link_changes(incidents: Iterable[Incident], state: State, *, prune: bool) -> list[Change]:
    """One change per incident that declares a link or had one marked, and with
    `prune`, one un-mark per marked link whose incident is declared no more.

    A deployment is un-marked only when no declared incident names it any more: when
    one incident of two that name it is retracted, renamed or relinked, the other
    keeps it a change failure, so only the first incident's record of it goes."""
    incidents = list(incidents)
    named = {
        target_key(incident.link)
        for incident in incidents
        if incident.link is not None and not incident.retracted
    }
    out, declared = [], set()
    for incident in incidents:
        declared.add(incident.key)
        wanted = None if incident.retracted else incident.link
        change = _change(incident, wanted, state.links.get(incident.key), named)
        if change is not None:
            out.append(change)
    if prune:
        out += [
            _unmark(key, entry, None, Cause.PRUNED, named)
            for key, entry in sorted(state.links.items())
            if key not in declared
        ]
    return out


def _change(
    incident: Incident,
    wanted: Mapping[str, Any] | None,
    entry: Entry | None,
    named: set[tuple[str, ...]],
) -> Change | None:
    if wanted is None:
        if entry is None:
            return None
        cause = Cause.RETRACTED if incident.retracted else Cause.FILE
        return _unmark(incident.key, entry, incident, cause, named)
    fields: tuple[FieldChange, ...] = ()
    if entry is None:
        action, fields = Action.CREATE, ()
    elif dict(entry.attributes) == dict(wanted):
        action, fields = Action.NOOP, ()
    else:
        action = Action.UPDATE
        fields = tuple(
            FieldChange(name, entry.attributes.get(name), wanted.get(name))
            for name in LINK_FIELDS
            if entry.attributes.get(name) != wanted.get(name)
        )
        if target_key(entry.attributes) in named:
            # The old deployment is still named by another incident: it stays marked.
            fields = tuple(
                FieldChange(f.field, None, f.after) if f.field == "deployment" else f
                for f in fields
            )
    return Change(
        action,
        incident.key,
        target_id(wanted),
        incident.file,
        dict(wanted),
        fields,
        incident=incident,
        kind=Kind.LINK,
    )


def _unmark(
    key: str,
    entry: Entry,
    incident: Incident | None,
    cause: Cause,
    named: set[tuple[str, ...]],
) -> Change:
    """Un-mark what the state says was marked, under the target it recorded, unless
    another declared incident still names that deployment (then only forget it)."""
    return Change(
        Action.DELETE,
        key,
        entry.id,
        incident.file if incident else entry.file,
        dict(entry.attributes),
        incident=incident,
        cause=Cause.SHARED if target_key(entry.attributes) in named else cause,
        kind=Kind.LINK,
    )


def target_id(link: Mapping[str, Any]) -> str:
    """The deployment id a link's PATCH names in its path; '' for the by-version form."""
    return str(link["deployment"].get("id", ""))


def moved_from(change: Change) -> Mapping[str, Any] | None:
    """The link to un-mark when an update moves the link to another deployment."""
    for field in change.fields:
        if field.field == "deployment" and field.before is not None:
            return {"deployment": field.before}
    return None


def describe(change: Change) -> list[str]:
    """What a link change does, one line per PATCH it sends, as the plan shows it:
    `mark deployment z_RwVLi7v4Y as change failure (rollback -> eG42zNIkVjM)`."""
    link = change.attributes
    target = deployment_text(link["deployment"])
    if change.action is Action.DELETE and change.cause is Cause.SHARED:
        return [
            f"forget the link to deployment {target}: another incident still names it, "
            "so it stays a change failure"
        ]
    if change.action is Action.DELETE:
        why = {
            Cause.RETRACTED: "the incident is retracted",
            Cause.PRUNED: "the incident's file is gone, and --prune takes its link back",
        }.get(change.cause, "the incident names it no more")
        return [f"unmark deployment {target}: not a change failure ({why})"]
    notes = [remediation_text(link.get("remediation"))]
    for field in change.fields:
        if field.field == "remediation" and field.before:
            notes.append(f"was {remediation_text(field.before)}")
        if field.field == "remediation" and field.before and not field.after:
            notes.append("a PATCH without a remediation may leave that one in Datadog")
    how = ", ".join(note for note in notes if note)
    lines = [f"mark deployment {target} as change failure" + (f" ({how})" if how else "")]
    old = moved_from(change)
    if old is not None:
        lines.append(
            f"unmark deployment {deployment_text(old['deployment'])}: not a change failure "
            "(the incident names another deployment now)"
        )
    return lines


def link_requests(change: Change) -> list[dict[str, Any]]:
    """The PATCH requests a link change sends, in order, as the JSON plan shows them."""
    if change.action is Action.NOOP or change.cause is Cause.SHARED:
        return []
    todo = [(change.attributes, change.action is not Action.DELETE)]
    old = moved_from(change) if change.action is Action.UPDATE else None
    todo += [(old, False)] if old is not None else []
    out = []
    for link, mark in todo:
        target, body = patch_body(link, mark=mark)
        out.append({"method": "PATCH", "path": patch_path(target), "body": body})
    return out
