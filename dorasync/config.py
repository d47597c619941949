"""Core: the project's settings (`dorasync.yaml`) and the defaults merged under incidents."""

from __future__ import annotations

import difflib
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from dorasync.errors import Problem
from dorasync.model import Services, Tags, check_sha, check_url
from dorasync.problems import Known, problems_of
from dorasync.safety import DEFAULT_DELETE_SHARE, DEFAULT_MIN_EXISTING, DEFAULT_SHARE
from dorasync.text import Text, check_text, user_error
from dorasync.yamlsource import Document, Mark

CONFIG_FILE = "dorasync.yaml"
# ../docs/datadog-dora-api.md "Sites"; DORA Metrics is not offered on the ddog-gov sites.
SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)
NO_DORA_SITES = ("ddog-gov.com", "us2.ddog-gov.com")


def check_site(value: object) -> str:
    """A Datadog site name, with a suggestion when it is close to a real one."""
    text = str(value).strip().lower()
    if text in SITES:
        return text
    bare = text.removeprefix("https://").removeprefix("api.").removeprefix("app.").rstrip("/")
    close = [bare] if bare in SITES else difflib.get_close_matches(text, SITES, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "known sites: " + ", ".join(SITES)
    raise user_error(f"{value!r} is not a Datadog site; {hint}")


def _namespace(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise user_error(
            "must be a UUID (dorasync init writes one); it is part of every "
            "derived id, so never change it once incidents were sent"
        ) from None


def check_folder(value: object) -> str:
    """A path relative to the project that stays inside it: a dorasync.yaml from a pull
    request must not make dorasync read or write files elsewhere."""
    text = check_text(value).strip()
    path = PurePosixPath(text.replace("\\", "/"))
    if not text or path.is_absolute() or ".." in path.parts or (text[1:3] == ":/"):
        raise user_error(
            f"{text!r} must be a path inside the project, relative to "
            "dorasync.yaml (e.g. incidents)"
        )
    return text


Inside = Annotated[str, BeforeValidator(check_folder)]


def _state_file(value: object) -> str:
    text = check_folder(value)
    name = PurePosixPath(text).name
    if text.endswith(("/", "\\")) or name in ("", ".", ".."):
        raise user_error(f"{text!r} must name the state file, e.g. .dorasync/state.json")
    return text


StateFile = Annotated[str, BeforeValidator(_state_file)]


class PartialGit(BaseModel):
    """`git` under defaults: either field may come from the incident file instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    commit_sha: Annotated[str, BeforeValidator(check_sha)] | None = None
    repository_url: Annotated[str, BeforeValidator(check_url)] | None = None


class Defaults(BaseModel):
    """Values merged under every incident; the incident file's own value wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    services: Services | None = None
    team: Text | None = None
    severity: Text | None = None
    env: Text | None = None
    version: Text | None = None
    git: PartialGit | None = None
    custom_tags: Tags | None = None


def _share(value: object) -> float:
    try:
        share = float(str(value).strip())
    except ValueError:
        share = -1.0
    if isinstance(value, bool) or not 0 < share <= 1:
        raise user_error(f"{value!r} is not a share; write a number above 0 and up to 1, e.g. 0.3")
    return share


def _count(value: object) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise user_error(f"{value!r} is not a whole number; write e.g. 10")
    return int(text)


class Safety(BaseModel):
    """The safety threshold (README "The safety threshold"; octoDNS's update_pct_threshold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    update_threshold: Annotated[float, BeforeValidator(_share)] = DEFAULT_SHARE
    delete_threshold: Annotated[float, BeforeValidator(_share)] = DEFAULT_DELETE_SHARE
    min_existing: Annotated[int, BeforeValidator(_count)] = DEFAULT_MIN_EXISTING


class ProjectConfig(BaseModel):
    """The settings of `dorasync.yaml` (product.md "A project on disk")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    namespace: Annotated[uuid.UUID, BeforeValidator(_namespace)]
    incidents: Inside = "incidents"
    # Optional deployment events as files (README "Deployments"); a missing folder
    # means none, unless dorasync.yaml names it.
    deployments: Inside = "deployments"
    state: StateFile = ".dorasync/state.json"
    site: Annotated[str, BeforeValidator(check_site)] = "datadoghq.com"
    endpoint: Literal["failure", "incident"] = "failure"
    defaults: dict[str, Any] | None = None
    safety: Safety = Safety()


@dataclass(frozen=True, slots=True)
class Settings:
    """A checked `dorasync.yaml`: settings, usable defaults and their digest."""

    config: ProjectConfig
    document: Document
    defaults: Mapping[str, Any]
    digest: str

    def default_mark(self, path: tuple[str | int, ...]) -> Mark:
        return self.document.mark(("defaults", *path))


def read_settings(doc: Document) -> tuple[Settings | None, list[Problem]]:
    """Check a parsed `dorasync.yaml`; defaults that fail are reported and left out."""
    raw = doc.value
    if not isinstance(raw, dict):
        return None, [
            Problem(
                doc.start.file,
                1,
                1,
                "dorasync.yaml",
                "must be a mapping with at least namespace: <uuid>",
            )
        ]
    locate = _locator(doc, ())
    try:
        config = ProjectConfig.model_validate(raw)
    except ValidationError as exc:
        fields: Known = {
            (): tuple(ProjectConfig.model_fields),
            ("safety",): tuple(Safety.model_fields),
        }
        return None, problems_of(exc, locate, fields)
    problems: list[Problem] = []
    defaults: dict[str, Any] = {}
    given = config.defaults or {}
    if not isinstance(raw.get("defaults") or {}, dict):
        given = {}
    for name, value in given.items():
        try:
            Defaults.model_validate({name: value})
        except ValidationError as exc:
            known: Known = {
                (): tuple(Defaults.model_fields),
                ("git",): tuple(PartialGit.model_fields),
            }
            problems += problems_of(exc, _locator(doc, ("defaults",)), known)
            continue
        if value is not None:
            defaults[name] = value
    # Everything an incident's key, id and attributes depend on besides its file: the
    # incidents folder too, since a key is the path under it.
    folder = PurePosixPath(config.incidents).as_posix()
    basis = json.dumps([str(config.namespace), folder, defaults], sort_keys=True)
    digest = hashlib.sha256(basis.encode()).hexdigest()
    return Settings(config, doc, defaults, digest), problems


def _locator(doc: Document, prefix: tuple[str, ...]) -> Any:
    def locate(loc: tuple[str | int, ...], key: bool) -> Mark:
        return doc.mark((*prefix, *loc), key=key)

    return locate
