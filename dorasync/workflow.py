"""Orchestrator: from a project folder to checked incidents, the state and a plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dorasync import planfile, savedplan
from dorasync.deploymentfiles import load_deployments
from dorasync.deployments import Deployment, deployment_changes
from dorasync.errors import DorasyncError, InvalidInput, Problem
from dorasync.incidents import check_unique
from dorasync.linkplan import link_changes
from dorasync.loader import load
from dorasync.model import Incident
from dorasync.moves import keep_moved_ids
from dorasync.plan import Plan, make_plan
from dorasync.project import Project, open_project
from dorasync.safety import raise_if_unsafe, unsafe
from dorasync.savedplan import SavedPlan
from dorasync.state import State
from dorasync.statestore import StateStore
from dorasync.targets import select

if TYPE_CHECKING:
    from dorasync.client import DoraClient, RetryPolicy
    from dorasync.settings import ApiSettings


@dataclass(frozen=True, slots=True)
class Checked:
    """A project whose incidents all passed, the state they were read against, and
    the warnings to show."""

    project: Project
    incidents: list[Incident]
    warnings: list[Problem]
    state: State
    deployments: tuple[Deployment, ...] = ()

    def store(self) -> StateStore:
        return self.project.store()


def check(
    root: Path,
    now_ns: int,
    paths: Sequence[Path] | None = None,
    *,
    project: Project | None = None,
    state: State | None = None,
) -> Checked:
    """Load and check incidents; raise InvalidInput with every problem if any is an error.

    Files unchanged since their last apply are taken from the state unparsed: `state`,
    when the caller has read it already (under the lock), else the one on disk."""
    project = project or open_project(root)
    state = state if state is not None else project.store().read()
    known = {entry.file: (key, entry) for key, entry in state.entries.items()}
    loaded = load(project, paths, now_ns, known)
    by_file = {entry.file: (key, entry) for key, entry in state.deployments.items()}
    found = load_deployments(project, now_ns, by_file)
    problems = loaded.problems + found.problems
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    incidents = loaded.incidents
    if any(entry.moved_from for entry in state.entries.values()):
        incidents = keep_moved_ids(incidents, state, project.settings.config.namespace)
        clashes = check_unique(incidents)
        if clashes:
            raise InvalidInput(clashes)
    return Checked(project, incidents, problems, state, tuple(found.deployments))


def plan_for(
    checked: Checked, state: State | None = None, *, prune: bool = False
) -> tuple[State, Plan]:
    """The plan against `state`, else against the state the incidents were read with."""
    current = state if state is not None else checked.state
    extra = deployment_changes(checked.deployments, current)
    extra += link_changes(checked.incidents, current, prune=prune)
    return current, make_plan(checked.incidents, current, prune=prune, extra=extra)


def why_unsafe(checked: Checked, state: State, plan: Plan, *, refuse: bool = False) -> str | None:
    """Why apply refuses `plan` without --force (the safety threshold of dorasync.yaml),
    counted against the incidents the state says are in Datadog; with `refuse`, raise."""
    safety = checked.project.settings.config.safety
    existing = sum(1 for entry in state.entries.values() if entry.retracted_at is None)
    check = raise_if_unsafe if refuse else unsafe
    return check(
        plan,
        existing,
        safety.update_threshold,
        safety.min_existing,
        delete_share=safety.delete_threshold,
    )


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


def connect(
    settings: ApiSettings,
    *,
    app_key_for: str | None = None,
    policy: RetryPolicy | None = None,
) -> DoraClient:
    """A client for `settings`, once the keys it needs are there: DD_API_KEY always,
    DD_APP_KEY when `app_key_for` says what needs it. Checked before anything is sent."""
    from dorasync.client import DoraClient  # noqa: PLC0415 - requests is heavy

    if settings.api_key is None:
        raise DorasyncError(
            "DD_API_KEY is not set; apply needs an API key to send "
            "(plan and validate do not): set DD_API_KEY or DD_API_KEY_FILE"
        )
    if app_key_for and settings.app_key is None:
        raise DorasyncError(
            f"DD_APP_KEY is not set, and {app_key_for} needs Datadog's application key "
            "(reads, deletes and deployment marks do; sends need the API key alone): set "
            "DD_APP_KEY or DD_APP_KEY_FILE; nothing was sent"
        )
    return DoraClient(
        settings.base_url,
        settings.api_key,
        settings.app_key,
        policy=policy,
        proxies=settings.proxies,
        ca_bundle=settings.ca_bundle,
    )
