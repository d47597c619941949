"""Test support: the hand-computed March 2026 project the report tests share."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from dorasync.report import Record
from dorasync.timestamps import NS_PER_S, datetime_to_ns
from dorasync.window import Window

UTC = ZoneInfo("UTC")
MINUTE = 60 * NS_PER_S
MARCH = Window(datetime_to_ns("2026-03-01T00:00:00Z"), datetime_to_ns("2026-04-01T00:00:00Z"), UTC)
NOW = datetime_to_ns("2026-04-01T00:00:00Z")


def rec(key: str, started: str, minutes: int | None = None, **attributes: Any) -> Record:
    start = datetime_to_ns(started)
    attrs: dict[str, Any] = {"started_at": start, "id": f"id-{key}", **attributes}
    if minutes is not None:
        attrs["finished_at"] = start + minutes * MINUTE
    return Record(key, attrs)


# The hand-computed project of the README's worked example, in March 2026 (UTC).
MARCH_INCIDENTS = [
    rec("a", "2026-03-02T10:00:00Z", 30, services=["checkout"], env="prod"),
    rec("b", "2026-03-03T10:00:00Z", 90, services=["checkout", "payments"], env="prod"),
    rec("c", "2026-03-10T00:00:00Z", 120, services=["checkout"], env="prod"),
    rec("d", "2026-03-20T00:00:00Z", None, services=["payments"], env="prod"),
    rec("e", "2026-03-25T00:00:00Z", 3 * 24 * 60, team="search", env="prod"),
    rec("before", "2026-02-28T23:59:59Z", 1, services=["checkout"], env="prod"),
    rec("at-until", "2026-04-01T00:00:00Z", 1, services=["checkout"], env="prod"),
]
