"""Core: from a parsed incident file and the project's settings to a checked Incident."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from dorasync.config import Settings
from dorasync.errors import Problem
from dorasync.ids import derive_id
from dorasync.links import CausedBy, Remediation, link_checks
from dorasync.model import (
    FIELDS,
    GitInfo,
    Incident,
    IncidentSpec,
    cross_checks,
)
from dorasync.problems import Known, problems_of
from dorasync.yamlsource import Document, Mark

_KNOWN: Known = {
    (): FIELDS,
    ("git",): tuple(GitInfo.model_fields),
    ("caused_by",): tuple(CausedBy.model_fields),
    ("remediation",): tuple(Remediation.model_fields),
}


@dataclass(frozen=True, slots=True)
class Source:
    """An incident file, read and parsed: where it is, its default key, its digest."""

    file: str
    path_key: str
    document: Document
    digest: str


def merge(
    defaults: Mapping[str, Any], declared: Mapping[str, Any], known: Collection[str]
) -> dict[str, Any]:
    """Defaults under the file's values: mappings (git) merge key by key, lists are
    replaced, and an explicit null removes a default (product.md, `defaults:`). A
    field that is not one of `known` stays, even empty, to be reported as unknown."""
    merged = dict(defaults)
    for name, value in declared.items():
        below = merged.get(name)
        if isinstance(value, dict) and isinstance(below, dict):
            merged[name] = {k: v for k, v in {**below, **value}.items() if v is not None}
        else:
            merged[name] = value
    return {k: v for k, v in merged.items() if v is not None or k not in known}


def build(source: Source, settings: Settings, now_ns: int) -> tuple[Incident | None, list[Problem]]:
    """Check one incident file; an Incident only when it has no error."""
    doc, file = source.document, source.file
    if not isinstance(doc.value, dict):
        what = "is empty" if doc.value is None else "is not a mapping of fields"
        return None, [
            Problem(
                file,
                1,
                1,
                "file",
                f"{what}; an incident needs at least started_at, and services or team",
            )
        ]
    declared: dict[str, Any] = doc.value
    locate = locator(declared, doc, settings)
    merged = merge(settings.defaults, declared, IncidentSpec.model_fields)
    if "git" not in declared and not complete_git(merged.get("git")):
        # A default `git: {repository_url: ...}` is for incidents that name a commit;
        # it must not make every other incident invalid (README "Defaults").
        merged.pop("git", None)
    try:
        spec = IncidentSpec.model_validate(merged)
    except ValidationError as exc:
        return None, sorted(problems_of(exc, locate, _KNOWN))
    problems = []
    checks = cross_checks(spec, now_ns) + link_checks(spec.caused_by, spec.remediation)
    for name, message, is_error in checks:
        mark = locate(tuple(name.split(".")), False)
        problems.append(
            Problem(
                mark.file, mark.line, mark.col, name, message, "error" if is_error else "warning"
            )
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    key = spec.key or source.path_key
    event_id = spec.id or derive_id(settings.config.namespace, key)
    attributes = spec.attributes(event_id)
    names = (*attributes, "key", "retracted", "caused_by", "remediation")
    marks = {name: locate((name,), False) for name in names}
    retracted = bool(spec.retracted)
    incident = Incident(
        key,
        event_id,
        file,
        attributes,
        marks,
        source.digest,
        retracted,
        spec.retracted_reason,
        spec.link(),
    )
    return incident, problems


def complete_git(value: Any) -> bool:
    return isinstance(value, dict) and all(value.get(k) for k in GitInfo.model_fields)


def locator(declared: Mapping[str, Any], doc: Document, settings: Settings) -> Any:
    def locate(loc: tuple[str | int, ...], key: bool) -> Mark:
        """Point at the file, unless only the defaults wrote this field."""
        if loc and not _has(declared, loc) and _has(settings.defaults, loc):
            return settings.default_mark(loc)
        return doc.mark(loc, key=key)

    return locate


def _has(values: Mapping[str, Any], loc: tuple[str | int, ...]) -> bool:
    first = values.get(str(loc[0]))
    if len(loc) == 1 or not isinstance(first, dict):
        return loc[0] in values
    return loc[1] in first


class Identified(Protocol):
    """An incident or a deployment: what uniqueness is checked on."""

    @property
    def key(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def marks(self) -> Mapping[str, Mark]: ...


def check_unique(incidents: Sequence[Identified]) -> list[Problem]:
    """Keys and ids are unique within a project: a duplicate names both files."""
    problems = []
    for what in ("key", "id"):
        first: dict[str, Identified] = {}
        for incident in incidents:
            value = getattr(incident, what)
            other = first.setdefault(value, incident)
            if other is not incident:
                # An incident taken unchanged from the state has no marks: its file start.
                mark = incident.marks.get(what) or Mark(incident.file, 1, 1)
                where = other.marks.get(what) or Mark(other.file, 1, 1)
                hint = "set another key:" if what == "key" else "change or remove one id:"
                problems.append(
                    Problem(
                        incident.file,
                        mark.line,
                        mark.col,
                        what,
                        f"{value!r} is also the {what} of {other.file} (line {where.line}); "
                        f"{what}s must be unique in a project; {hint}",
                    )
                )
    return problems
