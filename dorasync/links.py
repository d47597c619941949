"""Core: an incident's link to the deployment that caused it, and the PATCH that marks it.

Since 2026 Datadog computes change failure rate and failed deployment recovery time
from deployments marked as change failures, not from incident events (API note,
"Context a user will want"). An incident says which deployment caused it
(`caused_by`) and how it was remediated (`remediation`); dorasync marks that
deployment with `PATCH /api/v2/dora/deployments/{id}`, or by service, env and
version with `PATCH /api/v2/dora/deployments` (DORADeploymentPatchRequest and
DORADeploymentPatchByVersionRequest in Datadog's official clients).

A link's normal form, what the plan compares and the state records, is
`{"deployment": {"id": ...} or {"service", "env", "version"}, "remediation":
{"type", "id" or "version"}}`, the remediation's keys named as the API names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, BeforeValidator, ConfigDict

from dorasync.errors import Problem
from dorasync.text import Text, check_text, user_error
from dorasync.yamlsource import Mark

if TYPE_CHECKING:
    from dorasync.model import Incident

PATCH_TYPE = "dora_deployment_patch_request"
DEPLOYMENTS = "/api/v2/dora/deployments"
REMEDIATION_TYPES = ("rollback", "rollforward")
BY_VERSION = ("service", "env", "version")
# Deployment ids are Datadog's or a CI's, not dorasync's: the recorded ones
# ("08a3dbc57bb781a5", "eG42zNIkVjM", "z_RwVLi7v4Y") are shorter than the 16 an event id
# needs, so only the characters and the API's upper bound are held to.
_DEPLOYMENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def _deployment_id(value: object) -> str:
    text = check_text(value)
    if not _DEPLOYMENT_ID.fullmatch(text) or not text.strip("."):
        # "." and ".." would be resolved away in the PATCH's path, to another endpoint.
        raise user_error(
            f"{text!r} is not a deployment id; write the id Datadog shows for the "
            "deployment (up to 128 characters of A-Z a-z 0-9 - _ . :)"
        )
    return text


def _remediation_type(value: object) -> str:
    text = check_text(value)
    if text not in REMEDIATION_TYPES:
        raise user_error(f"{text!r} is not a remediation type; write rollback or rollforward")
    return text


DeploymentId = Annotated[str, BeforeValidator(_deployment_id)]


class CausedBy(BaseModel):
    """The deployment that caused an incident: by id, or by service, env and version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    deployment_id: DeploymentId | None = None
    service: Text | None = None
    env: Text | None = None
    version: Text | None = None


class Remediation(BaseModel):
    """How the failed deployment was remediated, and by which deployment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Annotated[str, BeforeValidator(_remediation_type)]
    deployment_id: DeploymentId | None = None
    version: Text | None = None


Check = tuple[str, str, bool]  # (field, message, is_error), as model.cross_checks


def link_checks(caused_by: CausedBy | None, remediation: Remediation | None) -> list[Check]:
    """Each deployment named exactly one way; no remediation without its cause."""
    found: list[Check] = []
    if caused_by is not None:
        found += _named_once(caused_by)
    if remediation is None:
        return found
    if caused_by is None:
        found.append(
            (
                "remediation",
                "needs caused_by: a remediation is of the deployment that caused the "
                "incident; add caused_by: {deployment_id: ...} (or service, env and version)",
                True,
            )
        )
    if (remediation.deployment_id is None) == (remediation.version is None):
        how = "not both" if remediation.deployment_id is not None else "one of them is needed"
        found.append(
            (
                "remediation",
                "name the remediation deployment one way: deployment_id: ID, or version: "
                f"VERSION (of the same service and env as the failed one); {how}",
                True,
            )
        )
    elif (
        caused_by is not None
        and remediation.deployment_id is not None
        and remediation.deployment_id == caused_by.deployment_id
    ):
        found.append(
            (
                "remediation.deployment_id",
                "is the deployment that caused the incident; name the deployment that "
                "remediated it (the rollback or the fix)",
                True,
            )
        )
    return found


def _named_once(caused_by: CausedBy) -> list[Check]:
    given = [name for name in BY_VERSION if getattr(caused_by, name) is not None]
    if caused_by.deployment_id is not None and given:
        return [
            (
                "caused_by",
                f"names the deployment two ways (deployment_id and {', '.join(given)}); "
                "keep deployment_id, or service, env and version",
                True,
            )
        ]
    if caused_by.deployment_id is None and len(given) < len(BY_VERSION):
        missing = ", ".join(name for name in BY_VERSION if name not in given)
        return [
            (
                "caused_by",
                f"needs deployment_id, or all of service, env and version (missing: "
                f"{missing}); e.g. caused_by: {{deployment_id: z_RwVLi7v4Y}}",
                True,
            )
        ]
    return []


def link_of(caused_by: CausedBy | None, remediation: Remediation | None) -> dict[str, Any] | None:
    """The link's normal form, or None when the incident names no deployment."""
    if caused_by is None:
        return None
    if caused_by.deployment_id is not None:
        deployment: dict[str, str] = {"id": caused_by.deployment_id}
    else:
        deployment = {name: str(getattr(caused_by, name)) for name in BY_VERSION}
    link: dict[str, Any] = {"deployment": deployment}
    if remediation is not None:
        by = (
            {"id": remediation.deployment_id}
            if remediation.deployment_id is not None
            else {"version": str(remediation.version)}
        )
        link["remediation"] = {"type": remediation.type, **by}
    return link


