"""Shell: the only place that writes to the terminal (colour, problems, masking)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import ClassVar, TextIO

from dorasync.errors import Problem

_RED, _YELLOW, _DIM = "31", "33", "2"


def wants_colour(stream: TextIO, disabled: bool = False) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org) or --no-color."""
    if disabled or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Console:
    """Writes results to stdout and diagnostics to stderr, masking every secret."""

    # Shared by every console of the process: a key registered once is masked in
    # whatever prints later, the last-resort error handler included.
    secrets: ClassVar[set[str]] = set()

    def __init__(self, *, no_colour: bool = False, quiet: bool = False) -> None:
        self.no_colour, self.quiet = no_colour, quiet

    @classmethod
    def hide(cls, secrets: Iterable[str]) -> None:
        """Mask these values in everything printed from now on."""
        cls.secrets.update(s for s in secrets if len(s) >= 4)

    @property
    def colour(self) -> bool:
        return wants_colour(sys.stdout, self.no_colour)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "****")
        return text

    def out(self, text: str = "", *, end: str = "\n") -> None:
        sys.stdout.write(self.mask(text) + end)
        sys.stdout.flush()

    def info(self, text: str) -> None:
        """Progress and notes: stderr, and not at all with --quiet."""
        if not self.quiet:
            self.err(text)

    def err(self, text: str) -> None:
        sys.stderr.write(self.mask(text) + "\n")
        sys.stderr.flush()

    def paint(self, text: str, code: str, stream: TextIO | None = None) -> str:
        if wants_colour(stream or sys.stderr, self.no_colour):
            return f"\x1b[{code}m{text}\x1b[0m"
        return text

    def error(self, text: str) -> None:
        self.err(self.paint("error:", _RED) + " " + text)

    def warning(self, text: str) -> None:
        self.err(self.paint("warning:", _YELLOW) + " " + text)

    def problems(self, problems: Iterable[Problem]) -> None:
        """Each problem as FILE:LINE:COL: field: message, errors and warnings alike."""
        for p in problems:
            where = f"{p.file}:{p.line}:{p.col}:"
            label = "" if p.severity == "error" else self.paint("warning: ", _YELLOW)
            field = self.paint(p.field + ":", _RED if p.severity == "error" else _YELLOW)
            self.err(f"{where} {field} {label}{p.message}")
