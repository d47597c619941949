"""Core: the one root exception, and the located problem that every user mistake becomes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class DorasyncError(Exception):
    """Root of every error dorasync reports to a user; the CLI maps it to exit 1."""


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong (or doubtful) in the user's files, located to the character."""

    file: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}:{self.col}: {self.field}: {label}{self.message}"


class InvalidInput(DorasyncError):
    """The project's files have problems; nothing may be sent and the state is untouched."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        errors = sum(1 for p in self.problems if p.severity == "error")
        super().__init__(f"{errors} problem{'s' if errors != 1 else ''} found")
