"""Core: the safety threshold, octoDNS's `raise_if_unsafe` for incidents.

A plan that would update more than a share of the incidents already sent is far
more often a mistake (a changed `defaults:`, a new namespace) than an intent, so
`apply` refuses it unless `--force`. Creates never count: they touch nothing that
exists. Below `min_existing` incidents in the state, every share is allowed, as in
octoDNS (a small state makes a share meaningless).
"""

from __future__ import annotations

from collections import Counter

from dorasync.errors import DorasyncError
from dorasync.plan import Action, Plan

DEFAULT_SHARE = 0.3
DEFAULT_MIN_EXISTING = 10


def unsafe(
    plan: Plan,
    existing: int,
    share: float = DEFAULT_SHARE,
    min_existing: int = DEFAULT_MIN_EXISTING,
) -> str | None:
    """Why applying `plan` is unsafe for a state of `existing` incidents, or None."""
    updates = [c for c in plan.changes if c.action is Action.UPDATE]
    if existing < min_existing or len(updates) <= share * existing:
        return None
    fields = Counter(f.field for c in updates for f in c.fields)
    common = ", ".join(f"{name} ({count})" for name, count in fields.most_common(3))
    return (
        f"this plan updates {len(updates)} of the {existing} incidents already sent "
        f"({len(updates) / existing:.0%}), more than the safety threshold of {share:.0%}; "
        f"the fields changed most are {common}. A change to `defaults:` in dorasync.yaml "
        "usually explains it. If it is intended, review the plan and apply with --force "
        "(or raise safety.update_threshold in dorasync.yaml)"
    )


class Unsafe(DorasyncError):
    """apply refuses a plan above the safety threshold, unless --force."""


def raise_if_unsafe(
    plan: Plan,
    existing: int,
    share: float = DEFAULT_SHARE,
    min_existing: int = DEFAULT_MIN_EXISTING,
) -> None:
    """Refuse, as octoDNS's Plan.raise_if_unsafe, with the reason and the way out."""
    reason = unsafe(plan, existing, share, min_existing)
    if reason:
        raise Unsafe(f"apply refused: {reason}; nothing was sent")
