"""Core: what a plan does to the report, for each service / env group it touches.

"Before" is the declared incidents as the state says they were sent (what Datadog
has); "after" is what they are once the plan is applied. Both are reported over the
default window (the last 90 days, UTC), so the "after" numbers are the ones
`dorasync report --by service --by env` shows once the change is merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dorasync.markdown import escape
from dorasync.plan import Action, Cause, Change, Kind, Plan
from dorasync.report import Dimension, Group, Record, Stats, build, groups_of
from dorasync.reportformats import duration
from dorasync.reportjson import stats_data, window_data
from dorasync.state import State
from dorasync.window import Window, default_window

DIMENSIONS = (Dimension("service"), Dimension("env"))
IMPACT_LIMIT = 8_000  # characters of a pull-request comment given to the impact


@dataclass(frozen=True, slots=True)
class GroupImpact:
    """One group's numbers before and after the plan."""

    by: Group
    before: Stats
    after: Stats


@dataclass(frozen=True, slots=True)
class Impact:
    """Every group the plan touches (the empty group, every incident, first)."""

    window: Window
    groups: tuple[GroupImpact, ...]


def sides(
    plan: Plan, state: State | None = None
) -> tuple[list[Record], list[Record], list[Record]]:
    """The declared incidents before and after the plan, and every version it changes.

    Without the state, "before" is read back from the plan itself (a no-op's
    attributes, an update's before values), which is how a saved plan shows it."""
    before, after, changed = [], [], []
    for change in plan.changes:
        if change.kind is not Kind.INCIDENT:
            continue  # the report counts incidents; deployments and links are apart
        if change.cause is Cause.PRUNED:
            continue  # in the state, its file gone: in neither side, as in the report
        if state is not None:
            entry = state.entries.get(change.key)
            live = entry is not None and entry.retracted_at is None
            old = Record(change.key, entry.attributes) if entry and live else None
        else:
            old = _previous(change)
        new = None if _gone(change) else Record(change.key, change.attributes)
        before += [old] if old else []
        after += [new] if new else []
        if change.action is not Action.NOOP:
            changed += [r for r in (old, new) if r]
    return before, after, changed


def impact(
    before: Iterable[Record], after: Iterable[Record], changed: Sequence[Record], now_ns: int
) -> Impact:
    """The numbers of each group a changed incident belongs to, before and after."""
    window = default_window(now_ns, ZoneInfo("UTC"))
    touched: set[Group] = set()
    for record in changed:
        if window.since_ns <= record.attributes["started_at"] < window.until_ns:
            touched.update(groups_of(record.attributes, DIMENSIONS))
    old = {r.by: r.stats for r in build(before, window, now_ns, DIMENSIONS).rows}
    new = {r.by: r.stats for r in build(after, window, now_ns, DIMENSIONS).rows}
    ordered = sorted(touched, key=lambda g: (len(g), [(v is None, v or "") for _, v in g]))
    return Impact(
        window, tuple(GroupImpact(g, old.get(g, Stats()), new.get(g, Stats())) for g in ordered)
    )


def _gone(change: Change) -> bool:
    """Out of Datadog once the plan is applied: deleted, or retracted already."""
    return change.action is Action.DELETE or change.cause is Cause.RETRACTED


def _previous(change: Change) -> Record | None:
    """What the state held for `change`, from the plan alone."""
    if change.action is Action.CREATE:
        return None
    if change.cause is Cause.RETRACTED and change.action is Action.NOOP:
        return None  # deleted already, or never sent
    attributes: dict[str, Any] = {
        k: dict(v) if isinstance(v, dict) else v for k, v in change.attributes.items()
    }
    for field in change.fields:
        *parents, name = field.field.split(".")
        target = attributes
        for parent in parents:
            target = target.setdefault(parent, {})
        if field.before is None:
            target.pop(name, None)
        else:
            target[name] = field.before
    return Record(change.key, attributes)


def plan_impact(plan: Plan, state: State | None, now_ns: int) -> Impact | None:
    """The plan's impact, or None when it sends no incident."""
    if not any(c.kind is Kind.INCIDENT for c in plan.pending):
        return None
    return impact(*sides(plan, state), now_ns)


def label(group: Group) -> str:
    if not group:
        return "all incidents"
    return " / ".join(value if value is not None else f"(no {name})" for name, value in group)


def effects(item: GroupImpact) -> str:
    """What changes in one group, the median first: '42m -> 1h05m, incidents 3 -> 4'."""
    b, a = item.before, item.after
    parts = []
    old = b.ttr.median if b.ttr else None
    new = a.ttr.median if a.ttr else None
    shown = [duration(m) if m is not None else "none" for m in (old, new)]
    # Compared as shown: a sub-second move reads "46m30s -> 46m30s", which says nothing.
    if shown[0] != shown[1]:
        bands = f" ({b.band} -> {a.band})" if b.band != a.band and b.band and a.band else ""
        parts.append(f"median time to restore {shown[0]} -> {shown[1]}{bands}")
    if b.incidents != a.incidents:
        parts.append(f"incidents {b.incidents} -> {a.incidents}")
    if b.open != a.open:
        parts.append(f"open {b.open} -> {a.open}")
    return ", ".join(parts) or "no change to the numbers"


def impact_lines(effect: Impact) -> list[str]:
    """The plan's closing paragraph: one line per group, the whole window last."""
    if not effect.groups:
        return ["Impact on the report: none; no changed incident started in the last 90 days."]
    head = "Impact on the report (incidents started in the last 90 days, by service / env):"
    lines = [head]
    lines += [f"  {label(g.by)}: {effects(g)}" for g in effect.groups[1:]]
    lines.append(f"  {label(effect.groups[0].by)}: {effects(effect.groups[0])}")
    return lines


def impact_text(effect: Impact) -> str:
    return "\n".join(impact_lines(effect)) + "\n"


def impact_markdown(effect: Impact, limit: int = IMPACT_LIMIT) -> str:
    """The same for a pull-request comment: a heading and a table of fewer than
    `limit` characters, its group names escaped like anything else users wrote."""
    if not effect.groups:
        return (
            "### Impact on the report\n\nNone: no changed incident started in the last 90 days.\n"
        )
    lines = ["### Impact on the report", "", "_Incidents started in the last 90 days._", ""]
    lines += ["| group | change |", "|---|---|"]
    # Group names are what users wrote (services, envs): escaped; the rest is ours.
    whole = f"| {escape(label(effect.groups[0].by))} | {effects(effect.groups[0])} |"
    rows = [f"| {escape(label(g.by))} | {effects(g)} |" for g in effect.groups[1:]]
    size = sum(len(line) + 1 for line in (*lines, whole)) + 80
    shown = 0
    while shown < len(rows) and size + len(rows[shown]) + 1 < limit:
        size += len(rows[shown]) + 1
        shown += 1
    lines += [*rows[:shown], whole]
    if shown < len(rows):
        lines += ["", f"_{len(rows) - shown} more groups left out to keep the comment short._"]
    return "\n".join(lines) + "\n"


def impact_data(effect: Impact) -> dict[str, Any]:
    """The JSON plan's `impact` (README "Impact in the plan"); numbers are exact Decimals."""
    return {
        "window": window_data(effect.window),
        "by": [d.name for d in DIMENSIONS],
        "groups": [
            {"by": dict(g.by), "before": stats_data(g.before), "after": stats_data(g.after)}
            for g in effect.groups
        ],
    }
