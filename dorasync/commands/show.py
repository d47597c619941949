"""Shell: `dorasync show FILE`, a saved plan rendered as `plan` renders it."""

from __future__ import annotations

import click

from dorasync.commands import Context, options, pass_context


@click.command()
@click.argument("planfile", metavar="FILE")
@options.formats
@pass_context
def show(ctx: Context, planfile: str, output_format: str | None, as_json: bool) -> int:
    """Show a plan saved by `plan --out FILE`, as `plan` showed it (FILE is relative to -C).

    Needs no project, no key and no network: a saved plan holds all it shows.

    \b
    Examples:
      dorasync show plan.json
      dorasync show plan.json --format markdown > comment.md
      dorasync show plan.json --json | jq .summary
    """
    from datetime import UTC, datetime  # noqa: PLC0415

    from dorasync import planfile as files  # noqa: PLC0415 - keep `dorasync --help` fast
    from dorasync.commands.output import emit  # noqa: PLC0415
    from dorasync.impact import plan_impact  # noqa: PLC0415

    chosen = options.chosen_format(output_format, as_json)
    saved = files.read(ctx.path(planfile), planfile)
    ctx.console.info(
        f"{planfile}: saved at {saved.saved_at} by dorasync {saved.version}, against "
        + (f"serial {saved.serial} of state {saved.lineage}" if saved.lineage else "no state yet")
    )
    # The impact as the plan showed it: read back from the plan, over the window that
    # ended when it was saved.
    saved_at = datetime.strptime(saved.saved_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    effect = plan_impact(saved.plan, None, int(saved_at.timestamp()) * 1_000_000_000)
    emit(
        ctx,
        saved.plan,
        chosen,
        unsafe=saved.unsafe,
        document=saved.document,
        shown=planfile,
        effect=effect,
    )
    return 0
