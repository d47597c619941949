"""Orchestrator: from a project folder to checked incidents, the state and a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dorasync.errors import InvalidInput, Problem
from dorasync.loader import load
from dorasync.model import Incident
from dorasync.plan import Plan, make_plan
from dorasync.project import Project, open_project
from dorasync.state import State
from dorasync.statestore import StateStore


@dataclass(frozen=True, slots=True)
class Checked:
    """A project whose incidents all passed, the state they were read against, and
    the warnings to show."""

    project: Project
    incidents: list[Incident]
    warnings: list[Problem]
    state: State

    def store(self) -> StateStore:
        return self.project.store()


def check(root: Path, now_ns: int, paths: Sequence[Path] | None = None) -> Checked:
    """Load and check incidents; raise InvalidInput with every problem if any is an error.

    Files unchanged since their last apply are taken from the state unparsed."""
    project = open_project(root)
    state = project.store().read()
    known = {entry.file: (key, entry) for key, entry in state.entries.items()}
    loaded = load(project, paths, now_ns, known)
    if not loaded.ok:
        raise InvalidInput(loaded.problems)
    return Checked(project, loaded.incidents, loaded.problems, state)


def plan_for(checked: Checked, state: State | None = None) -> tuple[State, Plan]:
    """The plan against `state`, else against the state the incidents were read with."""
    current = state if state is not None else checked.state
    return current, make_plan(checked.incidents, current)
