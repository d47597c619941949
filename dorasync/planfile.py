"""Adapter: saved plan files on disk, and the digests of a project's input files."""

from __future__ import annotations

import os
from pathlib import Path

from dorasync.config import CONFIG_FILE
from dorasync.errors import DorasyncError
from dorasync.files import deployment_files, incident_files, shown_path
from dorasync.project import Project
from dorasync.savedplan import Inputs, SavedPlan, StalePlan, digest_bytes, dumps, loads


def config_inputs(root: Path) -> Inputs:
    """The digest of dorasync.yaml alone: it says where the incidents are, so it is
    compared first, before it is trusted to find the rest."""
    return Inputs({CONFIG_FILE: _digest(root / CONFIG_FILE)})


def project_inputs(project: Project) -> Inputs:
    """The digest of dorasync.yaml and of every incident and deployment file, by name."""
    files, _ = incident_files(project)
    files += deployment_files(project)[0]
    digests = {shown_path(project, path): _digest(path) for path in files}
    digests[CONFIG_FILE] = _digest(project.root / CONFIG_FILE)
    return Inputs(digests)


def _digest(path: str | Path) -> str:
    try:
        with open(path, "rb") as handle:
            return digest_bytes(handle.read())
    except OSError as exc:  # unreadable now: it cannot equal what was planned
        return f"unreadable: {exc.strerror or exc}"


def read(path: Path, shown: str) -> SavedPlan:
    """A saved plan from its file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StalePlan(
            f"{shown} does not exist; save a plan with `dorasync plan --out {shown}`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StalePlan(f"cannot read {shown}: {exc}") from None
    return loads(text, shown)


def write(path: Path, saved: SavedPlan, shown: str) -> None:
    """Write a saved plan atomically, so a reader never sees half of one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(dumps(saved), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DorasyncError(f"cannot write the plan to {shown}: {exc.strerror or exc}") from None
