"""Shell: `dorasync state list|show` read the state file; `state rm|mv` edit it, under the
lock and with a backup, as Terraform's state commands do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from dorasync.commands import Context, pass_context

if TYPE_CHECKING:
    from collections.abc import Callable

    from dorasync.state import Entry, State


@click.group()
def state() -> None:
    """Read what the state file says was sent, or edit it (rm, mv) without sending.

    \b
    Examples:
      dorasync state list
      dorasync state show 2026/2026-11-20-checkout-latency --json
      dorasync state mv 2026/old-name 2026/new-name
      dorasync state rm 2025/sent-by-mistake
    """


@state.command("list")
@click.argument("patterns", nargs=-1, metavar="[KEY_OR_GLOB]...")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@click.option(
    "--deployments", is_flag=True, help="List the deployment events sent instead of incidents."
)
@pass_context
def list_(ctx: Context, patterns: tuple[str, ...], as_json: bool, deployments: bool) -> int:
    """List each incident in the state: key, id, file, when it was last applied.

    KEY_OR_GLOB limits the list, as --target does for plan; --deployments lists the
    deployment events of deployment files instead.

    \b
    Examples:
      dorasync state list
      dorasync state list '2026/*' --json | jq -r '.incidents[].id'
      dorasync state list --deployments
    """
    import json  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.targets import matches  # noqa: PLC0415

    current, shown = _read(ctx)
    section = current.section("deployments") if deployments else current.entries
    entries = [
        (key, entry)
        for key, entry in sorted(section.items())
        if not patterns or any(matches(p, key, entry.file) for p in patterns)
    ]
    if as_json:
        body = {
            "lineage": current.lineage,
            "serial": current.serial,
            "deployments" if deployments else "incidents": [
                _entry_json(key, entry, attributes=False) for key, entry in entries
            ],
        }
        ctx.console.out(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    rows = [("KEY", "ID", "FILE", "LAST APPLIED")]
    rows += [(key, e.id, e.file, _when(e)) for key, e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows if entries else []:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        ctx.console.out("  ".join([*padded, row[3]]))
    ctx.console.info(_footer(current, shown, len(entries), len(section), deployments))
    return 0


def _when(entry: Entry) -> str:
    if entry.retracted_at:
        return f"{entry.applied_at} (retracted {entry.retracted_at})"
    return entry.applied_at


def _footer(current: State, shown: str, count: int, total: int, deployments: bool) -> str:
    if current.lineage is None:
        return f"{shown}: empty, nothing has been applied yet."
    matched = f"{count} of {total}" if count != total else count
    what = "deployments" if deployments else "incidents"
    return f"{shown}: {matched} {what}, serial {current.serial}, lineage {current.lineage}."


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
        link = current.links.get(key)
        if link is not None:
            body["link"] = {"applied_at": link.applied_at, **dict(link.attributes)}
        ctx.console.out(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    head = {"key": key, "id": entry.id, "file": entry.file, "applied_at": entry.applied_at}
    head |= {"endpoint": entry.endpoint, "fingerprint": entry.fingerprint}
    head |= {n: v for n in ("retracted_at", "moved_from") if (v := getattr(entry, n))}
    width = max(map(len, [*head, *entry.attributes]))
    for name, value in head.items():
        ctx.console.out(f"{name:<{width}} = {value}")
    ctx.console.out("attributes (as sent):")
    for name, value in sorted(entry.attributes.items()):
        ctx.console.out(f"  {name:<{width}} = {value_text(name, value)}")
    link = current.links.get(key)
    if link is not None:
        ctx.console.out(f"change-failure mark (as last sent, {link.applied_at}):")
        for name, value in sorted(link.attributes.items()):
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
    for name in ("retracted_at", "moved_from"):
        if getattr(entry, name) is not None:
            body[name] = getattr(entry, name)
    if attributes:
        body["attributes"] = entry.attributes
    return body


def _unknown(key: str, keys: list[str], shown: str) -> str:
    import difflib  # noqa: PLC0415

    close = difflib.get_close_matches(key, keys, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "`dorasync state list` lists the keys"
    return f"{shown} has no incident with the key {key!r}; {hint}"


@state.command("rm")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@pass_context
def rm(ctx: Context, keys: tuple[str, ...]) -> int:
    """Forget incidents: remove KEY(s) from the state and leave Datadog alone.

    Their events stay in Datadog. If a file still declares one, the next plan sends
    it again (the same id, so the same event); if none does, nothing will delete it.
    Their links are forgotten too: a deployment they marked stays marked.
    The previous state is kept as state.json.backup.

    \b
    Examples:
      dorasync state rm 2025/sent-by-mistake
    """
    from dorasync.moves import forget  # noqa: PLC0415

    def change(current: State, shown: str) -> dict[str, Entry | None]:
        return forget(current, list(dict.fromkeys(keys)), shown)

    removed = _edit(ctx, "state rm", change)
    for key, entry in removed.items():
        ctx.console.out(f"Removed {key} (id {entry.id}) from the state; Datadog keeps its event.")
    return 0


@state.command("mv")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@pass_context
def mv(ctx: Context, old: str, new: str) -> int:
    """Give the incident recorded as OLD the key NEW, keeping its id: after a file was
    moved or renamed, the plan then updates the same event instead of sending a new one.

    NEW takes OLD's id unless its file sets `id:` itself. The id then lives in the
    state: for one that lives in the file, write `key: OLD` in the moved file instead.
    The previous state is kept as state.json.backup.

    \b
    Examples:
      git mv incidents/2026/old-name.yaml incidents/2026/new-name.yaml
      dorasync state mv 2026/old-name 2026/new-name
    """
    from dorasync.moves import move  # noqa: PLC0415

    def change(current: State, shown: str) -> dict[str, Entry | None]:
        return move(current, old, new, shown)

    moved = _edit(ctx, "state mv", change, moving=(old, new))
    ctx.console.out(f"Moved {old} to {new}; it keeps the id {moved[old].id}.")
    return 0


def _edit(
    ctx: Context,
    operation: str,
    change: Callable[[State, str], dict[str, Entry | None]],
    moving: tuple[str, str] | None = None,
) -> dict[str, Entry]:
    """Change the state under its lock (with a backup); the entries as they were. An
    incident's link goes with it: forgotten with it, or moved to its new key."""
    from dorasync.project import open_project  # noqa: PLC0415

    project = open_project(ctx.root)
    store = project.store()
    with store.lock(operation):
        current = store.read()
        changes = change(current, store.shown)
        before = {k: current.entries[k] for k in changes if k in current.entries}
        links: dict[str, Entry | None] = {
            k: None for k, entry in changes.items() if entry is None and k in current.links
        }
        if moving and moving[0] in current.links:
            links[moving[1]] = current.links[moving[0]]
        store.write(current.with_entries(changes, current.lineage or "", links=links))
    ctx.console.info(f"State: {store.shown} written; the previous one is in {store.shown}.backup.")
    return before
