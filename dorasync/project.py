"""Adapter: finds and reads a project's files (`dorasync.yaml`, `incidents/**.yaml`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dorasync.config import CONFIG_FILE, Settings, read_settings
from dorasync.errors import DorasyncError, InvalidInput, Problem
from dorasync.ids import key_for_path
from dorasync.incidents import Source, build, check_unique
from dorasync.model import Incident
from dorasync.statestore import StateStore
from dorasync.yamlsource import YamlProblems, parse

# An incident file is a few hundred bytes; a bound keeps a stray dump or a hostile
# file from costing memory or minutes.
MAX_FILE_BYTES = 1 << 20
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Project:
    """An opened project: its root folder and its checked settings."""

    root: Path
    settings: Settings
    problems: tuple[Problem, ...] = ()

    @property
    def incidents_dir(self) -> Path:
        return self.root / self.settings.config.incidents

    @property
    def state_path(self) -> Path:
        return self.root / self.settings.config.state

    def store(self) -> StateStore:
        """The state file of this project, with its journal, backup and lock."""
        return StateStore(self.state_path, self.settings.config.state)

    def relative(self, path: Path) -> str:
        """`path` as shown to users and kept in the state: relative to the root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass(slots=True)
class Loaded:
    """The outcome of reading incidents: the good ones, and every problem found."""

    incidents: list[Incident] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def open_project(root: Path) -> Project:
    """Read and check `dorasync.yaml` in `root`; raise when it is missing or unusable."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise DorasyncError(
            f"no {CONFIG_FILE} in {root}: run `dorasync init` there, or "
            "point -C at the project's folder"
        )
    data, problem = read_file(path, CONFIG_FILE)
    if problem:
        raise InvalidInput([problem])
    try:
        doc = parse(data, CONFIG_FILE)
    except YamlProblems as exc:
        raise InvalidInput(exc.problems) from None
    settings, problems = read_settings(doc)
    if settings is None:
        raise InvalidInput(problems)
    return Project(root, settings, tuple(problems))


def read_file(path: Path, shown: str) -> tuple[str, Problem | None]:
    """A file's text, or the problem that stops it being read."""

    def fail(message: str) -> tuple[str, Problem]:
        return "", Problem(shown, 1, 1, "file", message)

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(f"is {size} bytes; an incident file is at most {MAX_FILE_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        return fail(f"cannot be read: {exc.strerror or exc}")
    if b"\0" in data:
        return fail("is a binary file, not YAML text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return fail(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")


def incident_files(project: Project) -> tuple[list[Path], list[Problem]]:
    """Every `*.yaml`/`*.yml` under the incidents folder, in a stable order.

    Dot-files and dot-folders are skipped (editor backups, `.git`). Anything that
    could smuggle in a file from elsewhere or hang a read is refused: a link that
    leads outside the project, a link loop, a FIFO or device, a name that is not
    UTF-8.
    """
    top = project.incidents_dir
    if not top.is_dir():
        shown = project.settings.config.incidents
        mark = project.settings.document.mark(("incidents",))
        return [], [
            Problem(
                CONFIG_FILE,
                mark.line,
                mark.col,
                "incidents",
                f"the incidents folder {shown!r} does not exist; create it",
            )
        ]
    walk = _Walk(project)
    walk.folder(top)
    walk.files.sort(key=lambda p: p.as_posix())
    return walk.files, walk.problems


class _Walk:
    """One pass over a folder tree, refusing what a hostile commit could put there."""

    def __init__(self, project: Project) -> None:
        self.project, self.root = project, project.root.resolve()
        self.files: list[Path] = []
        self.problems: list[Problem] = []
        self.seen: set[Path] = set()

    def refuse(self, path: Path, message: str) -> None:
        self.problems.append(Problem(shown_path(self.project, path), 1, 1, "file", message))

    def folder(self, folder: Path) -> None:
        real = folder.resolve()
        if real in self.seen:
            self.refuse(folder, "is a link back into a folder already read (a loop); remove it")
            return
        self.seen.add(real)
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                self.entry(entry)

    def entry(self, entry: os.DirEntry[str]) -> None:
        path = Path(entry.path)
        if entry.name.startswith("."):
            return
        if not _is_utf8(entry.name):
            self.refuse(path, "has a name that is not UTF-8; rename it")
        elif entry.is_symlink() and not path.resolve().is_relative_to(self.root):
            self.refuse(path, "is a link to something outside the project; copy it in instead")
        elif entry.is_dir():
            self.folder(path)
        elif not entry.name.endswith(SUFFIXES):
            return
        elif not entry.is_file():
            self.refuse(path, "is not a regular file (a FIFO or a device?); remove it")
        else:
            self.files.append(path)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes come back as lone surrogates
        return False
    return True


def shown_path(project: Project, path: Path) -> str:
    """A path as printed: relative to the root, with undecodable bytes escaped."""
    text = project.relative(path)
    return text if _is_utf8(text) else os.fsencode(text).decode("utf-8", "backslashreplace")


def read_source(project: Project, path: Path) -> tuple[Source | None, list[Problem]]:
    """Read and parse one incident file."""
    shown = shown_path(project, path)
    text, problem = read_file(path, shown)
    if problem:
        return None, [problem]
    try:
        doc = parse(text, shown)
    except YamlProblems as exc:
        return None, exc.problems
    try:
        under = PurePosixPath(path.relative_to(project.incidents_dir).as_posix())
    except ValueError:
        under = PurePosixPath(shown)
    digest = source_digest(project.settings, shown, text)
    return Source(shown, key_for_path(under), doc, digest), []


def source_digest(settings: Settings, shown: str, text: str) -> str:
    """What an incident's content depends on: the settings, its path and its text."""
    basis = "\0".join((settings.digest, shown, text)).encode()
    return hashlib.blake2b(basis, digest_size=16).hexdigest()


def load(project: Project, paths: Sequence[Path] | None, now_ns: int) -> Loaded:
    """Check the named files (all of them when `paths` is None), collecting every
    problem; keys and ids are checked for uniqueness against the whole project."""
    loaded = Loaded(problems=list(project.problems))
    everything, found = incident_files(project)
    if paths is None:
        named = everything
        loaded.problems += found
    else:
        named = _expand(project, paths, loaded)
    wanted = {p.resolve() for p in named}
    loaded.incidents, problems = _build_all(project, named, now_ns)
    loaded.problems += problems
    others, _ = _build_all(project, [p for p in everything if p.resolve() not in wanted], now_ns)
    # The named files come last, so a clash with an unnamed file is reported on them.
    clashes = check_unique(others + loaded.incidents)
    named_files = {i.file for i in loaded.incidents}
    loaded.problems += [p for p in clashes if p.file in named_files]
    return loaded


def _build_all(
    project: Project, paths: Sequence[Path], now_ns: int
) -> tuple[list[Incident], list[Problem]]:
    incidents, problems = [], []
    for path in paths:
        source, found = read_source(project, path)
        problems += found
        if source is not None:
            incident, more = build(source, project.settings, now_ns)
            problems += more
            if incident is not None:
                incidents.append(incident)
    return incidents, problems


def _expand(project: Project, paths: Sequence[Path], loaded: Loaded) -> list[Path]:
    """The files named on the command line, folders walked like the incidents folder."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            walk = _Walk(project)
            walk.folder(path)
            files += sorted(walk.files, key=lambda p: p.as_posix())
            loaded.problems += walk.problems
        elif path.is_file():
            files.append(path)
        else:
            shown = shown_path(project, path)
            loaded.problems.append(Problem(shown, 1, 1, "file", "does not exist"))
    return files
