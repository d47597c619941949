"""Shell: `dorasync state list` and `state show KEY`, reading the state file (never writing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from dorasync.commands import Context, pass_context

if TYPE_CHECKING:
    from dorasync.state import Entry, State


@click.group()
def state() -> None:
    """Read what the state file says was sent, incident by incident.

    \b
    Examples:
      dorasync state list
      dorasync state show 2026/2026-11-20-checkout-latency --json
    """


@state.command("list")
@click.argument("patterns", nargs=-1, metavar="[KEY_OR_GLOB]...")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@pass_context
def list_(ctx: Context, patterns: tuple[str, ...], as_json: bool) -> int:
    """List each incident in the state: key, id, file, when it was last applied.

    KEY_OR_GLOB limits the list, as --target does for plan.

    \b
    Examples:
      dorasync state list
      dorasync state list '2026/*' --json | jq -r '.incidents[].id'
    """
    import json  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.targets import matches  # noqa: PLC0415

    current, shown = _read(ctx)
    entries = [
        (key, entry)
        for key, entry in sorted(current.entries.items())
        if not patterns or any(matches(p, key, entry.file) for p in patterns)
    ]
    if as_json:
        body = {
            "lineage": current.lineage,
            "serial": current.serial,
            "incidents": [_entry_json(key, entry, attributes=False) for key, entry in entries],
        }
        ctx.console.out(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    rows = [("KEY", "ID", "FILE", "LAST APPLIED")]
    rows += [(key, e.id, e.file, e.applied_at) for key, e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows if entries else []:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        ctx.console.out("  ".join([*padded, row[3]]))
    ctx.console.info(_footer(current, shown, len(entries)))
    return 0


def _footer(current: State, shown: str, count: int) -> str:
    if current.lineage is None:
        return f"{shown}: empty, nothing has been applied yet."
    matched = f"{count} of {len(current.entries)}" if count != len(current.entries) else count
    return f"{shown}: {matched} incidents, serial {current.serial}, lineage {current.lineage}."


@state.command("show")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON on stdout.")
@pass_context
def show(ctx: Context, key: str, as_json: bool) -> int:
    """Show what was last sent for one incident KEY, and when.

    \b
    Examples:
      dorasync state show 2026/2026-11-20-checkout-latency
      dorasync state show 2026/2026-11-20-checkout-latency --json | jq .attributes
    """
    import json  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.errors import DorasyncError  # noqa: PLC0415
    from dorasync.render import value_text  # noqa: PLC0415

    current, shown = _read(ctx)
    entry = current.entries.get(key)
    if entry is None:
        raise DorasyncError(_unknown(key, list(current.entries), shown))
    if as_json:
        body = _entry_json(key, entry, attributes=True)
        ctx.console.out(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    head = {"key": key, "id": entry.id, "file": entry.file, "applied_at": entry.applied_at}
    head |= {"endpoint": entry.endpoint, "fingerprint": entry.fingerprint}
    width = max(map(len, [*head, *entry.attributes]))
    for name, value in head.items():
        ctx.console.out(f"{name:<{width}} = {value}")
    ctx.console.out("attributes (as sent):")
    for name, value in sorted(entry.attributes.items()):
        ctx.console.out(f"  {name:<{width}} = {value_text(name, value)}")
    return 0


def _read(ctx: Context) -> tuple[State, str]:
    from dorasync.project import open_project  # noqa: PLC0415
    from dorasync.statestore import StateStore  # noqa: PLC0415

    project = open_project(ctx.root)
    shown = project.settings.config.state
    return StateStore(project.state_path, shown).read(), shown


def _entry_json(key: str, entry: Entry, *, attributes: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key, "id": entry.id, "file": entry.file}
    body |= {"applied_at": entry.applied_at, "endpoint": entry.endpoint}
    body["fingerprint"] = entry.fingerprint
    if attributes:
        body["attributes"] = entry.attributes
    return body


def _unknown(key: str, keys: list[str], shown: str) -> str:
    import difflib  # noqa: PLC0415

    close = difflib.get_close_matches(key, keys, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "`dorasync state list` lists the keys"
    return f"{shown} has no incident with the key {key!r}; {hint}"
