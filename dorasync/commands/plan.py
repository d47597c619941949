"""Shell: `dorasync plan`, what apply would send, with no key and no network."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dorasync.commands import Context, options, pass_context

if TYPE_CHECKING:
    from dorasync.drift import Refresh
    from dorasync.workflow import Checked


@click.command()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes, 0 when there are none (1 on error).",
)
@options.formats
@click.option(
    "--out",
    metavar="FILE",
    help="Also save the plan to FILE, for `dorasync apply FILE` (relative to -C).",
)
@options.targets
@options.prune
@options.refresh
@options.parallelism
@pass_context
def plan(
    ctx: Context,
    *,
    detailed_exitcode: bool,
    output_format: str | None,
    as_json: bool,
    out: str | None,
    targets: tuple[str, ...],
    prune: bool,
    refresh: bool,
    parallelism: int,
) -> int:
    """Show what apply would send: creates (+), updates (~) and deletes (-).

    That covers incidents (a delete for a retracted one), deployment files, the marks
    of the deployments that incidents' caused_by name (shown under their incident),
    and lists what is declared no more.

    Needs no key and no network, except with --refresh, which reads every recorded
    event back from Datadog (DD_API_KEY and DD_APP_KEY) and shows what restores the
    ones changed or deleted there. Nothing is written but --out.

    \b
    Examples:
      dorasync plan
      dorasync plan --detailed-exitcode     # in CI: 0 nothing to do, 2 changes
      dorasync plan --out plan.json --format markdown > plan.md   # for a PR comment
      dorasync plan --prune --refresh
      dorasync plan --target '2026/*' --json | jq '.changes[] | select(.action != "no-op")'
    """
    import time  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync import planfile  # noqa: PLC0415
    from dorasync.commands.output import emit  # noqa: PLC0415
    from dorasync.impact import plan_impact  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415
    from dorasync.savedplan import SavedPlan  # noqa: PLC0415
    from dorasync.targets import select  # noqa: PLC0415
    from dorasync.workflow import check, plan_for, why_unsafe  # noqa: PLC0415

    chosen = options.chosen_format(output_format, as_json)
    if refresh and out:
        raise click.UsageError(
            "--refresh with --out: a saved plan is checked against the state it was made "
            "from, and a refreshed one against what Datadog held then; save the plan "
            "without --refresh, or run `dorasync apply --refresh`"
        )
    # Digest the inputs before reading them: a file edited while we plan then makes
    # the saved plan stale, rather than silently newer than what it shows.
    inputs = planfile.project_inputs(open_project(ctx.root)) if out else None
    now = time.time_ns()
    checked = check(ctx.root, now)
    ctx.console.problems(checked.warnings)
    found = _read_back(ctx, checked, targets, parallelism) if refresh else None
    state = found.apply_to(checked.state) if found else checked.state
    result = plan_for(checked, state, prune=prune)[1]
    if found:
        from dorasync.drift import mark  # noqa: PLC0415

        result = mark(result, found)
    result = select(result, targets)
    why = why_unsafe(checked, state, result)
    if out and inputs:
        saved_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        saved = SavedPlan(result, state.lineage, state.serial, inputs, saved_at, why)
        planfile.write(ctx.path(out), saved, out)
    warnings = [str(p) for p in checked.warnings]
    emit(
        ctx,
        result,
        chosen,
        unsafe=why,
        shown=out,
        effect=plan_impact(result, state, now),
        warnings=warnings,
    )
    if out:
        ctx.console.info(
            f"Saved the plan to {out}; apply exactly this plan with: dorasync apply {out}"
        )
    return 2 if detailed_exitcode and result.has_changes else 0


def _read_back(
    ctx: Context, checked: Checked, targets: tuple[str, ...], parallelism: int
) -> Refresh:
    """What Datadog holds of the recorded events (--refresh); nothing is written."""
    import os  # noqa: PLC0415

    from dorasync.commands.refresh import read_with  # noqa: PLC0415
    from dorasync.console import Console  # noqa: PLC0415
    from dorasync.settings import resolve  # noqa: PLC0415
    from dorasync.workflow import connect  # noqa: PLC0415

    settings = resolve(os.environ, checked.project.settings.config.site)
    Console.hide(settings.secrets())
    client = connect(settings, app_key_for="plan --refresh (reading events back)")
    return read_with(client, checked.state, targets, parallelism, ctx.console)