def patch_body(link: Mapping[str, Any], *, mark: bool) -> tuple[str | None, dict[str, Any]]:
    """The deployment id for the path (None: the by-version form) and the PATCH body that
    marks the link's deployment as a change failure, or un-marks it (`change_failure:
    false`, without a remediation)."""
    deployment = link["deployment"]
    attributes: dict[str, Any] = {}
    if "id" not in deployment:
        attributes.update({name: deployment[name] for name in BY_VERSION})
    attributes["change_failure"] = mark
    if mark and link.get("remediation"):
        attributes["remediation"] = dict(link["remediation"])
    data: dict[str, Any] = {"type": PATCH_TYPE}
    if "id" in deployment:
        data["id"] = deployment["id"]
    data["attributes"] = attributes
    return deployment.get("id"), {"data": data}


def patch_path(target: str | None) -> str:
    """The path of a PATCH: by id (one escaped segment, which cannot reach another
    path), or the by-version form."""
    return DEPLOYMENTS + ("" if target is None else "/" + quote(target, safe=""))


def deployment_text(deployment: Mapping[str, Any]) -> str:
    """A deployment as a plan names it: its id, or service/env@version."""
    if "id" in deployment:
        return str(deployment["id"])
    return f"{deployment['service']}/{deployment['env']}@{deployment['version']}"


def remediation_text(remediation: Mapping[str, Any] | None) -> str:
    """`rollback -> eG42zNIkVjM`, `rollforward -> version v1.12.08`, or ''."""
    if not remediation:
        return ""
    target = remediation.get("id") or f"version {remediation.get('version')}"
    return f"{remediation['type']} -> {target}"


def target_key(link: Mapping[str, Any]) -> tuple[str, ...]:
    """Which deployment a link names: by id, or by service, env and version."""
    deployment = link["deployment"]
    if "id" in deployment:
        return ("id", str(deployment["id"]))
    return ("version", *(str(deployment.get(k, "")) for k in ("service", "env", "version")))


def check_link_conflicts(incidents: Iterable[Incident]) -> list[Problem]:
    """Two incidents that name one deployment must agree on its remediation: the
    deployment has one mark, and PATCHes sent side by side would race."""
    first: dict[tuple[str, ...], Incident] = {}
    problems = []
    for incident in incidents:
        if incident.link is None or incident.retracted:
            continue
        other = first.setdefault(target_key(incident.link), incident)
        if other is incident or other.link is None:
            continue
        if other.link.get("remediation") != incident.link.get("remediation"):
            mark = (
                incident.marks.get("remediation")
                or incident.marks.get("caused_by")
                or Mark(incident.file, 1, 1)
            )
            problems.append(
                Problem(
                    incident.file,
                    mark.line,
                    mark.col,
                    "remediation",
                    f"{other.file} names the same deployment with another remediation; a "
                    "deployment has one mark: write the same remediation in both",
                )
            )
    return problems
