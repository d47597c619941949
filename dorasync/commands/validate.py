"""Shell: `dorasync validate`, every problem in every incident file, in one run."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@pass_context
def validate(ctx: Context, paths: tuple[str, ...]) -> int:
    """Check every incident file, or only the files and folders named.

    Prints each problem as FILE:LINE:COL: field: message and exits 1 if there is
    any. Needs no key and no network.

    \b
    Examples:
      dorasync validate
      dorasync validate incidents/2026/2026-11-20-checkout-latency.yaml
    """
    import time  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.errors import InvalidInput  # noqa: PLC0415
    from dorasync.loader import load  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415

    project = open_project(ctx.root)
    named = [ctx.path(p) for p in paths] if paths else None
    loaded = load(project, named, time.time_ns())
    if not loaded.ok:
        raise InvalidInput(loaded.problems)
    ctx.console.problems(loaded.problems)
    count = len(loaded.incidents)
    warnings = len(loaded.problems)
    note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    ctx.console.out(f"ok: {count} incident{'s' if count != 1 else ''} valid{note}")
    return 0
