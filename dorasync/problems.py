"""Core: pydantic's validation errors as located problems that say what to write instead."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from dorasync.errors import Problem
from dorasync.model import FIELDS
from dorasync.timestamps import EXAMPLE
from dorasync.yamlsource import Mark, dotted

_MAPPINGS = {
    "caused_by": "{deployment_id: ...}, or {service: ..., env: ..., version: ...}",
    "remediation": "{type: rollback or rollforward, deployment_id: ... or version: ...}",
}


def explain(error: Mapping[str, Any], known: tuple[str, ...]) -> str:
    """A pydantic error as a message that says what to write instead."""
    kind, loc = error["type"], error["loc"]
    if kind == "dorasync":
        return str(error["ctx"]["reason"])
    if kind == "missing":
        examples = {
            "started_at": f"started_at: {EXAMPLE}",
            "commit_sha": 'commit_sha: "66adc9350f2cc9b250b69abddab733dd55e1a588"',
            "repository_url": "repository_url: https://github.com/acme/shop",
            "type": "type: rollback (or rollforward)",
            "namespace": "namespace: <a new UUID> (`dorasync init` writes one; in another "
            "folder, `python3 -c 'import uuid; print(uuid.uuid4())'` makes one)",
            "service": "service: checkout",
            "finished_at": f"finished_at: {EXAMPLE}",
        }
        return f"is required; add e.g. {examples.get(str(loc[-1]), loc[-1])}"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "known fields: " + ", ".join(known)
        return f"unknown field; {hint}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if loc[-1] == "git":
            return "must be a mapping: {commit_sha: ..., repository_url: ...}"
        if loc[-1] in _MAPPINGS:
            return f"must be a mapping: {_MAPPINGS[str(loc[-1])]}"
        return "must be a mapping of field: value"
    return str(error["msg"])


Known = Mapping[tuple[str | int, ...], tuple[str, ...]]


def problems_of(
    exc: ValidationError,
    locate: Callable[[tuple[str | int, ...], bool], Mark],
    known: Known,
) -> list[Problem]:
    """Every pydantic error as a located Problem."""
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        mark = locate(loc, err["type"] == "extra_forbidden")
        names = known.get(loc[:-1], FIELDS)
        out.append(Problem(mark.file, mark.line, mark.col, dotted(loc), explain(err, names)))
    return out
