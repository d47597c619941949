"""Shell: what an apply prints as it goes (progress) and when it ends (the summary)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dorasync.apply import Outcome, Report
    from dorasync.client import Counters
    from dorasync.console import Console
    from dorasync.drift import Refresh

EACH_LINE_UP_TO = 100  # above this many changes, progress is a line per 10%
_VERBS = {"create": "created", "update": "updated", "delete": "deleted"}


class Progress:
    """A bar on a terminal for more than a few changes; otherwise a line per incident
    for small applies, a line per 10% for large ones."""

    def __init__(self, console: Console, total: int) -> None:
        from dorasync.progress import FEW, Bar, is_terminal  # noqa: PLC0415

        self.console, self.total, self.done, self.failed = console, total, 0, 0
        self.step = max(1, total // 10)
        wanted = not console.quiet and total > FEW and is_terminal(sys.stderr)
        self.bar = Bar(total, sys.stderr) if wanted else None

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.result == "failed":
            # The details are in the summary, with the file and line of each failure.
            self.failed += 1
        if self.bar is not None:
            self.bar.update(self.done, self.failed)
        elif self.total <= EACH_LINE_UP_TO:
            self.console.info(f"  {outcome.change.key}: {_verb(outcome)}")
        elif self.done % self.step == 0 or self.done == self.total:
            self.console.info(f"  {self.done}/{self.total} done")


def _verb(outcome: Outcome) -> str:
    if outcome.result == "failed":
        return "failed (see below)"
    change = outcome.change
    if change.kind.value == "link":
        done = "unmarked" if change.action.value == "delete" else "marked as change failure"
        return f"deployment {change.id or 'by version'} {done}"
    verb = _VERBS.get(outcome.change.action.value, "sent")
    if change.kind.value == "deployment":
        verb = f"deployment {verb}"
    note = f" ({outcome.message})" if outcome.message else ""
    return f"{verb}, id {outcome.change.id}{note}"


def _failure_text(outcome: Outcome) -> str:
    """A failed change, next to the file (and line) it came from."""
    change = outcome.change
    # A link is a PATCH of its own: its incident may well have been sent.
    what = "its change-failure mark" if change.kind.value == "link" else "it"
    for problem in outcome.problems:
        mark = outcome.where(problem)
        if mark is not None:
            return (
                f"{mark.file}:{mark.line}:{mark.col}: {change.key}: Datadog refused {what} "
                f"(HTTP {outcome.status}): {problem.detail}"
            )
    lead = "change-failure mark not sent" if change.kind.value == "link" else "not sent"
    return f"{change.file}: {change.key}: {lead}: {outcome.message}"


def _counts(sent: list[Outcome]) -> list[str]:
    by_action = dict.fromkeys(_VERBS.values(), 0)
    for outcome in sent:
        if outcome.change.kind.value == "incident":
            by_action[_VERBS[outcome.change.action.value]] += 1
    notes = [f"{count} {verb}" for verb, count in by_action.items() if count or verb != "deleted"]
    notes += _other_counts(sent)
    # 202 is a write's "accepted, delayed", and a delete's plain success.
    # ... and a PATCH's only success.
    delayed = sum(
        1
        for o in sent
        if o.status == 202 and o.change.action.value != "delete" and o.change.kind.value != "link"
    )
    if delayed:
        notes.append(f"{delayed} accepted with delay (202)")
    gone = sum(1 for o in sent if o.message == "gone already")
    if gone:
        notes.append(f"{gone} gone from Datadog already")
    return notes


def _other_counts(sent: list[Outcome]) -> list[str]:
    """Deployments sent and deployments marked or un-marked, when there were any."""
    kinds = [(o.change.kind.value, o.change.action.value) for o in sent]
    deployments = sum(1 for kind, _ in kinds if kind == "deployment")
    marked = sum(1 for kind, action in kinds if kind == "link" and action != "delete")
    unmarked = sum(1 for kind, action in kinds if kind == "link" and action == "delete")
    notes = [f"{deployments} deployment{'s' * (deployments != 1)} sent"] if deployments else []
    notes += [f"{marked} marked as change failure"] if marked else []
    notes += [f"{unmarked} unmarked"] if unmarked else []
    return notes


def summary(console: Console, report: Report, state_file: str, counters: Counters) -> None:
    """What was sent, what failed and why, what was not attempted (issue 3)."""
    sent, failed = report.having("sent"), report.having("failed")
    skipped = report.having("not attempted")
    extra = [f"{counters.retries} retries"] if counters.retries else []
    if counters.rate_limited:
        extra.append(f"{counters.rate_limited} answers of 429")
    tail = f"; {', '.join(extra)}" if extra else ""
    console.out(
        f"\nApply {'stopped' if report.stopped else 'complete'}: {len(sent)} sent "
        f"({', '.join(_counts(sent))}), {len(failed)} failed, {len(skipped)} not attempted{tail}."
    )
    for outcome in failed:
        console.error(_failure_text(outcome))
    if report.stopped:
        console.error(f"stopped early: {report.stopped}")
    if skipped:
        names = ", ".join(o.change.key for o in skipped[:20])
        more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        console.err(f"Not attempted: {names}{more}")
    if failed or skipped:
        console.out(
            f"State: {state_file} records every success; run `dorasync plan` to see what is left."
        )
    else:
        console.out(f"State: {state_file} updated.")


def drift_summary(console: Console, found: Refresh) -> None:
    """One line on what a refresh read back, then a line per event that drifted."""
    from dorasync.refresh import all_missing  # noqa: PLC0415

    deleted = [d for d in found.drift if d.deleted]
    changed = [d for d in found.drift if not d.deleted]
    console.info(
        f"Refreshed {found.read} event{'s' if found.read != 1 else ''} from Datadog: "
        f"{len(changed)} changed there, {len(deleted)} deleted there, "
        f"{found.read - len(found.drift)} as sent."
    )
    for d in changed:
        names = ", ".join(f.field for f in d.fields)
        console.info(f"  ~ {d.key}: changed in Datadog ({names})")
    for d in deleted:
        console.info(f"  - {d.key}: deleted in Datadog (id {d.id})")
    if all_missing(found):
        console.warning(
            f"Datadog has none of the {found.read} events read: if they were not all "
            "deleted there, check DD_SITE, site: in dorasync.yaml and DORASYNC_API_URL"
        )
