"""Adapter: reads and checks incident files, skipping those already sent unchanged.

A no-change plan must cost less than parsing the files (issue 6): an incident whose
file digest equals the digest recorded with its state entry is taken from the state
(whose attributes are exactly what that file declares) without being parsed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dorasync import __version__
from dorasync.config import CONFIG_FILE
from dorasync.errors import Problem
from dorasync.files import Walk, incident_files, shown_path
from dorasync.ids import key_for_path
from dorasync.incidents import Source, build, check_unique
from dorasync.links import check_link_conflicts
from dorasync.model import Incident
from dorasync.project import Project, decode, read_bytes
from dorasync.state import Entry
from dorasync.yamlsource import YamlProblems, parse

# state entries by the file they came from: file -> (key, entry)
Known = Mapping[str, tuple[str, Entry]]


@dataclass(slots=True)
class Loaded:
    """The outcome of reading incidents: the good ones, and every problem found."""

    incidents: list[Incident] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parsed: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def source_digest(project: Project, shown: str, data: bytes) -> str:
    """What an incident's attributes depend on: the settings, the dorasync version,
    the file's path (its key) and its bytes."""
    digest = _settings_digest(project)
    digest.update(shown.encode("utf-8", "surrogateescape") + b"\0" + data)
    return digest.hexdigest()


def _settings_digest(project: Project) -> hashlib.blake2b:
    """The digest of what every file shares, to be copied for each file: at 100k files,
    hashing it again each time is a noticeable part of a no-change plan."""
    cached = _SHARED.get(project.settings.digest)
    if cached is None:
        cached = hashlib.blake2b(digest_size=16)
        cached.update(f"{project.settings.digest}\0{__version__}\0".encode())
        _SHARED.clear()
        _SHARED[project.settings.digest] = cached
    return cached.copy()


_SHARED: dict[str, hashlib.blake2b] = {}


def read_source(project: Project, path: str | Path) -> tuple[Source | None, list[Problem]]:
    """Read and parse one incident file."""
    shown = shown_path(project, path)
    data, problem = read_bytes(path, shown)
    return _parse(project, shown, data) if problem is None else (None, [problem])


def _parse(project: Project, shown: str, data: bytes) -> tuple[Source | None, list[Problem]]:
    folder = project.settings.config.incidents
    return parse_source(shown, data, folder, source_digest(project, shown, data))


def parse_source(
    shown: str, data: bytes, folder: str, digest: str
) -> tuple[Source | None, list[Problem]]:
    """A file's bytes as a parsed Source; its key is its path under `folder` (the
    incidents or the deployments folder) without the extension."""
    text, problem = decode(data, shown)
    if problem:
        return None, [problem]
    try:
        doc = parse(text, shown)
    except YamlProblems as exc:
        return None, exc.problems
    prefix = PurePosixPath(folder).as_posix() + "/"
    under = shown.removeprefix(prefix) if prefix != "./" else shown
    return Source(shown, key_for_path(PurePosixPath(under)), doc, digest), []


def load(
    project: Project, paths: Sequence[str | Path] | None, now_ns: int, known: Known | None = None
) -> Loaded:
    """Check the named files (all of them when `paths` is None), collecting every
    problem; keys and ids are checked for uniqueness against the whole project.
    With `known` (state entries by file), unchanged files are not parsed again."""
    loaded = Loaded(problems=list(project.problems))
    everything, found = incident_files(project)
    if paths is None:
        _read_all(project, everything, now_ns, known or {}, loaded)
        loaded.problems += found + check_unique(loaded.incidents)
        loaded.problems += check_link_conflicts(loaded.incidents)
        return loaded
    named = _expand(project, paths, loaded)
    wanted = {os.path.realpath(p) for p in named}
    _read_all(project, named, now_ns, {}, loaded)
    others = Loaded()
    rest = [p for p in everything if os.path.realpath(p) not in wanted]
    _read_all(project, rest, now_ns, {}, others)
    # The named files come last, so a clash with an unnamed file is reported on them.
    named_files = {i.file for i in loaded.incidents}
    clashes = check_unique(others.incidents + loaded.incidents)
    loaded.problems += [p for p in clashes if p.file in named_files]
    return loaded


def _read_all(
    project: Project, paths: Sequence[str], now_ns: int, known: Known, loaded: Loaded
) -> None:
    for path in paths:
        shown = shown_path(project, path)
        data, problem = read_bytes(path, shown)
        if problem:
            loaded.problems.append(problem)
            continue
        cached = known.get(shown)
        if cached is not None:
            digest = source_digest(project, shown, data)
            key, entry = cached
            if entry.digest == digest:
                loaded.incidents.append(
                    Incident(key, entry.id, shown, entry.attributes, {}, digest, link=entry.link)
                )
                continue
        source, problems = _parse(project, shown, data)
        loaded.parsed += 1
        loaded.problems += problems
        if source is not None:
            incident, more = build(source, project.settings, now_ns)
            loaded.problems += more
            if incident is not None:
                loaded.incidents.append(incident)


def _expand(project: Project, paths: Sequence[str | Path], loaded: Loaded) -> list[str]:
    """The files named on the command line, folders walked like the incidents folder."""
    files: list[str] = []
    config = os.path.realpath(project.root / CONFIG_FILE)
    for path in map(str, paths):
        if os.path.realpath(path) == config:
            continue  # checked already, as settings, when the project was opened
        if os.path.isdir(path):
            walk = Walk(project)
            walk.folder(path)
            files += sorted(walk.files)
            loaded.problems += walk.problems
        elif os.path.isfile(path):
            files.append(path)
        else:
            shown = shown_path(project, path)
            loaded.problems.append(Problem(shown, 1, 1, "file", "does not exist"))
    return files
