"""Shell: `dorasync refresh`, what Datadog holds of every recorded event, into the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dorasync.commands import Context, options, pass_context

if TYPE_CHECKING:
    from dorasync.client import DoraClient
    from dorasync.console import Console
    from dorasync.drift import Refresh
    from dorasync.state import State

_QUIETLY_UP_TO = 100  # reads; above, a line per 10%


@click.command()
@options.parallelism
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KEY_OR_GLOB",
    help="Only the incidents in the state with this key or file (globs: '2026/*'); repeatable.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Record it even when Datadog has none of the events read (a purge, not a wrong site).",
)
@pass_context
def refresh(ctx: Context, *, parallelism: int, targets: tuple[str, ...], force: bool) -> int:
    """Read every event the state records back from Datadog and record what it holds.

    An event deleted in Datadog leaves the state, one changed there is recorded as it
    is; nothing is sent. `dorasync plan` then shows the changes that restore the
    declared versions, and `dorasync apply` sends them (or, at once:
    `dorasync apply --refresh`). Works under the state lock; needs DD_API_KEY and
    DD_APP_KEY, and no incident file.

    \b
    Examples:
      dorasync refresh
      dorasync refresh --target '2026/*' --parallelism 8
    """
    import os  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.console import Console  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415
    from dorasync.settings import resolve  # noqa: PLC0415
    from dorasync.workflow import connect  # noqa: PLC0415

    project = open_project(ctx.root)
    settings = resolve(os.environ, project.settings.config.site)
    Console.hide(settings.secrets())
    for warning in settings.warnings:
        ctx.console.warning(warning)
    client = connect(settings, app_key_for="dorasync refresh (reading events back)")
    store = project.store()
    with store.lock("refresh"):
        state = store.read()
        found = read_with(client, state, targets, parallelism, ctx.console, refuse=not force)
        if found.changes:
            with store.journal(state) as journal:
                for key, entry in found.changes.items():
                    journal.record(key, entry)
    if found.changes:
        ctx.console.out(
            f"State: {store.shown} now records what Datadog holds ({len(found.changes)} "
            "changed); `dorasync plan` shows what restores the declared versions."
        )
    else:
        ctx.console.out(f"State: {store.shown} matches Datadog; nothing to record.")
    return 0


def read_with(
    client: DoraClient,
    state: State,
    targets: tuple[str, ...],
    parallelism: int,
    console: Console,
    *,
    refuse: bool = False,
) -> Refresh:
    """Read back the events of the state (those `targets` match, if any), saying how
    far it got and what drifted. With `refuse`, a read where every event is missing
    stops the run: a wrong site or URL would otherwise empty the state and send every
    incident again to a Datadog that never had them."""
    from dorasync.commands.summary import drift_summary  # noqa: PLC0415
    from dorasync.errors import DorasyncError  # noqa: PLC0415
    from dorasync.refresh import Reader, all_missing, read_back  # noqa: PLC0415
    from dorasync.targets import check_targets, matches  # noqa: PLC0415

    check_targets(targets, ((key, entry.file) for key, entry in state.entries.items()))
    keys = [
        key
        for key, entry in state.entries.items()
        if not targets or any(matches(t, key, entry.file) for t in targets)
    ]
    step, done = max(1, len(keys) // 10), [0]

    def progress(_key: str) -> None:
        done[0] += 1
        if len(keys) > _QUIETLY_UP_TO and (done[0] % step == 0 or done[0] == len(keys)):
            console.info(f"  read {done[0]}/{len(keys)}")

    found = read_back(Reader(client, parallelism, progress), state, keys)
    drift_summary(console, found)
    if refuse and all_missing(found):
        raise DorasyncError(
            f"Datadog has none of the {found.read} events read back, which a wrong site "
            "(DD_SITE, site:) or DORASYNC_API_URL explains better than a purge; nothing was "
            "written and nothing was sent. If they really were all deleted there, run it "
            "again with --force"
        )
    return found
