"""Adapter: a project on disk: its `dorasync.yaml`, and reading any of its files safely."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from dorasync.config import CONFIG_FILE, Settings, read_settings
from dorasync.errors import DorasyncError, InvalidInput, Problem
from dorasync.statestore import StateStore
from dorasync.yamlsource import YamlProblems, parse

# An incident file is a few hundred bytes; a bound keeps a stray dump or a hostile
# file from costing memory or minutes.
MAX_FILE_BYTES = 1 << 20


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
    def deployments_dir(self) -> Path:
        return self.root / self.settings.config.deployments

    @property
    def state_path(self) -> Path:
        return self.root / self.settings.config.state

    def store(self) -> StateStore:
        """The state file of this project, with its journal, backup and lock."""
        return StateStore(self.state_path, self.settings.config.state)

    @property
    def prefix(self) -> str:
        """What the string of every path under the root starts with."""
        return _prefix(str(self.root))

    def relative(self, path: Path) -> str:
        """`path` as shown to users and kept in the state: relative to the root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@functools.lru_cache(maxsize=8)
def _prefix(root: str) -> str:
    return "" if root == "." else root.rstrip(os.sep) + os.sep


def open_project(root: Path) -> Project:
    """Read and check `dorasync.yaml` in `root`; raise when it is missing or unusable."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise DorasyncError(
            f"no {CONFIG_FILE} in {root}: run `dorasync init` there, or "
            "point -C at the project's folder"
        )
    data, problem = read_bytes(path, CONFIG_FILE)
    text, problem = (data, problem) if problem else decode(data, CONFIG_FILE)
    if problem:
        raise InvalidInput([problem])
    try:
        doc = parse(str(text), CONFIG_FILE)
    except YamlProblems as exc:
        raise InvalidInput(exc.problems) from None
    settings, problems = read_settings(doc)
    if settings is None:
        raise InvalidInput(problems)
    return Project(root, settings, tuple(problems))


def read_bytes(path: str | Path, shown: str) -> tuple[bytes, Problem | None]:
    """A file's bytes (at most MAX_FILE_BYTES), or the problem that stops it being read."""
    try:
        # os-level calls: at 100k files a buffered file object per read is measurable.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            data = _read_up_to(fd, MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                size = f"{os.fstat(fd).st_size} bytes"
                return b"", _problem(
                    shown, f"is {size}; an incident file is at most {MAX_FILE_BYTES} bytes"
                )
        finally:
            os.close(fd)
    except OSError as exc:
        return b"", _problem(shown, f"cannot be read: {exc.strerror or exc}")
    return data, None


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode(data: bytes, shown: str) -> tuple[str, Problem | None]:
    """A file's bytes as text: UTF-8 (a BOM is allowed), never binary."""
    if b"\0" in data:
        return "", _problem(shown, "is a binary file, not YAML text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", _problem(shown, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")


def _problem(shown: str, message: str) -> Problem:
    return Problem(shown, 1, 1, "file", message)
