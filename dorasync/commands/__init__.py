"""Shell: one module per sub-command; each parses, calls the core, renders and exits."""

from __future__ import annotations

from pathlib import Path

import click

from dorasync.console import Console


class Context:
    """What every command gets: the project folder and the console.

    A plain class, not a dataclass: dataclasses imports inspect, a cost that every
    `dorasync --help` would pay.
    """

    __slots__ = ("console", "root")

    def __init__(self, root: Path, console: Console | None = None) -> None:
        self.root = root
        self.console = console or Console()

    def path(self, given: str) -> Path:
        """A path from the command line, taken from the project folder (-C), as git -C."""
        return self.root / given


pass_context = click.make_pass_decorator(Context, ensure=True)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that an apply stops as on Ctrl-C (exit 143)."""
