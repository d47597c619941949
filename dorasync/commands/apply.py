"""Shell: `dorasync apply`, send the plan's changes and record each success."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from dorasync.commands import Context, Terminated, options, pass_context

if TYPE_CHECKING:
    from dorasync.apply import Records, Report
    from dorasync.client import DoraClient, RetryPolicy
    from dorasync.console import Console
    from dorasync.drift import Refresh
    from dorasync.plan import Plan
    from dorasync.savedplan import SavedPlan
    from dorasync.settings import ApiSettings
    from dorasync.state import State
    from dorasync.workflow import Checked


@click.command()
@click.argument("planfile", required=False, metavar="[PLANFILE]")
@click.option("--auto-approve", is_flag=True, help="Send without asking for confirmation.")
@options.parallelism
@click.option(
    "--request-timeout",
    type=click.FloatRange(0.1, 600),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for one answer before retrying.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 100),
    default=8,
    show_default=True,
    help="Tries per request (5xx, timeouts, dropped connections, 429).",
)
@click.option(
    "--retry-budget",
    type=click.FloatRange(0, 86400),
    default=900.0,
    show_default=True,
    metavar="SECONDS",
    help="Back-off the whole run may spend on retries after errors.",
)
@options.targets
@options.prune
@options.refresh
@options.force
@pass_context
def apply(
    ctx: Context,
    *,
    planfile: str | None,
    auto_approve: bool,
    parallelism: int,
    request_timeout: float,
    max_attempts: int,
    retry_budget: float,
    targets: tuple[str, ...],
    prune: bool,
    refresh: bool,
    force: bool,
) -> int:
    """Plan, ask, then send each new or changed incident and record it in the state.

    Retracted incidents (retracted: true) are deleted from Datadog; with --prune, so
    are the incidents in the state whose file is gone. With --refresh, every event
    the state records is read back first, and what was changed or deleted in Datadog
    is restored.

    With PLANFILE (saved by `plan --out`), send exactly that plan, without asking,
    and refuse if the state or any input file changed since it was saved.

    Deployment files are sent too, and then the links of incidents (caused_by) mark
    their deployments as change failures, or un-mark them.

    Needs DD_API_KEY (or DD_API_KEY_FILE), and DD_APP_KEY to delete, to mark
    deployments or to --refresh;
    DORASYNC_API_URL points it at another API, such as the emulator. Without a
    terminal, --auto-approve is required.

    \b
    Examples:
      dorasync apply
      dorasync plan --out plan.json && dorasync apply plan.json
      dorasync apply --refresh --prune
      DORASYNC_API_URL=http://127.0.0.1:8126 dorasync apply --auto-approve --target '2026/*'
    """
    from dorasync.apply import refreshed  # noqa: PLC0415 - keep `dorasync --help` fast
    from dorasync.client import RetryPolicy  # noqa: PLC0415
    from dorasync.commands.refresh import read_with  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415
    from dorasync.render import plan_chunks  # noqa: PLC0415
    from dorasync.workflow import check, load_saved, why_unsafe  # noqa: PLC0415

    console = ctx.console
    _refuse_with_planfile(planfile, targets=targets, prune=prune, refresh=refresh)
    saved = load_saved(ctx.root, ctx.path(planfile), planfile) if planfile else None
    policy = RetryPolicy(
        max_attempts=max_attempts, run_budget_s=retry_budget, read_timeout_s=request_timeout
    )
    project = open_project(ctx.root)
    store = project.store()
    # The lock first, as Terraform does: the state is read once, under it, and the
    # incidents are checked against that state (at 100k incidents a read is seconds).
    with store.lock("apply"):
        state = store.read()
        if store.settle(state):
            console.info("State: recorded what an interrupted apply had sent (its journal).")
        checked = check(ctx.root, time.time_ns(), project=project, state=state)
        console.problems(checked.warnings)
        settings = _settings(checked, console)
        client = _client(settings, policy, "--refresh (reading events back)") if refresh else None
        found = (
            read_with(client, state, targets, parallelism, console, refuse=not force)
            if client
            else None
        )
        current = found.apply_to(state) if found else state
        plan = _planned(
            checked,
            console,
            current,
            saved=saved,
            planfile=planfile,
            targets=targets,
            prune=prune,
            found=found,
        )
        for chunk in plan_chunks(plan, console.colour):
            console.out(chunk, end="")
        stale = refreshed(plan, current)
        learnt = {("incidents", k): v for k, v in (found.changes if found else {}).items()}
        records: Records = {**learnt, **stale}
        if not plan.has_changes:
            _record_only(checked, state, records, len(stale), console)
            return 0
        if not force:
            why_unsafe(checked, current, plan, refuse=True)
        # One client for the reads and the sends: the rate limit it learnt holds for both.
        client = client or _client(settings, policy, _app_key_for(plan))
        if saved is None and not auto_approve and not _confirm(console):
            console.error("Apply cancelled; nothing was sent.")
            return 1
        report = _send(
            checked, client, plan, state=state, console=console, parallelism=parallelism,
            records=records,
        )  # fmt: skip
    return 0 if report.stopped is None and not report.having("failed") else 1


def _refuse_with_planfile(
    planfile: str | None, *, targets: tuple[str, ...], prune: bool, refresh: bool
) -> None:
    """A saved plan is applied as it was reviewed: options that would change it are refused."""
    if planfile and targets:
        raise click.UsageError("--target cannot change a saved plan; it keeps the targets it had")
    if planfile and prune:
        raise click.UsageError(
            "--prune cannot change a saved plan; save one with `plan --prune --out FILE`"
        )
    if planfile and refresh:
        raise click.UsageError(
            "--refresh cannot change a saved plan, which shows what Datadog held when it "
            "was saved; run `dorasync apply --refresh` to read and restore at once"
        )


def _settings(checked: Checked, console: Console) -> ApiSettings:
    """Where to send and with which keys (masked in all output from now on)."""
    import os  # noqa: PLC0415

    from dorasync.console import Console  # noqa: PLC0415
    from dorasync.settings import resolve  # noqa: PLC0415

    settings = resolve(os.environ, checked.project.settings.config.site)
    Console.hide(settings.secrets())
    for warning in settings.warnings:
        console.warning(warning)
    return settings


def _client(settings: ApiSettings, policy: RetryPolicy, app_key_for: str | None) -> DoraClient:
    from dorasync.workflow import connect  # noqa: PLC0415

    return connect(settings, app_key_for=app_key_for, policy=policy)


def _app_key_for(plan: Plan) -> str | None:
    """What needs the application key in `plan`, if anything does."""
    pending = plan.pending
    deletes = sum(1 for c in pending if c.action.value == "delete" and c.kind.value != "link")
    marks = sum(1 for c in pending if c.kind.value == "link")
    needs = [f"deleting {deletes} event{'s' if deletes != 1 else ''}"] if deletes else []
    if marks:
        needs.append(f"changing the change-failure mark of {marks} deployment{'s' * (marks != 1)}")
    return " and ".join(needs) or None


def _record_only(
    checked: Checked, state: State, records: Records, digests: int, console: Console
) -> None:
    """Record what was learnt (what a refresh read, new file digests); nothing is sent."""
    if not records:
        return
    store = checked.store()
    with store.journal(state) as journal:
        for (section, key), entry in records.items():
            journal.record(key, entry, section)
    if digests:
        console.info(
            f"State: {digests} unchanged file{'s' if digests != 1 else ''} recorded with "
            f"their current file digest (nothing sent), in {store.shown}."
        )
    if len(records) > digests:
        console.info(f"State: what Datadog holds recorded (nothing sent), in {store.shown}.")


def _confirm(console: Console) -> bool:
    """Terraform's prompt; without a terminal, refuse instead of waiting on nobody."""
    from dorasync.errors import DorasyncError  # noqa: PLC0415

    if not sys.stdin.isatty():
        raise DorasyncError(
            "apply needs a confirmation, and there is no terminal to ask on; "
            "review `dorasync plan` and run `dorasync apply --auto-approve`"
        )
    console.out("\nDo you want to send these changes to Datadog? Only 'yes' will be accepted.")
    answer: str = click.prompt("  Enter a value", default="", show_default=False)
    return answer.strip() == "yes"


