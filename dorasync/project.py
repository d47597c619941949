"""Adapter: finds and reads a project's files (`dorasync.yaml`, `incidents/**.yaml`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dorasync.config import CONFIG_FILE, Settings, read_settings
from dorasync.errors import DorasyncError, InvalidInput, Problem
from dorasync.ids import key_for_path
from dorasync.incidents import Source, build, check_unique
from dorasync.model import Incident
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

    Dot-files and dot-folders are skipped (editor backups, `.git`); a symlink that
    leads outside the project is refused, so a file cannot smuggle in another.
    """
    top = project.incidents_dir
    if not top.is_dir():
        shown = project.settings.config.incidents
        return [], [
            Problem(
                CONFIG_FILE,
                1,
                1,
                "incidents",
                f"the incidents folder {shown!r} does not exist; create it",
            )
        ]
    files, problems = [], []
    root = project.root.resolve()
    for path in _walk(top):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(
                Problem(
                    project.relative(path),
                    1,
                    1,
                    "file",
                    "is a link to a file outside the project; copy it in",
                )
            )
        else:
            files.append(path)
    files.sort(key=lambda p: p.as_posix())
    return files, problems


def _walk(folder: Path) -> Iterator[Path]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                yield from _walk(Path(entry.path))
            elif entry.name.endswith(SUFFIXES):
                yield Path(entry.path)


def read_source(project: Project, path: Path) -> tuple[Source | None, list[Problem]]:
    """Read and parse one incident file."""
    shown = project.relative(path)
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
    named = everything if paths is None else _expand(paths, loaded)
    loaded.problems += found if paths is None else []
    others: list[Incident] = []
    wanted = {p.resolve() for p in named}
    for path in named + [p for p in everything if p.resolve() not in wanted]:
        source, problems = read_source(project, path)
        incident, more = build(source, project.settings, now_ns) if source else (None, [])
        if path.resolve() in wanted:
            loaded.problems += problems + more
            if incident:
                loaded.incidents.append(incident)
        elif incident:
            others.append(incident)
    # The named files come last, so a clash with an unnamed file is reported on them.
    clashes = check_unique(others + loaded.incidents)
    loaded.problems += [p for p in clashes if any(p.file == i.file for i in loaded.incidents)]
    return loaded


def _expand(paths: Sequence[Path], loaded: Loaded) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted((p for p in _walk(path)), key=lambda p: p.as_posix())
        elif path.is_file():
            files.append(path)
        else:
            loaded.problems.append(Problem(str(path), 1, 1, "file", "does not exist"))
    return files
