"""Core: an event read from Datadog as an incident file, for `dorasync import`.

The file says what the event is in the words a person writes (RFC 3339 times, the
event's id in `id:` so it stays the same event) and, read back under the project's
`defaults:`, declares exactly what Datadog holds: a default the event does not have
is written as `null`, which removes it. Its name comes from the start date, the
event's name and its id, made safe: whatever the server sends as an id, the name
has only `A-Z a-z 0-9 - _`, cannot start with a dot and cannot name a folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from dorasync.remote import Remote
from dorasync.timestamps import NS_PER_S, format_ns

ORDER = (
    "name",
    "services",
    "team",
    "severity",
    "env",
    "version",
    "started_at",
    "finished_at",
    "git",
    "custom_tags",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_ID_PART = 64
_MAX_NAME_PART = 40


def safe_part(text: str, limit: int) -> str:
    """`text` as a piece of a file name: runs of anything else than A-Z a-z 0-9 _ -
    become one dash, at most `limit` characters, no dash at either end."""
    return _UNSAFE.sub("-", text).strip("-")[:limit].strip("-")


def file_name(remote: Remote) -> PurePosixPath:
    """Where an imported event goes under the incidents folder:
    `YYYY/YYYY-MM-DD-<name>-<id>.yaml`, the id part with a short digest of the real
    id when making it safe changed it (so two ids never share a file)."""
    started = datetime.fromtimestamp(remote.attributes["started_at"] // NS_PER_S, UTC)
    id_part = safe_part(remote.id, _MAX_ID_PART)
    if id_part != remote.id:
        digest = hashlib.sha256(remote.id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        id_part = f"{id_part}-{digest}" if id_part else digest
    name = remote.attributes.get("name")
    name_part = safe_part(name.lower(), _MAX_NAME_PART) if isinstance(name, str) else ""
    stem = "-".join(p for p in (started.strftime("%Y-%m-%d"), name_part, id_part) if p)
    return PurePosixPath(started.strftime("%Y"), f"{stem}.yaml")


def event_yaml(remote: Remote, defaults: Mapping[str, Any], imported_at: str) -> str:
    """The text of the incident file for `remote`, under the project's `defaults`."""
    attributes = remote.attributes
    lines = [
        f"# Imported from Datadog by `dorasync import` on {imported_at}; the id keeps it",
        "# the same event. Edit it as any incident; dorasync sends the changes.",
    ]
    for name in ORDER:
        if name in attributes:
            lines += _field(name, attributes[name])
        elif name in defaults:
            lines.append(f"{name}: null  # not set in Datadog: overrides the default")
    lines.append(f"id: {_quoted(remote.id)}")
    return "\n".join(lines) + "\n"


def _field(name: str, value: Any) -> list[str]:
    if name in ("started_at", "finished_at") and isinstance(value, int):
        return [f"{name}: {format_ns(value)}"]
    if isinstance(value, list):
        return [f"{name}: [{', '.join(_quoted(v) for v in value)}]"]
    if isinstance(value, dict):
        return [f"{name}:", *(f"  {k}: {_quoted(v)}" for k, v in sorted(value.items()))]
    return [f"{name}: {_quoted(value)}"]


def _quoted(value: Any) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's), so that no text
    is ever read as a number, a boolean or a date."""
    return json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