def _planned(
    checked: Checked,
    console: Console,
    state: State,
    *,
    saved: SavedPlan | None,
    planfile: str | None,
    targets: tuple[str, ...],
    prune: bool,
    found: Refresh | None,
) -> Plan:
    """The plan to apply: the saved one, once shown to be current, or a new one."""
    from dorasync.drift import mark  # noqa: PLC0415
    from dorasync.targets import select  # noqa: PLC0415
    from dorasync.workflow import plan_for, verify_saved  # noqa: PLC0415

    if saved is None or planfile is None:
        plan = plan_for(checked, state, prune=prune)[1]
        return select(mark(plan, found) if found else plan, targets)
    plan = plan_for(checked, state, prune=saved.plan.prune)[1]
    shown = checked.project.settings.config.state
    plan = verify_saved(saved, state, plan, shown=planfile, state_shown=shown)
    console.info(f"Applying {planfile} (saved {saved.saved_at}) as it is, without asking.")
    return plan


def _send(
    checked: Checked,
    client: DoraClient,
    plan: Plan,
    *,
    state: State,
    console: Console,
    parallelism: int,
    records: Records,
) -> Report:
    """Send the plan's changes; `records` (what a refresh learnt, new digests) go to
    the journal first, so that the sends recorded after them win."""
    from dorasync.apply import Applier  # noqa: PLC0415
    from dorasync.commands.summary import Progress, summary  # noqa: PLC0415

    store = checked.store()
    changes = plan.pending
    progress = Progress(console, len(changes))
    endpoint = checked.project.settings.config.endpoint
    with store.journal(state) as journal:
        for (section, key), entry in records.items():
            journal.record(key, entry, section)
        applier = Applier(
            client,
            journal,
            endpoint,
            now=_now,
            on_outcome=progress,
            parallelism=parallelism,
            entries=state.entries,
        )
        try:
            report = applier.run(changes)
        except (KeyboardInterrupt, Terminated):
            summary(console, applier.report, store.shown, client.counters)
            raise
    summary(console, report, store.shown, client.counters)
    return report


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
