"""Core: deployment events declared as files, checked, identified and planned.

A team without a CI integration can backfill its deployments in the same repository
as its incidents: each file under the deployments folder is one deployment event,
sent with `POST /api/v2/dora/deployment` (DORADeploymentRequestAttributes in
Datadog's official clients: service, started_at and finished_at required). The
timestamp rules are the incidents' own; ids come from a namespace of their own, so
that a deployment key can never give an incident's id (README "Deployments").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from dorasync.config import Settings
from dorasync.errors import Problem
from dorasync.incidents import Source, complete_git, locator, merge
from dorasync.model import EventId, GitInfo, Key, Tags, Timestamp
from dorasync.plan import Action, Change, FieldChange, Kind, diff_fields
from dorasync.problems import Known, problems_of
from dorasync.state import State
from dorasync.text import Text
from dorasync.yamlsource import Mark

# The defaults of dorasync.yaml that describe a deployment as well as an incident;
# `services`, `severity` and `version` describe an incident only.
SHARED_DEFAULTS = ("env", "team", "git", "custom_tags")
# The name under the project namespace of the namespace deployment ids are derived in.
DEPLOYMENTS_NAME = "dorasync:deployments"


class DeploymentSpec(BaseModel):
    """The fields a deployment file may hold, after the shared defaults were merged."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: Text
    started_at: Timestamp
    finished_at: Timestamp
    env: Text | None = None
    version: Text | None = None
    team: Text | None = None
    git: GitInfo | None = None
    custom_tags: Tags | None = None
    id: EventId | None = None
    key: Key | None = None

    def attributes(self, event_id: str) -> dict[str, Any]:
        """The body's `attributes`, exactly as sent."""
        body = self.model_dump(exclude_none=True, exclude={"key"})
        body["id"] = event_id
        return body


FIELDS = tuple(DeploymentSpec.model_fields)
_KNOWN: Known = {(): FIELDS, ("git",): tuple(GitInfo.model_fields)}


@dataclass(frozen=True, slots=True)
class Deployment:
    """A checked deployment: its identity, where it came from and what will be sent."""

    key: str
    id: str
    file: str
    attributes: dict[str, Any]
    marks: Mapping[str, Mark]
    digest: str


def derive_deployment_id(namespace: uuid.UUID, key: str) -> str:
    """uuid5 of the key in a namespace of its own: uuid5(uuid5(namespace,
    "dorasync:deployments"), key), never equal to an incident's uuid5(namespace, key)."""
    return str(uuid.uuid5(uuid.uuid5(namespace, DEPLOYMENTS_NAME), key))


def build(
    source: Source, settings: Settings, now_ns: int
) -> tuple[Deployment | None, list[Problem]]:
    """Check one deployment file; a Deployment only when it has no error."""
    doc, file = source.document, source.file
    if not isinstance(doc.value, dict):
        what = "is empty" if doc.value is None else "is not a mapping of fields"
        return None, [
            Problem(
                file, 1, 1, "file", f"{what}; a deployment needs service, started_at, finished_at"
            )
        ]
    declared: dict[str, Any] = doc.value
    shared = {k: v for k, v in settings.defaults.items() if k in SHARED_DEFAULTS}
    merged = merge(shared, declared, DeploymentSpec.model_fields)
    if "git" not in declared and not complete_git(merged.get("git")):
        merged.pop("git", None)
    locate = locator(declared, doc, settings)
    try:
        spec = DeploymentSpec.model_validate(merged)
    except ValidationError as exc:
        return None, sorted(problems_of(exc, locate, _KNOWN))
    problems = [
        Problem(m.file, m.line, m.col, name, message, "error" if is_error else "warning")
        for name, message, is_error in _cross_checks(spec, now_ns)
        for m in [locate((name,), False)]
    ]
    if any(p.severity == "error" for p in problems):
        return None, problems
    key = spec.key or source.path_key
    event_id = spec.id or derive_deployment_id(settings.config.namespace, key)
    attributes = spec.attributes(event_id)
    marks = {name: locate((name,), False) for name in (*attributes, "key")}
    return Deployment(key, event_id, file, attributes, marks, source.digest), problems


def _cross_checks(spec: DeploymentSpec, now_ns: int) -> list[tuple[str, str, bool]]:
    found = []
    if spec.finished_at < spec.started_at:
        found.append(
            (
                "finished_at",
                "is before started_at; a deployment cannot end before it starts "
                "(swapped, or a wrong offset?)",
                True,
            )
        )
    if spec.started_at > now_ns:
        found.append(("started_at", "is in the future; is the date or the offset right?", False))
    return found


def deployment_changes(deployments: Iterable[Deployment], state: State) -> list[Change]:
    """Create what the state has not sent, update (send again, same id) what changed.
    A deployment whose file is gone is left alone: dorasync never deletes one."""
    out = []
    for deployment in deployments:
        entry = state.deployments.get(deployment.key)
        fields: tuple[FieldChange, ...] = ()
        if entry is None:
            action, fields = Action.CREATE, ()
        elif entry.attributes == deployment.attributes:
            action, fields = Action.NOOP, ()
        else:
            action, fields = Action.UPDATE, diff_fields(entry.attributes, deployment.attributes)
        out.append(
            Change(
                action,
                deployment.key,
                deployment.id,
                deployment.file,
                deployment.attributes,
                fields,
                incident=deployment,
                kind=Kind.DEPLOYMENT,
            )
        )
    return out
