"""Core: a saved plan (`plan --out FILE`), which `apply FILE` sends exactly as reviewed.

A saved plan is the plan's JSON plus what proves it is still current, as Terraform's
saved plans do: the state's lineage and serial, a SHA-256 of every input (each
incident file and dorasync.yaml, and of the set of their names), the dorasync
version, and a digest of the whole document (octoDNS's plan checksum), so that a
damaged or hand-edited file is refused. It holds what would be sent and nothing
else: no key, nothing from the environment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from dorasync import __version__
from dorasync.errors import DorasyncError
from dorasync.plan import Action, Cause, Change, FieldChange, Kind, Orphan, Plan, Rename
from dorasync.render import PLAN_FORMAT_VERSION, plan_json
from dorasync.state import State

_SHOW_AT_MOST = 10  # moved inputs named in a refusal; the rest are counted


class StalePlan(DorasyncError):
    """A saved plan that may not be applied: unreadable, or made against other inputs."""


def digest_bytes(data: bytes) -> str:
    """A file's digest as a saved plan records it."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Inputs:
    """The digest of every file a plan was made from, by its name in the project."""

    files: Mapping[str, str]

    @property
    def names(self) -> str:
        """One digest of the set of file names: an added or removed file changes it."""
        return digest_bytes("\n".join(sorted(self.files)).encode())

    def moved(self, now: Inputs, *, only_now: bool = False) -> list[str]:
        """What changed from these inputs to `now`, one phrase per file (with
        `only_now`, of the files in `now` alone)."""
        out = []
        names = set(now.files) if only_now else set(self.files) | set(now.files)
        for name in sorted(names):
            if name not in now.files:
                out.append(f"{name} was removed")
            elif name not in self.files:
                out.append(f"{name} was added")
            elif self.files[name] != now.files[name]:
                out.append(f"{name} changed")
        return out


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan, and the state and inputs it was made against."""

    plan: Plan
    lineage: str | None
    serial: int
    inputs: Inputs
    saved_at: str
    unsafe: str | None = None
    version: str = __version__
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def plan_document(plan: Plan, unsafe: str | None) -> dict[str, Any]:
    """The JSON plan as `plan --format json` prints it (schemas/plan.schema.json)."""
    return plan_json(plan, {"unsafe": unsafe})


def dumps(saved: SavedPlan) -> str:
    """The text of a saved plan file, its digest included."""
    body = plan_document(saved.plan, saved.unsafe)
    body.update(
        saved_at=saved.saved_at,
        lineage=saved.lineage,
        serial=saved.serial,
        inputs={"files": dict(sorted(saved.inputs.files.items())), "names": saved.inputs.names},
    )
    body["digest"] = document_digest(body)
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def document_digest(body: Mapping[str, Any]) -> str:
    """The digest of a saved plan's document: canonical JSON of all but `digest`."""
    rest = {k: v for k, v in body.items() if k != "digest"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return digest_bytes(canonical.encode())


class _FieldDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    field: str
    before: Any
    after: Any


def _sent_shape(attributes: dict[str, Any]) -> dict[str, Any]:
    """The timestamps a plan sends are integers: a hand-edited file must say "damaged",
    not crash whatever reads them (the impact, the summary)."""
    if "deployment" in attributes:  # a link: no timestamps; checked by check_replan
        return attributes
    for name in ("started_at", "finished_at"):
        value = attributes.get(name)
        if (name == "started_at" or value is not None) and (
            isinstance(value, bool) or not isinstance(value, int)
        ):
            raise ValueError(f"{name} must be an integer of nanoseconds")
    return attributes


class _ChangeDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    action: Action
    key: str
    id: str
    file: str
    attributes: Annotated[dict[str, Any], AfterValidator(_sent_shape)]
    fields: list[_FieldDoc] = []
    warnings: list[str] = []
    cause: Cause = Cause.FILE
    reason: str | None = None
    kind: Kind = Kind.INCIDENT
    # A link's PATCH requests as `plan --json` shows them; apply builds them again.
    requests: list[Any] = []


class _OrphanDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    key: str
    id: str
    file: str


class _RenameDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
    old: _OrphanDoc = Field(alias="from")
    new: _OrphanDoc = Field(alias="to")


class _InputsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    files: dict[str, str]
    names: str


class _SavedDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format_version: int
    dorasync_version: str
    summary: dict[str, int | dict[str, int]]
    changes: list[_ChangeDoc]
    orphans: list[_OrphanDoc]
    renames: list[_RenameDoc] = []
    partial: bool
    targets: list[str]
    prune: bool = False
    unsafe: str | None
    saved_at: Annotated[
        str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
    ]
    lineage: str | None
    serial: int
    inputs: _InputsDoc
    digest: str


def loads(text: str, shown: str) -> SavedPlan:
    """Read a saved plan file; refuse anything damaged, edited or of another format."""
    again = f"save it again with `dorasync plan --out {shown}`"
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise StalePlan(f"{shown} is not a saved plan (not JSON: {exc}); {again}") from None
    if not isinstance(body, dict) or "changes" not in body:
        raise StalePlan(f"{shown} is not a dorasync saved plan; {again}")
    if "digest" not in body:
        raise StalePlan(
            f"{shown} is a plan printed by `plan --format json`, which is for reading, not a "
            f"saved plan; {again}"
        )
    version = body.get("format_version")
    if not isinstance(version, int) or version > PLAN_FORMAT_VERSION:
        raise StalePlan(
            f"{shown} has plan format {version!r}, newer than this dorasync reads; "
            "upgrade dorasync (pip install -U dorasync), or " + again
        )
    if body["digest"] != document_digest(body):
        raise StalePlan(
            f"{shown} was changed after it was saved (its digest does not match its content); "
            f"a saved plan is applied exactly as reviewed, so {again} and review that"
        )
    try:
        doc = _SavedDoc.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StalePlan(f"{shown} is damaged ({where}: {first['msg']}); {again}") from None
    return _from_doc(doc, body)


def _from_doc(doc: _SavedDoc, body: Mapping[str, Any]) -> SavedPlan:
    changes = tuple(
        Change(
            c.action,
            c.key,
            c.id,
            c.file,
            c.attributes,
            tuple(FieldChange(f.field, f.before, f.after) for f in c.fields),
            tuple(c.warnings),
            cause=c.cause,
            reason=c.reason,
            kind=c.kind,
        )
        for c in doc.changes
    )
    orphans = tuple(_orphan(o) for o in doc.orphans)
    renames = tuple(Rename(_orphan(r.old), _orphan(r.new)) for r in doc.renames)
    return SavedPlan(
        Plan(changes, orphans, tuple(doc.targets), doc.prune, renames),
        doc.lineage,
        doc.serial,
        Inputs(doc.inputs.files),
        doc.saved_at,
        doc.unsafe,
        doc.dorasync_version,
        body,
    )


def _orphan(doc: _OrphanDoc) -> Orphan:
    return Orphan(doc.key, doc.id, doc.file)


def _again(shown: str) -> str:
    return f"nothing was sent. Run `dorasync plan --out {shown}` again, review it, and apply that"


def check_version(saved: SavedPlan, shown: str) -> None:
    """A plan is applied by the dorasync that made it (Terraform's rule): ids and
    normal forms are only promised to be stable within one version."""
    if saved.version != __version__:
        raise StalePlan(
            f"{shown} was saved by dorasync {saved.version}, and this is dorasync "
            f"{__version__}; {_again(shown)}"
        )


def check_inputs(saved: SavedPlan, now: Inputs, shown: str, *, only_now: bool = False) -> None:
    """Refuse when any input file changed, appeared or went away since the plan."""
    moved = saved.inputs.moved(now, only_now=only_now)
    if not moved:
        return
    named = ", ".join(moved[:_SHOW_AT_MOST])
    more = f" and {len(moved) - _SHOW_AT_MOST} more" if len(moved) > _SHOW_AT_MOST else ""
    raise StalePlan(
        f"{shown} is stale: {named}{more} since it was saved ({saved.saved_at}); " + _again(shown)
    )


def check_state(saved: SavedPlan, state: State, state_shown: str, shown: str) -> None:
    """Refuse unless the state is the very one the plan was made against."""
    if (state.lineage, state.serial) == (saved.lineage, saved.serial):
        return
    if saved.lineage is None:
        was = "an empty state (nothing applied yet)"
    else:
        was = f"serial {saved.serial} of state {saved.lineage}"
    if state.lineage is None:
        now = "is empty now (was it deleted or restored?)"
    elif saved.lineage is not None and state.lineage != saved.lineage:
        now = f"is another state now ({state.lineage})"
    else:
        now = f"is at serial {state.serial} now: an apply ran since (this plan's, or another)"
    raise StalePlan(
        f"the state moved since {shown} was saved: it was made against {was}, and "
        f"{state_shown} {now}; {_again(shown)}"
    )


def check_replan(saved: SavedPlan, replanned: Plan, shown: str) -> Plan:
    """The saved plan, with each change tied to its incident (for error lines), once
    the same inputs and state are shown to give the same changes."""
    before = {(c.kind, c.key): c for c in saved.plan.pending}
    after = {(c.kind, c.key): c for c in replanned.pending}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None or _sent(old) != _sent(new):
            raise StalePlan(
                f"{shown} does not give what its inputs give now (at {key[1]!r}): it was edited "
                f"and its digest recomputed, or made by another build of dorasync; " + _again(shown)
            )
    incidents = {(c.kind, c.key): c.incident for c in replanned.changes}
    changes = tuple(replace(c, incident=incidents.get((c.kind, c.key))) for c in saved.plan.changes)
    return replace(saved.plan, changes=changes)


def _sent(change: Change) -> tuple[Action, str, str, Mapping[str, Any], tuple[FieldChange, ...]]:
    # A link's fields say which deployment an update un-marks: part of what is sent.
    fields = change.fields if change.kind is Kind.LINK else ()
    return change.action, change.key, change.id, change.attributes, fields
