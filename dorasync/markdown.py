"""Core: a plan as a pull-request comment (GitHub and GitLab Markdown), never with ANSI.

What a reviewer reads, Atlantis-style: a one-line summary, a table of the changes
(action, key, file, the fields that change) and each incident's field diff in a
collapsible block. GitHub refuses a comment over 65,536 characters, so a large plan
is cut to stay under `LIMIT` and says how many changes were left out. Everything the
user wrote (keys, files, values) is escaped, so an incident cannot break the layout
or mention anyone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from dorasync.linkplan import describe as describe_link
from dorasync.plan import Action, Change, FieldChange, Kind, Plan
from dorasync.render import ORPHANS_HINT, cause_note, partial_note, rename_hint, summary, value_text

# The first line of every comment: CI finds its own comment by it, to update it.
MARKER = "<!-- dorasync plan -->"
LIMIT = 60_000
_RESERVE = 800  # room kept for the closing note and the orphans' line
_BACKTICKS = re.compile(r"`+")


def plan_markdown(
    plan: Plan,
    *,
    unsafe: str | None = None,
    shown: str | None = None,
    limit: int = LIMIT,
    warnings: Sequence[str] = (),
) -> str:
    """The plan as one Markdown comment of fewer than `limit` characters.

    `unsafe` is why apply would refuse it (the safety threshold); `shown` is the
    saved plan file, named in the note that says where the rest can be read;
    `warnings` are the files' warnings (a started_at in the future), for the reviewer.
    """
    head = [MARKER, f"**dorasync** · {escape(summary(plan))}", ""]
    if warnings:
        listed = [f"> - {escape(w)}" for w in warnings[:20]]
        more = [f"> - … and {len(warnings) - 20} more"] if len(warnings) > 20 else []
        head += ["> **Warnings:**", *listed, *more, ""]
    if plan.targets:
        head += [f"> {escape(partial_note(plan))}", ""]
    if unsafe:
        head += [f"> **Apply will refuse this plan without `--force`:** {escape(unsafe)}", ""]
    pending = plan.pending
    budget = limit - len("\n".join(head)) - _RESERVE
    table, budget = _fit(_TABLE_HEAD, [_row(c) for c in pending], budget)
    rows = len(table) - 1 if table else 0
    blocks, budget = _fit("", [_details(c) for c in pending[:rows]], budget)
    lines = head + ([*table, ""] if table else []) + blocks
    lines += _orphans(plan, budget)
    lines += _asides(plan)
    lines += _left_out(len(pending), rows, len(blocks), shown, limit)
    return "\n".join(lines).rstrip("\n") + "\n"


_TABLE_HEAD = "| action | incident | file | fields |\n|---|---|---|---|"


def _fit(head: str, parts: Sequence[str], budget: int) -> tuple[list[str], int]:
    """As many parts as fit in the budget (after `head`), and the budget left."""
    if not parts or budget < len(head):
        return [], budget
    out = [head] if head else []
    budget -= len(head) + 1
    for part in parts:
        if len(part) + 1 > budget:
            break
        out.append(part)
        budget -= len(part) + 1
    return (out if len(out) > (1 if head else 0) else []), budget


def _row(change: Change) -> str:
    if change.kind is Kind.LINK:
        what = "; ".join(escape(line) for line in describe_link(change))
        action = "unmark" if change.action is Action.DELETE else "mark"
        return f"| {action} | {code(change.key)} | {code(change.file)} | {what} |"
    if change.action is Action.CREATE:
        names = [name for name in sorted(change.attributes) if name != "id"]
    else:
        names = [f.field for f in change.fields]
    fields = ", ".join(names)  # attribute names: dorasync's own, nothing to escape
    note = cause_note(change)
    if note:
        fields = f"{fields} ({escape(note)})" if fields else escape(note)
    if change.warnings:
        fields += " **(warning)**"
    action = change.action.value + (" deployment" if change.kind is Kind.DEPLOYMENT else "")
    return f"| {action} | {code(change.key)} | {code(change.file)} | {fields} |"


def _details(change: Change) -> str:
    if change.kind is Kind.LINK:
        return _block(change, "\n".join(f"~ {line}" for line in describe_link(change)))
    if change.action in (Action.CREATE, Action.DELETE):
        gone = change.action is Action.DELETE
        diff = [
            FieldChange(name, value if gone else None, None if gone else value)
            for name, value in sorted(change.attributes.items())
            if name != "id"
        ]
    else:
        diff = list(change.fields)
    width = max([len(f.field) for f in diff] + [2])
    lines = [f"  {'id':<{width}} = {value_text('id', change.id)}"]
    for f in diff:
        if f.before is not None:
            lines.append(f"- {f.field:<{width}} = {value_text(f.field, f.before)}")
        if f.after is not None:
            lines.append(f"+ {f.field:<{width}} = {value_text(f.field, f.after)}")
    return _block(change, "\n".join(lines))


def _block(change: Change, body: str) -> str:
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(body)), default=0))
    what = {Kind.LINK: " link of", Kind.DEPLOYMENT: " deployment"}.get(change.kind, "")
    summary_line = f"<b>{change.action.value}</b>{what} {html_code(change.key)}"
    warnings = [f"\n**Warning:** {escape(w)}" for w in change.warnings]
    return "\n".join(
        [
            f"<details><summary>{summary_line}</summary>",
            "",
            f"{fence}diff",
            body,
            fence,
            *warnings,
            "",
            "</details>",
        ]
    )


def _orphans(plan: Plan, budget: int) -> list[str]:
    if not plan.orphans:
        return []
    items = [f"- {code(o.key)} (was {code(o.file)})" for o in plan.orphans]
    shown, _ = _fit("", items, budget)
    more = len(items) - len(shown)
    title = f"{len(items)} declared no more (left alone, in Datadog and in the state)"
    tail = [f"- … and {more} more"] if more else []
    hint = ["", escape(ORPHANS_HINT)]
    return [f"<details><summary>{title}</summary>", "", *shown, *tail, *hint, "", "</details>", ""]


def _asides(plan: Plan) -> list[str]:
    """The renames seen and what sends nothing, one line each (few, and short)."""
    lines = [
        f"- **Looks like a rename:** {code(r.old.key)} → {code(r.new.key)}; "
        f"{escape(rename_hint(r))}"
        for r in plan.renames
    ]
    lines += [f"- {code(c.key)}: {escape(w)}" for c in plan.notes for w in c.warnings]
    return [*lines, ""] if lines else []


def _left_out(total: int, rows: int, blocks: int, shown: str | None, limit: int) -> list[str]:
    where = f"`dorasync show {shown}`" if shown else "`dorasync plan`"
    notes = []
    if rows < total:
        notes.append(
            f"**{total - rows} left out:** this comment lists {rows} of the {total} changes, "
            f"to stay under {limit:,} characters; {where} shows them all."
        )
    elif blocks < rows:
        notes.append(
            f"**Field diffs of {rows - blocks} changes left out** to stay under "
            f"{limit:,} characters; {where} shows them all."
        )
    return ["", *notes] if notes else []


def escape(text: str) -> str:
    """Text as Markdown shows it, with nothing that could start markup or a mention.

    Markdown's own characters get a backslash first; the entities for `|` and `@`
    come after, so that their `#` is not escaped too (`&\\#124;` shows as text)."""
    escaped = re.sub(r"([\\`*_\[\]#~])", r"\\\1", html.escape(text, quote=False))
    return escaped.replace("|", "&#124;").replace("@", "&#64;")


def code(text: str) -> str:
    """Inline code that survives a table cell and any backtick in the text (Markdown is
    still read between HTML tags, so the text is escaped as any other)."""
    return f"<code>{escape(text)}</code>"


def html_code(text: str) -> str:
    """Inline code inside a raw HTML block (a <summary> line), where Markdown is not
    read, so backslashes would show: HTML escapes only. Inside <code>, GitHub links
    no mention."""
    return "<code>" + html.escape(text, quote=False).replace("@", "&#64;") + "</code>"
