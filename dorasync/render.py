"""Core: a plan as text for people (Terraform's look) and as JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dorasync import __version__
from dorasync.linkplan import describe as describe_link
from dorasync.linkplan import link_requests
from dorasync.plan import Action, Cause, Change, FieldChange, Kind, Orphan, Plan, Rename
from dorasync.timestamps import format_ns

PLAN_FORMAT_VERSION = 1
_TIMESTAMPS = ("started_at", "finished_at")
_SIGILS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.NOOP: " "}
_COLOURS = {"+": "32", "~": "33", "-": "31", "!": "33", "?": "36"}


class Painter:
    """ANSI colour when asked for, plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, sigil: str) -> str:
        code = _COLOURS.get(sigil)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.colour else text


def value_text(name: str, value: Any) -> str:
    """One attribute's value as it is sent, with a readable time next to a timestamp."""
    text = json.dumps(value, ensure_ascii=False)
    if name in _TIMESTAMPS and isinstance(value, int):
        text += f"  # {format_ns(value)}"
    return text


def plan_text(plan: Plan, colour: bool = False) -> str:
    """The plan as a person reads it: one block per change, then a summary line."""
    return "".join(plan_chunks(plan, colour))


def plan_chunks(plan: Plan, colour: bool = False, size: int = 500) -> Iterator[str]:
    """plan_text in pieces of about `size` changes, so that a plan of 100k creates is
    written as it is made rather than held whole in memory first. A link is never cut
    from the incident it is shown under."""
    paint = Painter(colour)
    lines: list[str] = []
    shown: Change | None = None
    count = 0
    for change in plan.pending:
        if change.kind is not Kind.LINK:
            if count >= size:
                yield "\n".join(lines) + "\n"
                lines, count = [], 0
            lines += _change_lines(change, paint)
        elif shown is not None and (shown.kind, shown.key) == (Kind.INCIDENT, change.key):
            lines[-1:] = [*_link_lines(change, paint), ""]  # under its incident's block
        else:
            lines += [_head(change, "~", paint), *_link_lines(change, paint), ""]
        shown = change
        count += 1
    yield "\n".join([*lines, *_ending(plan, paint)]) + "\n"


def _ending(plan: Plan, paint: Painter) -> list[str]:
    """What follows the changes: orphans, renames, notes, the summary line."""
    lines: list[str] = []
    if plan.orphans:
        lines.append(paint.bold("Declared no more (left alone, in Datadog and in the state):"))
        lines += [paint(f"  ? {o.key}  id {o.id}  (was {o.file})", "?") for o in plan.orphans]
        lines += [f"  {ORPHANS_HINT}", ""]
    if plan.renames:
        lines.append(paint.bold("Looks like a rename (same attributes, another key, so a new id):"))
        lines += [line for r in plan.renames for line in _rename_lines(r)] + [""]
    if plan.notes:
        lines.append(paint.bold("Nothing to send for:"))
        lines += [
            paint(f"  ! {c.key}  ({c.file}): {w}", "!") for c in plan.notes for w in c.warnings
        ]
        lines.append("")
    if plan.targets:
        lines.append(paint(partial_note(plan), "!"))
    lines.append(summary(plan))
    return lines


ORPHANS_HINT = (
    "`dorasync apply --prune` deletes their events (only those dorasync sent); "
    "`dorasync state rm KEY` forgets one and leaves Datadog alone; restoring the file keeps it."
)


def rename_hint(rename: Rename) -> str:
    """The two ways to keep the old id, said where a rename is seen."""
    old, new = rename.old, rename.new
    return (
        f"to keep its event and id {old.id}: `dorasync state mv {old.key} {new.key}`, "
        f"or write `key: {old.key}` in {new.file}; otherwise apply sends a new event "
        "and the old one stays (until `apply --prune`)"
    )


def _rename_lines(rename: Rename) -> list[str]:
    return [
        f"  {rename.old.key} -> {rename.new.key}  ({rename.new.file})",
        f"      {rename_hint(rename)}",
    ]


def cause_note(change: Change) -> str:
    """Why a change is there, when its file alone does not say it."""
    if change.cause is Cause.RETRACTED:
        reason = f": {change.reason}" if change.reason else ""
        return f"retracted{reason}"
    if change.cause is Cause.PRUNED:
        return "the file is gone, and --prune deletes the event dorasync sent"
    if change.cause is Cause.DRIFT:
        if change.action is Action.CREATE:
            return "deleted in Datadog; this sends it again"
        return "changed in Datadog; this restores the declared version"
    return ""


def _head(change: Change, sigil: str, paint: Painter) -> str:
    where = f"was {change.file}" if change.cause is Cause.PRUNED else change.file
    label = f"deployment {change.key}" if change.kind is Kind.DEPLOYMENT else change.key
    note = cause_note(change) if change.kind is not Kind.LINK else ""
    return (
        paint(f"  {sigil} {label}", sigil)
        + f"  ({where})"
        + (paint(f"  # {note}", "?") if note else "")
    )


