"""Orchestrator: from a project folder to checked incidents, the state and a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dorasync.errors import InvalidInput, Problem
from dorasync.model import Incident
from dorasync.plan import Plan, make_plan
from dorasync.project import Project, load, open_project
from dorasync.state import State
from dorasync.statestore import StateStore


@dataclass(frozen=True, slots=True)
class Checked:
    """A project whose incidents all passed; warnings are kept to be shown."""

    project: Project
    incidents: list[Incident]
    warnings: list[Problem]

    def store(self) -> StateStore:
        return self.project.store()


def check(root: Path, now_ns: int, paths: Sequence[Path] | None = None) -> Checked:
    """Load and check incidents; raise InvalidInput with every problem if any is an error."""
    project = open_project(root)
    loaded = load(project, paths, now_ns)
    if not loaded.ok:
        raise InvalidInput(loaded.problems)
    return Checked(project, loaded.incidents, loaded.problems)


def plan_for(checked: Checked, state: State | None = None) -> tuple[State, Plan]:
    """The plan against the state as it is on disk (journal included), or `state`."""
    current = state if state is not None else checked.store().read()
    return current, make_plan(checked.incidents, current)
