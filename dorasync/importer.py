"""Orchestrator: `dorasync import`, how a team that sent events by hand adopts dorasync.

It searches Datadog for the events that started in a window, writes one incident
file per event it does not know yet (never over an existing file) and records each
in the state, so that the next plan is empty. An event the state knows is left as
it is, so running it again is harmless; one a file already declares with the same
values (sent by an earlier dorasync whose state was lost) is only recorded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dorasync.client import SEARCH_LIMIT, DoraClient
from dorasync.errors import DorasyncError
from dorasync.eventfile import event_yaml, file_name
from dorasync.files import shown_path
from dorasync.ids import key_for_path
from dorasync.incidents import Source, build
from dorasync.journal import Journal
from dorasync.loader import source_digest
from dorasync.model import Incident
from dorasync.project import Project
from dorasync.remote import BadRead, Remote, differences, item_id, read_item
from dorasync.state import Entry, State, fingerprint
from dorasync.timestamps import NS_PER_S, format_ns
from dorasync.yamlsource import YamlProblems, parse


class ImportFailed(DorasyncError):
    """The events of the window could not all be read; nothing was written."""


@dataclass(slots=True)
class Found:
    """The events of a window, by id, and the searches it took."""

    items: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    unusable: int = 0


def collect(
    client: DoraClient,
    since_ns: int,
    until_ns: int,
    *,
    query: str | None = None,
    limit: int = SEARCH_LIMIT,
    on_search: Callable[[int], None] = lambda _: None,
) -> Found:
    """Every event that started from `since` to `until`. A search answers at most
    `limit` events and has no cursor (API note, "Reads"): a full answer may be cut,
    so its window is split in two and each half searched, until every answer holds
    fewer than the limit. The halves share their middle second (both bounds are
    inclusive), so nothing falls between them; events seen twice are kept once."""
    found = Found()
    windows = [(since_ns // NS_PER_S, -(-until_ns // NS_PER_S))]
    while windows:
        start, end = windows.pop()
        items = client.search_failures(
            format_ns(start * NS_PER_S), format_ns(end * NS_PER_S), limit=limit, query=query
        )
        found.requests += 1
        on_search(found.requests)
        if len(items) >= limit:
            if end - start < 2:
                raise ImportFailed(
                    f"more than {limit - 1} events started between {format_ns(start * NS_PER_S)} "
                    f"and {format_ns(end * NS_PER_S)}, and a search cannot be narrower than a "
                    "second; narrow it with --query; nothing was written"
                )
            middle = start + (end - start) // 2
            windows += [(middle, end), (start, middle)]  # the older half first
            continue
        for item in items:
            event_id = item_id(item)
            if event_id is None:
                found.unusable += 1  # counted and reported, never stored under "None"
            elif _started_within(item, since_ns, until_ns):
                found.items.setdefault(event_id, item)
    return found


def _started_within(item: Any, since_ns: int, until_ns: int) -> bool:
    """The window is since <= started_at < until; a search's bounds are whole seconds,
    both included, so what it returns on the edges is sorted out here."""
    try:
        started = read_item(item).attributes["started_at"]
    except BadRead:
        return True  # kept, so that the import reports why it cannot take it
    return bool(since_ns <= started < until_ns)


def _publish(path: Path, data: bytes) -> None:
    """Write a new file whole or not at all: an import killed midway must not leave an
    empty incident file that every later command refuses. The text goes to a dot-file
    (skipped by the walk), is fsynced, then linked under its name: link, unlike
    rename, fails if the name exists, so no file is ever overwritten."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(slots=True)
class Outcome:
    """What became of each event read."""

    written: list[tuple[str, str]] = field(default_factory=list)  # (file, id)
    adopted: list[tuple[str, str]] = field(default_factory=list)  # (file, id)
    known: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why)


