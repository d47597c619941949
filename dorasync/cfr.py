"""Core: which declared deployments are change failures, and how long each took to recover.

Datadog computes change failure rate and failed deployment recovery time from
deployments marked as change failures (API note, "Context a user will want"): the
rate is the marked deployments over all deployments, and a failed deployment's
recovery time runs from it to its remediation deployment. dorasync computes both
from its own files: a deployment file is marked when a non-retracted incident's
`caused_by` names it (by id, or by service, env and version), and recovers when the
remediation deployment that incident names finishes (README "dorasync report").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dorasync.links import BY_VERSION


@dataclass(frozen=True, slots=True)
class DeployRecord:
    """One declared deployment as the report sees it (cfr.py): grouped like an incident,
    counted by its finished_at, marked as a change failure or not, and its recovery."""

    key: str
    attributes: Mapping[str, Any]
    failed: bool
    recovery_ns: int | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the links say of one declared deployment: marked, and its recovery time
    (finished_at of the remediation minus its own) when a remediation is known."""

    failed: bool = False
    recovery_ns: int | None = None


def outcomes(
    deployments: Mapping[str, Mapping[str, Any]], links: Iterable[Mapping[str, Any]]
) -> dict[str, Outcome]:
    """Each deployment key a link marks, with its recovery time; deployments are the
    attributes sent, by key. A link to a deployment no file declares counts nowhere:
    its deployment is not among those the rate is taken over."""
    found: dict[str, Outcome] = {}
    for link in links:
        for key in _named(deployments, link["deployment"]):
            failed = deployments[key]
            fix = _remediation(deployments, failed, link.get("remediation"))
            recovery = fix["finished_at"] - failed["finished_at"] if fix else None
            if recovery is not None and recovery < 0:
                recovery = None  # a remediation before the failure says nothing of recovery
            old = found.get(key)
            # Two incidents may name one deployment: the first recovery known is kept.
            if old is None or old.recovery_ns is None:
                found[key] = Outcome(True, recovery)
    return found


def _named(deployments: Mapping[str, Mapping[str, Any]], target: Mapping[str, Any]) -> list[str]:
    """The deployments a link names: the one of that id, or every one of that service,
    env and version (the by-version PATCH marks each of them)."""
    if "id" in target:
        return [k for k, a in deployments.items() if a.get("id") == target["id"]]
    return [k for k, a in deployments.items() if all(a.get(n) == target[n] for n in BY_VERSION)]


def _remediation(
    deployments: Mapping[str, Mapping[str, Any]],
    failed: Mapping[str, Any],
    remediation: Mapping[str, Any] | None,
) -> Mapping[str, Any] | None:
    """The remediation deployment: by id, or the first of that version of the same
    service and env to finish after the failed one."""
    if not remediation:
        return None
    if "id" in remediation:
        return next((a for a in deployments.values() if a.get("id") == remediation["id"]), None)
    same = [
        a
        for a in deployments.values()
        if a.get("version") == remediation["version"]
        and a.get("service") == failed.get("service")
        and a.get("env") == failed.get("env")
        and a["finished_at"] >= failed["finished_at"]
    ]
    return min(same, key=lambda a: a["finished_at"], default=None)


def as_grouped(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A deployment's attributes as the report groups them: its one service as
    `services`, so that --by service reads incidents and deployments alike."""
    return {**attributes, "services": [attributes["service"]]}
