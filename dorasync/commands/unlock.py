"""Shell: `dorasync force-unlock`, remove a state lock that no running dorasync holds."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context


@click.command("force-unlock")
@click.argument("lock_id")
@pass_context
def force_unlock(ctx: Context, lock_id: str) -> int:
    """Remove the state lock LOCK_ID, left by a dorasync that no longer runs.

    A lock left by a dead process on this host is taken over by itself; this is
    for the rest (another host, a container that is gone). LOCK_ID is printed by
    the command that found the lock, so that the wrong lock cannot be removed.

    \b
    Example:
      dorasync force-unlock 5d0c8e52-8f7a-4c1e-9a43-7f2b1d6e0c99
    """
    from dorasync.project import open_project  # noqa: PLC0415 - keep `dorasync --help` fast

    holder = open_project(ctx.root).store().force_unlock(lock_id)
    ctx.console.out(
        f"Removed the lock of {holder.user}@{holder.host} (pid {holder.pid}, "
        f"{holder.operation}) taken at {holder.created}."
    )
    return 0