@dataclass(slots=True)
class Importer:
    """Turns events into incident files and state entries, through one journal."""

    project: Project
    state: State
    declared: Iterable[Incident]
    journal: Journal
    now: str
    now_ns: int
    outcome: Outcome = field(default_factory=Outcome)
    known_ids: set[str] = field(default_factory=set)
    by_id: dict[str, Incident] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.known_ids = {e.id for e in self.state.entries.values()}
        self.by_id = {i.id: i for i in self.declared}
        self.keys = set(self.state.entries) | {i.key for i in self.by_id.values()}

    def take(self, items: Iterable[Any]) -> Outcome:
        """Adopt each event, oldest first."""
        remotes = []
        for item in items:
            try:
                remotes.append(read_item(item))
            except BadRead as exc:
                event_id = item.get("id") if isinstance(item, dict) else None
                self.outcome.skipped.append((str(event_id), str(exc)))
        for remote in sorted(remotes, key=lambda r: (r.attributes["started_at"], r.id)):
            self._one(remote)
        return self.outcome

    def _one(self, remote: Remote) -> None:
        if remote.id in self.known_ids:
            self.outcome.known += 1
        elif remote.id in self.by_id:
            self._declared(remote, self.by_id[remote.id])
        else:
            self._write(remote)

    def _declared(self, remote: Remote, incident: Incident) -> None:
        """An event a file declares and the state does not know: recorded when the file
        says what Datadog holds; otherwise the plan's update shows the difference."""
        if incident.key in self.state.entries or differences(incident.attributes, remote):
            why = f"{incident.file} declares it with other values; `dorasync plan` shows them"
            self.outcome.skipped.append((remote.id, why))
            return
        self._record(incident)
        self.outcome.adopted.append((incident.file, remote.id))

    def _write(self, remote: Remote) -> None:
        relative = file_name(remote)
        path = self.project.incidents_dir / relative
        shown = shown_path(self.project, path)
        key = key_for_path(relative)
        why = self._not_here(path, key, shown)
        data = event_yaml(remote, self.project.settings.defaults, self.now).encode()
        incident, problem = (None, why) if why else self._check(shown, key, data, remote)
        if incident is None:
            self.outcome.skipped.append((remote.id, problem or "cannot be written"))
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _publish(path, data)
        except FileExistsError:
            self.outcome.skipped.append((remote.id, f"{shown} exists already and is left as it is"))
            return
        self._record(incident)
        self.outcome.written.append((shown, remote.id))

    def _not_here(self, path: Path, key: str, shown: str) -> str | None:
        top = os.path.realpath(self.project.incidents_dir)
        if os.path.commonpath([top, os.path.realpath(path)]) != top:
            return f"{shown} would be outside the incidents folder"  # pragma: no cover
        if os.path.lexists(path):
            return f"{shown} exists already and is left as it is"
        if key in self.keys:
            return f"the key {key!r} is taken by another incident"
        return None

    def _check(
        self, shown: str, key: str, data: bytes, remote: Remote
    ) -> tuple[Incident | None, str | None]:
        """The incident the file will declare, read as any incident file is, or why not."""
        try:
            doc = parse(data.decode(), shown)
        except YamlProblems as exc:  # pragma: no cover - the text is ours
            return None, str(exc.problems[0])
        source = Source(shown, key, doc, source_digest(self.project, shown, data))
        incident, problems = build(source, self.project.settings, self.now_ns)
        errors = [p for p in problems if p.severity == "error"]
        if incident is None or errors:
            first = errors[0] if errors else problems[0]
            return None, f"dorasync cannot declare it as it is ({first.field}: {first.message})"
        if differences(incident.attributes, remote):
            changed = ", ".join(f.field for f in differences(incident.attributes, remote))
            return None, f"its file would not declare what Datadog holds ({changed})"
        return incident, None

    def _record(self, incident: Incident) -> None:
        attributes = dict(incident.attributes)
        endpoint = self.project.settings.config.endpoint
        entry = Entry(
            incident.id,
            incident.file,
            attributes,
            fingerprint(attributes),
            incident.digest,
            endpoint,
            self.now,
        )
        self.journal.record(incident.key, entry)
        self.known_ids.add(incident.id)
        self.keys.add(incident.key)
