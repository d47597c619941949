"""Shell: `dorasync validate`, every problem in every incident file, in one run."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@pass_context
def validate(ctx: Context, paths: tuple[str, ...]) -> int:
    """Check every incident and deployment file, or only the files and folders named.

    Prints each problem as FILE:LINE:COL: field: message and exits 1 if there is
    any. Needs no key and no network.

    \b
    Examples:
      dorasync validate
      dorasync validate incidents/2026/2026-11-20-checkout-latency.yaml
    """
    import time  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.deploymentfiles import is_deployment_file, load_deployments  # noqa: PLC0415
    from dorasync.errors import InvalidInput  # noqa: PLC0415
    from dorasync.loader import load  # noqa: PLC0415
    from dorasync.project import open_project  # noqa: PLC0415

    project = open_project(ctx.root)
    named = [ctx.path(p) for p in paths] if paths else None
    # Files under the deployments folder are checked as deployments, the others as incidents.
    shipped = [p for p in named or () if is_deployment_file(project, p)]
    now = time.time_ns()
    loaded = load(project, [p for p in named if p not in shipped] if named else None, now)
    found = load_deployments(project, now, only=[str(p) for p in shipped] if named else None)
    problems = loaded.problems + found.problems
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    ctx.console.problems(problems)
    count = len(loaded.incidents)
    warnings = len(problems)
    note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    shown = _plural(count, "incident")
    if found.deployments:
        shown += ", " + _plural(len(found.deployments), "deployment")
    ctx.console.out(f"ok: {shown} valid{note}")
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"