def _link_lines(change: Change, paint: Painter) -> list[str]:
    """`~ mark deployment z_RwVLi7v4Y as change failure (rollback -> eG42zNIkVjM)`."""
    return [paint(f"      ~ {line}", "~") for line in describe_link(change)]


def _change_lines(change: Change, paint: Painter) -> list[str]:
    sigil = _SIGILS[change.action]
    lines = [_head(change, sigil, paint)]
    if change.action is Action.DELETE:
        lines.append(f"        id = {value_text('id', change.id)}")
    elif change.action is Action.CREATE:
        width = max(map(len, change.attributes))
        lines += [
            paint(f"      + {name:<{width}} = {value_text(name, value)}", "+")
            for name, value in sorted(change.attributes.items())
        ]
    else:
        fields = [f for f in change.fields if f.field != "id"]
        width = max([len(f.field) for f in change.fields] + [2])
        lines.append(f"        {'id':<{width}} = {value_text('id', change.id)}")
        lines += [_field_line(f, width, paint) for f in fields]
        lines += [_field_line(f, width, paint) for f in change.fields if f.field == "id"]
    lines += [paint(f"      ! warning: {w}", "!") for w in change.warnings]
    lines.append("")
    return lines


def _field_line(change: FieldChange, width: int, paint: Painter) -> str:
    name = change.field
    if change.before is None:
        return paint(f"      + {name:<{width}} = {value_text(name, change.after)}", "+")
    if change.after is None:
        return paint(f"      - {name:<{width}} = {value_text(name, change.before)}", "-")
    before, after = value_text(name, change.before), value_text(name, change.after)
    return paint(f"      ~ {name:<{width}} = {before} -> {after}", "~")


def summary(plan: Plan) -> str:
    """The one line that ends every plan."""
    unchanged = plan.count(Action.NOOP)
    orphans = f", {len(plan.orphans)} declared no more (left alone)" if plan.orphans else ""
    if not plan.has_changes:
        return (
            f"No changes: {unchanged} incident{'s' if unchanged != 1 else ''} match the "
            f"state{orphans}{_others(plan)}."
        )
    return (
        f"Plan: {plan.count(Action.CREATE)} to create, {plan.count(Action.UPDATE)} to "
        f"update, {plan.count(Action.DELETE)} to delete, {unchanged} unchanged{orphans}"
        f"{_others(plan)}."
    )


def _others(plan: Plan) -> str:
    """Deployments and links, said only in a project that has some."""
    parts = []
    if any(c.kind is Kind.DEPLOYMENT for c in plan.changes):
        sends = plan.count(Action.CREATE, Kind.DEPLOYMENT) + plan.count(
            Action.UPDATE, Kind.DEPLOYMENT
        )
        parts.append(
            f"deployments: {sends} to send, {plan.count(Action.NOOP, Kind.DEPLOYMENT)} unchanged"
        )
    if any(c.kind is Kind.LINK for c in plan.changes):
        marks = plan.count(Action.CREATE, Kind.LINK) + plan.count(Action.UPDATE, Kind.LINK)
        parts.append(
            f"change-failure marks: {marks} to send, {plan.count(Action.DELETE, Kind.LINK)} "
            f"to take back, {plan.count(Action.NOOP, Kind.LINK)} unchanged"
        )
    return "".join(f"; {part}" for part in parts)


def partial_note(plan: Plan) -> str:
    """Said by every rendering of a plan limited by --target, as Terraform does."""
    count = len(plan.changes) + len(plan.orphans)
    targets = " ".join(f"--target {t}" for t in plan.targets)
    return (
        f"Partial plan: only the {count} incident{'s' if count != 1 else ''} matching "
        f"{targets}; the others were not compared."
    )


def plan_json(plan: Plan, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The machine-readable plan (README "The JSON plan"); `extra` adds top-level keys."""
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "dorasync_version": __version__,
        "summary": {
            **{action.value: plan.count(action) for action in Action},
            "orphaned": len(plan.orphans),
            **{
                kind.value + "s": {action.value: plan.count(action, kind) for action in Action}
                for kind in (Kind.DEPLOYMENT, Kind.LINK)
            },
        },
        "changes": [_change_json(c) for c in plan.changes],
        "orphans": [_ref(o) for o in plan.orphans],
        "renames": [{"from": _ref(r.old), "to": _ref(r.new)} for r in plan.renames],
        "partial": bool(plan.targets),
        "targets": list(plan.targets),
        "prune": plan.prune,
        **(extra or {}),
    }


def _ref(ref: Orphan) -> dict[str, str]:
    return {"key": ref.key, "id": ref.id, "file": ref.file}


def _change_json(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": change.kind.value,
        "action": change.action.value,
        "key": change.key,
        "id": change.id,
        "file": change.file,
        "attributes": dict(change.attributes),
    }
    if change.action is Action.UPDATE:
        out["fields"] = [
            {"field": f.field, "before": f.before, "after": f.after} for f in change.fields
        ]
    if change.warnings:
        out["warnings"] = list(change.warnings)
    if change.cause is not Cause.FILE:
        out["cause"] = change.cause.value
    if change.reason is not None:
        out["reason"] = change.reason
    if change.kind is Kind.LINK:
        out["requests"] = link_requests(change)
    return out
