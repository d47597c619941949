"""Orchestrator: sends a plan's changes through the client and journals each success.

A delete (a retraction, or a file gone with --prune) is a DELETE of the id the state
recorded; a retraction leaves its entry in the state, marked retracted, as the
record of it (so the next plan is empty); a pruned incident leaves the state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from dorasync.client import ApiProblem, DoraClient, Fatal, GaveUp, Rejected, Reply, Stopped
from dorasync.deployclient import patch_deployment, send_deployment
from dorasync.journal import Journal
from dorasync.linkplan import moved_from
from dorasync.model import Incident
from dorasync.plan import Action, Cause, Change, Kind, Plan
from dorasync.state import Entry, State, fingerprint
from dorasync.yamlsource import Mark

Result = Literal["sent", "failed", "not attempted"]


Records = dict[tuple[str, str], Entry | None]  # (state section, key) -> entry


def refreshed(plan: Plan, state: State) -> Records:
    """State entries of unchanged incidents and deployments whose file digest moved (a
    reformatted or moved file, a new dorasync version): same attributes, nothing to
    send, but the new digest lets the next plan skip parsing them again."""
    out: Records = {}
    for change in plan.changes:
        source = change.incident
        if change.action is not Action.NOOP or source is None:
            continue
        section = "deployments" if change.kind is Kind.DEPLOYMENT else "incidents"
        if change.kind not in (Kind.INCIDENT, Kind.DEPLOYMENT):
            continue
        entry = state.section(section).get(change.key)
        link = _declared_link(source)
        if (
            entry is not None
            and entry.retracted_at is None
            and (entry.digest != source.digest or entry.file != change.file or entry.link != link)
        ):
            out[(section, change.key)] = replace(
                entry, digest=source.digest, file=change.file, link=link
            )
    return out


def _declared_link(source: object) -> dict[str, Any] | None:
    """The link an incident's file declares, kept with its entry (see loader.py)."""
    if isinstance(source, Incident) and source.link is not None:
        return dict(source.link)
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one change."""

    change: Change
    result: Result
    status: int | None = None
    message: str = ""
    problems: tuple[ApiProblem, ...] = ()

    def where(self, problem: ApiProblem) -> Mark | None:
        """The place in the incident's file that a server error's pointer names."""
        incident = self.change.incident
        if incident is not None and self.change.kind is Kind.LINK:
            return incident.marks.get("caused_by")  # the link, whatever the server names
        if incident is None or not problem.pointer:
            return None
        parts = problem.pointer.strip("/").split("/")
        name = parts[2] if parts[:2] == ["data", "attributes"] and len(parts) > 2 else ""
        return incident.marks.get(name)


@dataclass(slots=True)
class Report:
    """Every outcome of an apply, in plan order, and why it stopped early, if it did."""

    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None

    def having(self, result: Result) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == result]


@dataclass(slots=True)
class Applier:
    """Sends changes with up to `parallelism` requests in flight; records as it goes."""

    client: DoraClient
    journal: Journal
    endpoint: str
    now: Callable[[], str]
    on_outcome: Callable[[Outcome], None] = lambda _: None
    parallelism: int = 4
    # The state's entries, so that a retraction keeps what its entry recorded.
    entries: Mapping[str, Entry] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    report: Report = field(default_factory=Report)

    def run(self, changes: Sequence[Change]) -> Report:
        """Send every change; Ctrl-C stops sending, lets requests in flight finish and
        records them, then re-raises so the caller can exit 130."""
        order = {id(c): i for i, c in enumerate(changes)}
        # Events first, links after: a link may mark a deployment this apply sends.
        phases = (
            [c for c in changes if c.kind is not Kind.LINK],
            [c for c in changes if c.kind is Kind.LINK],
        )
        try:
            for phase in phases:
                if phase and not self.client.stop.is_set():
                    self._phase(phase)
        finally:
            self._finish(changes, order)
        return self.report

    def _phase(self, changes: Sequence[Change]) -> None:
        with ThreadPoolExecutor(
            max_workers=max(1, self.parallelism), thread_name_prefix="dorasync-apply"
        ) as pool:
            futures: list[Future[None]] = [pool.submit(self._one, c) for c in changes]
            try:
                for future in as_completed(futures):
                    future.result()
            except BaseException:
                self.stop("interrupted")
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def stop(self, reason: str) -> None:
        """Send nothing more; requests in flight finish and are recorded."""
        with self.lock:
            self.report.stopped = self.report.stopped or reason
        self.client.stop.set()

    def _finish(self, changes: Sequence[Change], order: dict[int, int]) -> None:
        done = {id(o.change) for o in self.report.outcomes}
        self.report.outcomes += [
            Outcome(c, "not attempted", message=self.report.stopped or "")
            for c in changes
            if id(c) not in done
        ]
        self.report.outcomes.sort(key=lambda o: order[id(o.change)])

    def _one(self, change: Change) -> None:
        if self.client.stop.is_set():
            return
        try:
            if change.kind is Kind.LINK:
                self._link(change)
                return
            if change.action is Action.DELETE:
                self._deleted(change, self.client.delete_failure(change.id))
                return
            if change.kind is Kind.DEPLOYMENT:
                reply = send_deployment(self.client, change.attributes)
            else:
                reply = self.client.send_event(self.endpoint, change.attributes)
        except Stopped:
            return
        except Fatal as exc:
            self.stop(str(exc))
            self._done(Outcome(change, "failed", exc.status, str(exc)))
        except Rejected as exc:
            self._done(Outcome(change, "failed", exc.status, str(exc), tuple(exc.problems)))
        except GaveUp as exc:
            self._done(Outcome(change, "failed", None, str(exc)))
        else:
            self._record(change, reply.status)

    def _record(self, change: Change, status: int) -> None:
        attributes = dict(change.attributes)
        source = change.incident
        deployment = change.kind is Kind.DEPLOYMENT
        old = None if deployment else self.entries.get(change.key)
        entry = Entry(
            id=change.id,
            file=change.file,
            attributes=attributes,
            fingerprint=fingerprint(attributes),
            digest=source.digest if source else "",
            endpoint="deployment" if deployment else self.endpoint,
            applied_at=self.now(),
            # An id kept by `state mv` must survive every later update of the incident.
            moved_from=old.moved_from if old and old.id == change.id else None,
            # What the file declares besides its attributes, for the next plan to reuse.
            link=_declared_link(source),
        )
        with self.lock:
            self.journal.record(change.key, entry, "deployments" if deployment else "incidents")
        self._done(Outcome(change, "sent", status, "accepted, delayed" if status == 202 else ""))

    def _link(self, change: Change) -> None:
        """Mark (or un-mark) the link's deployment; a link moved to another deployment
        un-marks the old one once the new one is marked. Recorded once all succeeded."""
        if change.action is Action.DELETE and change.cause is Cause.SHARED:
            # Another incident still names the deployment: it stays marked; only this
            # incident's record of the link goes.
            self._report_link(change, Reply(200, None, 0))
            return
        if change.action is Action.DELETE:
            self._report_link(change, patch_deployment(self.client, change.attributes, mark=False))
            return
        reply = patch_deployment(self.client, change.attributes, mark=True)
        old = moved_from(change)
        if old is not None:
            patch_deployment(self.client, old, mark=False)
        self._report_link(change, reply)

    def _report_link(self, change: Change, reply: Reply) -> None:
        attributes = dict(change.attributes)
        entry = None
        if change.action is not Action.DELETE:
            entry = Entry(
                change.id,
                change.file,
                attributes,
                fingerprint(attributes),
                "",
                "deployments",
                self.now(),
            )
        with self.lock:
            self.journal.record(change.key, entry, "links")
        note = "deployment gone already" if reply.status == 404 else ""
        self._done(Outcome(change, "sent", reply.status, note))

    def _deleted(self, change: Change, existed: bool) -> None:
        entry = None
        if change.cause is Cause.RETRACTED:
            now = self.now()
            old = self.entries.get(change.key)
            attributes = dict(change.attributes)
            base = old or Entry(
                change.id, change.file, attributes, fingerprint(attributes), "", self.endpoint, now
            )
            # digest "": a retracted file is always read again, so that its
            # `retracted: true` is seen rather than the attributes it once sent.
            entry = replace(base, file=change.file, digest="", retracted_at=now)
        with self.lock:
            self.journal.record(change.key, entry)
        self._done(Outcome(change, "sent", 202, "" if existed else "gone already"))

    def _done(self, outcome: Outcome) -> None:
        with self.lock:
            self.report.outcomes.append(outcome)
            self.on_outcome(outcome)
