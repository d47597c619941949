"""Shell: `dorasync plan`, what apply would send, with no key and no network."""

from __future__ import annotations

import click

from dorasync.commands import Context, options, pass_context


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
@pass_context
def plan(
    ctx: Context,
    *,
    detailed_exitcode: bool,
    output_format: str | None,
    as_json: bool,
    out: str | None,
    targets: tuple[str, ...],
) -> int:
    """Show what apply would send: creates (+), updates (~) and what is declared no more.

    \b
    Examples:
      dorasync plan
      dorasync plan --detailed-exitcode     # in CI: 0 nothing to do, 2 changes
      dorasync plan --out plan.json --format markdown > plan.md   # for a PR comment
      dorasync plan --target '2026/*' --json | jq '.changes[] | select(.action != "no-op")'
    """
    import time  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync import planfile  # noqa: PLC0415
    from dorasync.commands.output import emit  # noqa: PLC0415
    from dorasync.impact import plan_impact  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415
    from dorasync.safety import unsafe  # noqa: PLC0415
    from dorasync.savedplan import SavedPlan  # noqa: PLC0415
    from dorasync.targets import select  # noqa: PLC0415
    from dorasync.workflow import check, plan_for  # noqa: PLC0415

    chosen = options.chosen_format(output_format, as_json)
    # Digest the inputs before reading them: a file edited while we plan then makes
    # the saved plan stale, rather than silently newer than what it shows.
    inputs = planfile.project_inputs(open_project(ctx.root)) if out else None
    now = time.time_ns()
    checked = check(ctx.root, now)
    ctx.console.problems(checked.warnings)
    state, result = plan_for(checked)
    result = select(result, targets)
    safety = checked.project.settings.config.safety
    why = unsafe(result, len(state.entries), safety.update_threshold, safety.min_existing)
    if out and inputs:
        saved_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        saved = SavedPlan(result, state.lineage, state.serial, inputs, saved_at, why)
        planfile.write(ctx.path(out), saved, out)
    emit(ctx, result, chosen, unsafe=why, shown=out, effect=plan_impact(result, state, now))
    if out:
        ctx.console.info(
            f"Saved the plan to {out}; apply exactly this plan with: dorasync apply {out}"
        )
    return 2 if detailed_exitcode and result.has_changes else 0
