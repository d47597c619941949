"""Shell: `dorasync plan`, what apply would send, with no key and no network."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context


@click.command()
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes, 0 when there are none (1 on error).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@pass_context
def plan(ctx: Context, detailed_exitcode: bool, as_json: bool) -> int:
    """Show what apply would send: creates (+), updates (~) and what is declared no more.

    \b
    Examples:
      dorasync plan
      dorasync plan --detailed-exitcode     # in CI: 0 nothing to do, 2 changes
      dorasync plan --json | jq '.changes[] | select(.action != "no-op")'
    """
    import time  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.impact import impact_data, impact_text, plan_impact  # noqa: PLC0415
    from dorasync.render import plan_json, plan_text  # noqa: PLC0415
    from dorasync.reportjson import dumps  # noqa: PLC0415
    from dorasync.workflow import check, plan_for  # noqa: PLC0415

    now = time.time_ns()
    checked = check(ctx.root, now)
    ctx.console.problems(checked.warnings)
    state, result = plan_for(checked)
    effect = plan_impact(result, state, now)
    if as_json:
        # dumps writes the impact's exact decimals; for the rest it is json.dumps(indent=2)
        extra = {"impact": impact_data(effect) if effect else None}
        ctx.console.out(dumps(plan_json(result, extra)))
    else:
        ctx.console.out(plan_text(result, ctx.console.colour), end="")
        if effect:
            ctx.console.out("\n" + impact_text(effect), end="")
    return 2 if detailed_exitcode and result.has_changes else 0
