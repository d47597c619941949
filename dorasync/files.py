"""Adapter: finds incident and deployment files, refusing what a hostile commit could plant."""

from __future__ import annotations

import os
from pathlib import Path

from dorasync.config import CONFIG_FILE
from dorasync.errors import Problem
from dorasync.project import Project

SUFFIXES = (".yaml", ".yml")


def incident_files(project: Project) -> tuple[list[str], list[Problem]]:
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
    walk = Walk(project, skip=project.deployments_dir)
    walk.folder(str(top))
    walk.files.sort()
    return walk.files, walk.problems


def deployment_files(project: Project) -> tuple[list[str], list[Problem]]:
    """Every `*.yaml`/`*.yml` under the deployments folder, refused as incident files
    are; none when the folder is missing, unless dorasync.yaml names it."""
    top = project.deployments_dir
    if not top.is_dir():
        document = project.settings.document
        if not (isinstance(document.value, dict) and "deployments" in document.value):
            return [], []
        mark = document.mark(("deployments",))
        shown = project.settings.config.deployments
        message = f"the deployments folder {shown!r} does not exist; create it"
        return [], [Problem(CONFIG_FILE, mark.line, mark.col, "deployments", message)]
    if os.path.realpath(top) == os.path.realpath(project.incidents_dir):
        mark = project.settings.document.mark(("deployments",))
        message = "is the incidents folder; keep deployment files in a folder of their own"
        return [], [Problem(CONFIG_FILE, mark.line, mark.col, "deployments", message)]
    walk = Walk(project, skip=project.incidents_dir)
    walk.folder(str(top))
    walk.files.sort()
    return walk.files, walk.problems


class Walk:
    """One pass over a folder tree, refusing what a hostile commit could put there."""

    # Paths are kept as strings: at 100k files, pathlib's parsing would cost more
    # than reading them.
    def __init__(self, project: Project, skip: Path | None = None) -> None:
        self.project, self.root = project, project.root.resolve()
        # The other folder of a project (deployments under incidents, or the other way
        # round) is not walked into: its files are not of this kind.
        self.skip = os.path.realpath(skip) if skip is not None else None
        self.files: list[str] = []
        self.problems: list[Problem] = []
        self.seen: set[str] = set()
        # With `incidents: .` the walk passes dorasync.yaml, which is no incident.
        self.config = os.path.normpath(project.root / CONFIG_FILE)

    def refuse(self, path: str, message: str) -> None:
        self.problems.append(Problem(shown_path(self.project, path), 1, 1, "file", message))

    def folder(self, folder: str) -> None:
        real = os.path.realpath(folder)
        if real in self.seen:
            self.refuse(folder, "is a link back into a folder already read (a loop); remove it")
            return
        self.seen.add(real)
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:  # unreadable, or nested past the system's path length
            self.refuse(folder, f"cannot be read: {exc.strerror or exc}")
            return
        for entry in listed:
            self.entry(entry)

    def entry(self, entry: os.DirEntry[str]) -> None:
        path = entry.path
        if entry.name.startswith(".") or (
            entry.name == CONFIG_FILE and os.path.normpath(path) == self.config
        ):
            return
        if not _is_utf8(entry.name):
            self.refuse(path, "has a name that is not UTF-8; rename it")
        elif entry.is_symlink() and not Path(path).resolve().is_relative_to(self.root):
            self.refuse(path, "is a link to something outside the project; copy it in instead")
        elif entry.is_dir():
            if os.path.realpath(path) != self.skip:
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


def shown_path(project: Project, path: str | Path) -> str:
    """A path as printed and kept in the state: relative to the root, with `/`, and
    with undecodable bytes escaped."""
    text, prefix = str(path), project.prefix
    text = text[len(prefix) :] if text.startswith(prefix) else project.relative(Path(text))
    if os.sep != "/":
        text = text.replace(os.sep, "/")
    return text if _is_utf8(text) else os.fsencode(text).decode("utf-8", "backslashreplace")
