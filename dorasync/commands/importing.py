"""Shell: `dorasync import`, events already in Datadog as incident files and state entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dorasync.commands import Context, pass_context

if TYPE_CHECKING:
    from dorasync.console import Console
    from dorasync.importer import Outcome

_EACH_FILE_UP_TO = 20


@click.command("import")
@click.option(
    "--from",
    "since",
    required=True,
    metavar="DATE",
    help="Events that started from this date (YYYY-MM-DD, midnight UTC) or date-time.",
)
@click.option(
    "--to",
    "until",
    metavar="DATE",
    help="...up to this date (included) or date-time; default: now.",
)
@click.option(
    "--query",
    metavar="QUERY",
    help="Only events this Datadog search matches, e.g. 'env:prod service:checkout'.",
)
@pass_context
def import_(ctx: Context, *, since: str, until: str | None, query: str | None) -> int:
    """Write one incident file per failure event already in Datadog, and record it.

    Each event dorasync does not know yet becomes `YYYY/YYYY-MM-DD-<name>-<id>.yaml`
    under the incidents folder, with its id in `id:` (so it stays the same event),
    and is recorded in the state, so that the next plan is empty. An existing file
    is never overwritten; an event the state knows is left alone, so running it again
    is harmless. Needs DD_API_KEY and DD_APP_KEY.

    \b
    Examples:
      dorasync import --from 2025-01-01 --to 2025-12-31
      dorasync import --from 2026-01-01 --query 'env:prod team:backend'
    """
    import os  # noqa: PLC0415 - keep `dorasync --help` fast
    import time  # noqa: PLC0415
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from dorasync.console import Console  # noqa: PLC0415
    from dorasync.importer import Importer, collect  # noqa: PLC0415
    from dorasync.settings import resolve  # noqa: PLC0415
    from dorasync.timestamps import format_ns  # noqa: PLC0415
    from dorasync.window import window_from  # noqa: PLC0415
    from dorasync.workflow import check, connect  # noqa: PLC0415

    now = time.time_ns()
    try:
        window = window_from(since, until, ZoneInfo("UTC"), now)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--from' / '--to'") from None
    checked = check(ctx.root, now)
    ctx.console.problems(checked.warnings)
    settings = resolve(os.environ, checked.project.settings.config.site)
    Console.hide(settings.secrets())
    client = connect(settings, app_key_for="dorasync import (searching events)")
    store = checked.store()
    with store.lock("import"):
        state = store.read()
        found = collect(client, window.since_ns, window.until_ns, query=query)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with store.journal(state) as journal:
            importer = Importer(checked.project, state, checked.incidents, journal, stamp, now)
            outcome = importer.take(found.items.values())
    span = f"from {format_ns(window.since_ns)} to {format_ns(window.until_ns)}"
    ctx.console.out(
        f"Read {len(found.items)} events that started {span} "
        f"({found.requests} search{'es' if found.requests != 1 else ''})."
    )
    _report(ctx.console, outcome, checked.project.settings.config.incidents, store.shown)
    if found.unusable:
        ctx.console.error(
            f"{found.unusable} event{'s' if found.unusable != 1 else ''} read had "
            "no id anywhere in the answer, and were left out"
        )
    return 1 if outcome.skipped or found.unusable else 0


def _report(console: Console, outcome: Outcome, folder: str, state: str) -> None:
    if len(outcome.written) <= _EACH_FILE_UP_TO:
        for file, event_id in outcome.written:
            console.info(f"  + {file}  (id {event_id})")
    for file, event_id in outcome.adopted:
        console.info(f"  = {file}  (id {event_id}): declared already, recorded")
    console.out(
        f"Imported {len(outcome.written)} as new files under {folder}/; recorded "
        f"{len(outcome.adopted)} that files declared already; {outcome.known} known to the "
        f"state already (left alone); {len(outcome.skipped)} skipped."
    )
    for event_id, why in outcome.skipped:
        console.error(f"event {event_id}: not imported: {why}")
    if outcome.written or outcome.adopted:
        console.out(f"State: {state} updated; `dorasync plan` shows no change for them.")
