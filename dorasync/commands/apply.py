"""Shell: `dorasync apply`, send the plan's changes and record each success."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from dorasync.commands import Context, Terminated, options, pass_context

if TYPE_CHECKING:
    from dorasync.apply import Outcome, Report
    from dorasync.client import Counters, RetryPolicy
    from dorasync.console import Console
    from dorasync.plan import Plan
    from dorasync.savedplan import SavedPlan
    from dorasync.settings import ApiSettings
    from dorasync.state import Entry, State
    from dorasync.workflow import Checked

EACH_LINE_UP_TO = 100  # above this many changes, progress is a line per 10%


@click.command()
@click.argument("planfile", required=False, metavar="[PLANFILE]")
@click.option("--auto-approve", is_flag=True, help="Send without asking for confirmation.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests in flight at once.",
)
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
    force: bool,
) -> int:
    """Plan, ask, then send each new or changed incident and record it in the state.

    With PLANFILE (saved by `plan --out`), send exactly that plan, without asking,
    and refuse if the state or any input file changed since it was saved.

    Needs DD_API_KEY (or DD_API_KEY_FILE); DORASYNC_API_URL points it at another
    API, such as the emulator. Without a terminal, --auto-approve is required.

    \b
    Examples:
      dorasync apply
      dorasync plan --out plan.json && dorasync apply plan.json
      DORASYNC_API_URL=http://127.0.0.1:8126 dorasync apply --auto-approve --target '2026/*'
    """
    import os  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.apply import refreshed  # noqa: PLC0415
    from dorasync.client import RetryPolicy  # noqa: PLC0415
    from dorasync.console import Console  # noqa: PLC0415
    from dorasync.errors import DorasyncError  # noqa: PLC0415
    from dorasync.render import plan_text  # noqa: PLC0415
    from dorasync.settings import resolve  # noqa: PLC0415
    from dorasync.workflow import check, load_saved  # noqa: PLC0415

    console = ctx.console
    if planfile and targets:
        raise click.UsageError("--target cannot change a saved plan; it keeps the targets it had")
    saved = load_saved(ctx.root, ctx.path(planfile), planfile) if planfile else None
    checked = check(ctx.root, time.time_ns())
    console.problems(checked.warnings)
    settings = resolve(os.environ, checked.project.settings.config.site)
    Console.hide(settings.secrets())
    for warning in settings.warnings:
        console.warning(warning)
    with checked.store().lock("apply"):
        state, plan = _planned(checked, console, saved, planfile, targets)
        if checked.store().settle(state):
            console.info("State: recorded what an interrupted apply had sent (its journal).")
        console.out(plan_text(plan, console.colour), end="")
        stale = refreshed(plan, state)
        if not plan.has_changes:
            _refresh_only(checked, state, stale, console)
            return 0
        if not force:
            _refuse_if_unsafe(checked, state, plan)
        if settings.api_key is None:
            raise DorasyncError(
                "DD_API_KEY is not set; apply needs an API key to send "
                "(plan and validate do not): set DD_API_KEY or DD_API_KEY_FILE"
            )
        if saved is None and not auto_approve and not _confirm(console):
            console.error("Apply cancelled; nothing was sent.")
            return 1
        policy = RetryPolicy(
            max_attempts=max_attempts, run_budget_s=retry_budget, read_timeout_s=request_timeout
        )
        report = _send(
            checked,
            settings=settings,
            state=state,
            plan=plan,
            console=console,
            parallelism=parallelism,
            policy=policy,
            stale=stale,
        )
    return 0 if report.stopped is None and not report.having("failed") else 1


def _refresh_only(
    checked: Checked, state: State, stale: dict[str, Entry], console: Console
) -> None:
    """Record new digests of unchanged incidents; nothing is sent."""
    if not stale:
        return
    store = checked.store()
    with store.journal(state) as journal:
        for key, entry in stale.items():
            journal.record(key, entry)
    console.info(
        f"State: {len(stale)} unchanged incident{'s' if len(stale) != 1 else ''} "
        f"recorded with their current file digest (nothing sent), in {store.shown}."
    )


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
    saved: SavedPlan | None,
    planfile: str | None,
    targets: tuple[str, ...],
) -> tuple[State, Plan]:
    """The plan to apply: the saved one, once shown to be current, or a new one."""
    from dorasync.targets import select  # noqa: PLC0415
    from dorasync.workflow import plan_for, verify_saved  # noqa: PLC0415

    # Planned again from the state read under the lock: another apply may have
    # finished since the incidents were checked.
    state, plan = plan_for(checked, checked.store().read())
    if saved is None or planfile is None:
        return state, select(plan, targets)
    shown = checked.project.settings.config.state
    plan = verify_saved(saved, state, plan, shown=planfile, state_shown=shown)
    console.info(f"Applying {planfile} (saved {saved.saved_at}) as it is, without asking.")
    return state, plan


def _refuse_if_unsafe(checked: Checked, state: State, plan: Plan) -> None:
    """The safety threshold of dorasync.yaml (README "The safety threshold")."""
    from dorasync.safety import raise_if_unsafe  # noqa: PLC0415

    safety = checked.project.settings.config.safety
    raise_if_unsafe(plan, len(state.entries), safety.update_threshold, safety.min_existing)


def _send(
    checked: Checked,
    *,
    settings: ApiSettings,
    state: State,
    plan: Plan,
    console: Console,
    parallelism: int,
    policy: RetryPolicy,
    stale: dict[str, Entry],
) -> Report:
    from dorasync.apply import Applier  # noqa: PLC0415
    from dorasync.client import DoraClient  # noqa: PLC0415

    assert settings.api_key is not None
    store = checked.store()
    client = DoraClient(
        settings.base_url,
        settings.api_key,
        settings.app_key,
        policy=policy,
        proxies=settings.proxies,
        ca_bundle=settings.ca_bundle,
    )
    changes = plan.pending
    progress = _Progress(console, len(changes))
    endpoint = checked.project.settings.config.endpoint
    with store.journal(state) as journal:
        for key, entry in stale.items():
            journal.record(key, entry)
        applier = Applier(
            client, journal, endpoint, now=_now, on_outcome=progress, parallelism=parallelism
        )
        try:
            report = applier.run(changes)
        except (KeyboardInterrupt, Terminated):
            _summary(console, applier.report, store.shown, client.counters)
            raise
    _summary(console, report, store.shown, client.counters)
    return report


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _Progress:
    """A bar on a terminal for more than a few changes; otherwise a line per incident
    for small applies, a line per 10% for large ones."""

    def __init__(self, console: Console, total: int) -> None:
        from dorasync.progress import FEW, Bar, is_terminal  # noqa: PLC0415

        self.console, self.total, self.done, self.failed = console, total, 0, 0
        self.step = max(1, total // 10)
        wanted = not console.quiet and total > FEW and is_terminal(sys.stderr)
        self.bar = Bar(total, sys.stderr) if wanted else None

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.result == "failed":
            # The details are in the summary, with the file and line of each failure.
            self.failed += 1
        if self.bar is not None:
            self.bar.update(self.done, self.failed)
        elif self.total <= EACH_LINE_UP_TO:
            self.console.info(f"  {outcome.change.key}: {_verb(outcome)}")
        elif self.done % self.step == 0 or self.done == self.total:
            self.console.info(f"  {self.done}/{self.total} done")


def _verb(outcome: Outcome) -> str:
    if outcome.result == "failed":
        return "failed (see below)"
    verb = "created" if outcome.change.action.value == "create" else "updated"
    note = f" ({outcome.message})" if outcome.message else ""
    return f"{verb}, id {outcome.change.id}{note}"


def _failure_text(outcome: Outcome) -> str:
    """A failed change, next to the file (and line) it came from."""
    change = outcome.change
    for problem in outcome.problems:
        mark = outcome.where(problem)
        if mark is not None:
            return (
                f"{mark.file}:{mark.line}:{mark.col}: {change.key}: Datadog refused it "
                f"(HTTP {outcome.status}): {problem.detail}"
            )
    return f"{change.file}: {change.key}: not sent: {outcome.message}"


def _summary(console: Console, report: Report, state_file: str, counters: Counters) -> None:
    """What was sent, what failed and why, what was not attempted (issue 3)."""
    sent, failed = report.having("sent"), report.having("failed")
    skipped = report.having("not attempted")
    created = sum(1 for o in sent if o.change.action.value == "create")
    notes = [f"{created} created", f"{len(sent) - created} updated"]
    delayed = sum(1 for o in sent if o.status == 202)
    if delayed:
        notes.append(f"{delayed} accepted with delay (202)")
    extra = [f"{counters.retries} retries"] if counters.retries else []
    if counters.rate_limited:
        extra.append(f"{counters.rate_limited} answers of 429")
    tail = f"; {', '.join(extra)}" if extra else ""
    console.out(
        f"\nApply {'stopped' if report.stopped else 'complete'}: {len(sent)} sent "
        f"({', '.join(notes)}), {len(failed)} failed, {len(skipped)} not attempted{tail}."
    )
    for outcome in failed:
        console.error(_failure_text(outcome))
    if report.stopped:
        console.error(f"stopped early: {report.stopped}")
    if skipped:
        names = ", ".join(o.change.key for o in skipped[:20])
        more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        console.err(f"Not attempted: {names}{more}")
    if failed or skipped:
        console.out(
            f"State: {state_file} records every success; run `dorasync plan` to see what is left."
        )
    else:
        console.out(f"State: {state_file} updated.")
