"""Adapter: reads and checks deployment files, skipping those already sent unchanged."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dorasync import __version__
from dorasync.deployments import Deployment, build
from dorasync.errors import Problem
from dorasync.files import deployment_files, shown_path
from dorasync.incidents import check_unique
from dorasync.loader import parse_source
from dorasync.project import Project, read_bytes
from dorasync.state import Entry

# state entries of the deployments section by the file they came from: file -> (key, entry)
Known = Mapping[str, tuple[str, Entry]]


@dataclass(slots=True)
class LoadedDeployments:
    """The good deployments, and every problem found."""

    deployments: list[Deployment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def digest(project: Project, shown: str, data: bytes) -> str:
    """What a deployment's attributes depend on: the settings and the deployments folder
    (its key is the path under it), the dorasync version, the file's path and bytes."""
    folder = PurePosixPath(project.settings.config.deployments).as_posix()
    basis = f"deployments\0{project.settings.digest}\0{folder}\0{__version__}\0{shown}\0"
    return hashlib.blake2b(
        basis.encode("utf-8", "surrogateescape") + data, digest_size=16
    ).hexdigest()


def is_deployment_file(project: Project, path: str | Path) -> bool:
    """Whether a path named on the command line is under the deployments folder."""
    top = os.path.realpath(project.deployments_dir)
    return os.path.realpath(path).startswith(top + os.sep)


def load_deployments(
    project: Project, now_ns: int, known: Known | None = None, only: Sequence[str] | None = None
) -> LoadedDeployments:
    """Check every deployment file (or `only` these), with keys and ids unique among
    all of them; with `known`, a file whose digest is unchanged is not parsed again."""
    loaded = LoadedDeployments()
    everything, loaded.problems = deployment_files(project)
    wanted = {os.path.realpath(p) for p in only} if only is not None else None
    for path in everything:
        deployment, problems = _read(project, path, now_ns, known or {})
        named = wanted is None or os.path.realpath(path) in wanted
        loaded.problems += problems if named else []
        if deployment is not None:
            loaded.deployments.append(deployment)
    clashes = check_unique(loaded.deployments)
    shown = {
        shown_path(project, p)
        for p in everything
        if wanted is None or os.path.realpath(p) in wanted
    }
    loaded.problems += [p for p in clashes if p.file in shown]
    return loaded


def _read(
    project: Project, path: str, now_ns: int, known: Known
) -> tuple[Deployment | None, list[Problem]]:
    shown = shown_path(project, path)
    data, problem = read_bytes(path, shown)
    if problem:
        return None, [problem]
    mine = digest(project, shown, data)
    cached = known.get(shown)
    if cached is not None and cached[1].digest == mine:
        key, entry = cached
        return Deployment(key, entry.id, shown, entry.attributes, {}, mine), []
    source, problems = parse_source(shown, data, project.settings.config.deployments, mine)
    if source is None:
        return None, problems
    return build(source, project.settings, now_ns)
