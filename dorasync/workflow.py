"""Orchestrator: from a project folder to checked incidents, the state and a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dorasync import planfile, savedplan
from dorasync.errors import InvalidInput, Problem
from dorasync.loader import load
from dorasync.model import Incident
from dorasync.plan import Plan, make_plan
from dorasync.project import Project, open_project
from dorasync.savedplan import SavedPlan
from dorasync.state import State
from dorasync.statestore import StateStore
from dorasync.targets import select


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


def load_saved(root: Path, path: Path, shown: str) -> SavedPlan:
    """A saved plan whose version and input files are still those it was made from.

    dorasync.yaml is compared first: it says where the incidents are, so it must be
    the one planned with before it is trusted to find them.
    """
    saved = planfile.read(path, shown)
    savedplan.check_version(saved, shown)
    savedplan.check_inputs(saved, planfile.config_inputs(root), shown, only_now=True)
    savedplan.check_inputs(saved, planfile.project_inputs(open_project(root)), shown)
    return saved


def verify_saved(
    saved: SavedPlan, state: State, replanned: Plan, *, shown: str, state_shown: str
) -> Plan:
    """The saved plan to send, once the state is the one it was made against and its
    inputs are shown to give the same changes today."""
    savedplan.check_state(saved, state, state_shown, shown)
    return savedplan.check_replan(saved, select(replanned, saved.plan.targets), shown)
