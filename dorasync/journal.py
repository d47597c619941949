"""Adapter: the journal an apply appends each success to, beside the state file."""

from __future__ import annotations

import json
import os
from typing import IO

from dorasync.state import Entry

FSYNC_EVERY = 64  # journal records between fsyncs: a crash loses at most these, all re-sendable


class Journal:
    """Appends one line per recorded change; fsyncs in batches."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.changed: dict[str, Entry | None] = {}
        self.deployments: dict[str, Entry | None] = {}
        self.links: dict[str, Entry | None] = {}
        self.unsynced = 0

    def record(self, key: str, entry: Entry | None, section: str = "incidents") -> None:
        """Record one success in a section of the state (state.SECTIONS)."""
        line: dict[str, object] = {"key": key, "entry": entry.to_json() if entry else None}
        if section != "incidents":
            line["section"] = section
        self.handle.write(json.dumps(line, sort_keys=True) + "\n")
        self.handle.flush()
        mine = {"incidents": self.changed, "deployments": self.deployments, "links": self.links}
        mine[section][key] = entry
        self.unsynced += 1
        if self.unsynced >= FSYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        if self.unsynced:
            os.fsync(self.handle.fileno())
            self.unsynced = 0
