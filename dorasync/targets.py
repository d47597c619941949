"""Core: `--target KEY_OR_GLOB`, a plan limited to some incidents (Terraform's -target).

A target is an incident key (`2026/2026-11-20-checkout-latency`), a file as shown in
the plan (`incidents/2026/2026-11-20-checkout-latency.yaml`) or a shell-style glob
of either (`2026/*`, `incidents/2026/*.yaml`), where `*` also crosses `/`. A target
that matches nothing is an error: a typo must not silently plan nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from dorasync.errors import DorasyncError
from dorasync.plan import Plan


class NoMatch(DorasyncError):
    """A --target matches no incident."""


def matches(pattern: str, key: str, file: str) -> bool:
    """Whether a target names an incident, by key or by file, exactly or by glob."""
    return fnmatchcase(key, pattern) or fnmatchcase(file, pattern)


def select(plan: Plan, targets: Sequence[str]) -> Plan:
    """The plan limited to the incidents (and orphans) that some target matches."""
    if not targets:
        return plan
    wanted = tuple(dict.fromkeys(targets))
    everything = [(c.key, c.file) for c in plan.changes] + [(o.key, o.file) for o in plan.orphans]
    check_targets(wanted, everything)

    def chosen(key: str, file: str) -> bool:
        return any(matches(t, key, file) for t in wanted)

    return replace(
        plan,
        changes=tuple(c for c in plan.changes if chosen(c.key, c.file)),
        orphans=tuple(o for o in plan.orphans if chosen(o.key, o.file)),
        renames=tuple(
            r
            for r in plan.renames
            if chosen(r.old.key, r.old.file) or chosen(r.new.key, r.new.file)
        ),
        targets=wanted,
    )


def check_targets(targets: Sequence[str], known: Iterable[tuple[str, str]]) -> None:
    """Refuse a target that matches none of the (key, file) pairs, as select() does."""
    everything = list(known)
    for pattern in targets:
        if not any(matches(pattern, key, file) for key, file in everything):
            raise NoMatch(_no_match(pattern, (key for key, _ in everything)))


def _no_match(pattern: str, keys: Iterable[str]) -> str:
    known = sorted(keys)
    close = difflib.get_close_matches(pattern, known, n=1)
    if close:
        hint = f"did you mean {close[0]!r}?"
    elif known:
        hint = f"keys look like {known[0]!r}; `dorasync plan` lists them"
    else:
        hint = "the project declares no incident yet"
    return f"--target {pattern!r} matches no incident (by key or file); {hint}"
