"""Shell: the click options that several commands share, defined once (pip-tools' options.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "json", "markdown")


def formats(command: F) -> F:
    """--format text|json|markdown, and --json as its shorthand (resolved by `chosen_format`)."""
    command = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Shorthand for --format json.",
    )(command)
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default=None,
        help="text (default), json (`dorasync schema plan`) or markdown (a PR comment).",
    )(command)


def chosen_format(output_format: str | None, as_json: bool) -> str:
    """The one format asked for; --json with another --format is a usage error."""
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for two formats")
    return "json" if as_json else (output_format or "text")


targets = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KEY_OR_GLOB",
    help="Only incidents with this key or file (globs: '2026/*'); repeatable. The plan is "
    "then partial.",
)

force = click.option(
    "--force",
    is_flag=True,
    help="Apply even above the safety threshold (a share of the state updated at once).",
)

parallelism = click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests in flight at once.",
)

prune = click.option(
    "--prune",
    is_flag=True,
    help="Also delete the events of incidents whose file is gone (only those in the state, "
    "which dorasync sent or imported).",
)

refresh = click.option(
    "--refresh",
    is_flag=True,
    help="First read every event the state records back from Datadog (DD_APP_KEY), and "
    "restore what was changed or deleted there.",
)
