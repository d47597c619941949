"""Core: the safety threshold, octoDNS's `raise_if_unsafe` for incidents.

A plan that would update more than a share of the incidents already sent is far
more often a mistake (a changed `defaults:`, a new namespace) than an intent, so
`apply` refuses it unless `--force`. Deletes (retractions, `--prune`) have a share
of their own, as octoDNS's delete_pct_threshold: a folder moved by mistake must not
delete a third of the history. Creates never count: they touch nothing that
exists. Below `min_existing` incidents in the state, every share is allowed, as in
octoDNS (a small state makes a share meaningless).
"""

from __future__ import annotations

from collections import Counter

from dorasync.errors import DorasyncError
from dorasync.plan import Action, Kind, Plan

DEFAULT_SHARE = 0.3
DEFAULT_DELETE_SHARE = 0.3
DEFAULT_MIN_EXISTING = 10


def unsafe(
    plan: Plan,
    existing: int,
    share: float = DEFAULT_SHARE,
    min_existing: int = DEFAULT_MIN_EXISTING,
    *,
    delete_share: float = DEFAULT_DELETE_SHARE,
) -> str | None:
    """Why applying `plan` is unsafe for a state of `existing` incidents, or None."""
    if existing < min_existing:
        return None
    return _too_many_updates(plan, existing, share) or _too_many_deletes(
        plan, existing, delete_share
    )


def _too_many_deletes(plan: Plan, existing: int, share: float) -> str | None:
    deletes = [c for c in plan.changes if c.action is Action.DELETE and c.kind is Kind.INCIDENT]
    if len(deletes) <= share * existing:
        return None
    causes = Counter(c.cause.value for c in deletes)
    why = ", ".join(f"{count} {cause}" for cause, count in sorted(causes.items()))
    return (
        f"this plan deletes {len(deletes)} of the {existing} incidents already sent "
        f"({len(deletes) / existing:.0%}: {why}), more than the safety threshold for deletes "
        f"of {share:.0%}. A moved incidents folder or a changed `incidents:` usually explains "
        "pruned ones. If it is intended, review the plan and apply with --force (or raise "
        "safety.delete_threshold in dorasync.yaml)"
    )


def _too_many_updates(plan: Plan, existing: int, share: float) -> str | None:
    updates = [c for c in plan.changes if c.action is Action.UPDATE and c.kind is Kind.INCIDENT]
    if len(updates) <= share * existing:
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
    *,
    delete_share: float = DEFAULT_DELETE_SHARE,
) -> None:
    """Refuse, as octoDNS's Plan.raise_if_unsafe, with the reason and the way out."""
    reason = unsafe(plan, existing, share, min_existing, delete_share=delete_share)
    if reason:
        raise Unsafe(f"apply refused: {reason}; nothing was sent")
