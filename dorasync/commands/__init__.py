"""Shell: one module per sub-command; each parses, calls the core, renders and exits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from dorasync.console import Console


@dataclass(slots=True)
class Context:
    """What every command gets: the project folder and the console."""

    root: Path
    console: Console = field(default_factory=Console)

    def path(self, given: str) -> Path:
        """A path from the command line, taken from the project folder (-C), as git -C."""
        return self.root / given


pass_context = click.make_pass_decorator(Context, ensure=True)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that an apply stops as on Ctrl-C (exit 143)."""
