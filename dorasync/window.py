"""Core: the report's window and its calendar buckets in an IANA time zone, in nanoseconds.

Calendar arithmetic is done on local dates and turned into instants one midnight at a
time, so a week that holds a daylight-saving change is 167 or 169 hours long, as a
person in that zone counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dorasync.timestamps import NS_PER_S, TimestampError, datetime_to_ns

DEFAULT_DAYS = 90
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_DATETIME_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Window:
    """Incidents count when since <= started_at < until."""

    since_ns: int
    until_ns: int
    tz: ZoneInfo


def up_to_now(now_ns: int) -> int:
    """The end of a window that runs up to now: the next whole second, so that the window
    reads 2026-03-01T10:15:42Z and still holds an incident that started this instant."""
    return -(-now_ns // NS_PER_S) * NS_PER_S


def default_window(now_ns: int, tz: ZoneInfo) -> Window:
    """The last 90 days up to now."""
    until_ns = up_to_now(now_ns)
    return Window(until_ns - DEFAULT_DAYS * 86_400 * NS_PER_S, until_ns, tz)


def window_from(since: str | None, until: str | None, tz: ZoneInfo, now_ns: int) -> Window:
    """The window of --since / --until; either may be left out (90 days, or up to now)."""
    until_ns = parse_bound(until, tz, end=True) if until else up_to_now(now_ns)
    days = DEFAULT_DAYS * 86_400 * NS_PER_S
    since_ns = parse_bound(since, tz) if since else until_ns - days
    if since_ns >= until_ns:
        raise ValueError(
            f"the window is empty: since {format_local(since_ns, tz)} is not before "
            f"until {format_local(until_ns, tz)}"
        )
    return Window(since_ns, until_ns, tz)


def parse_bound(text: str, tz: ZoneInfo, end: bool = False) -> int:
    """A date (midnight in `tz`; with `end`, the midnight that ends that day, so that
    `--until 2026-03-31` includes the 31st) or an RFC 3339 date-time with an offset."""
    m = _DATE.match(text.strip())
    if m:
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid date: {exc}") from None
        return midnight_ns(day + timedelta(days=1) if end else day, tz)
    if not _DATETIME_START.match(text.strip()):
        raise ValueError(
            f"{text!r} is not a date; write YYYY-MM-DD (midnight in --tz) or a date-time "
            "with an offset such as 2026-03-01T00:00:00Z"
        )
    try:
        return datetime_to_ns(text)
    except TimestampError as exc:
        raise ValueError(str(exc)) from None


def midnight_ns(day: date, tz: ZoneInfo) -> int:
    """The first instant of `day` in `tz` (a midnight skipped by a clock change moves on
    to the first time that exists), in nanoseconds."""
    local = datetime(day.year, day.month, day.day, tzinfo=tz)
    return (local.astimezone(UTC) - _EPOCH) // _MICROSECOND * 1000


def local_date(ns: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(ns // NS_PER_S, tz).date()


def bucket_starts(window: Window, kind: Literal["week", "month"]) -> tuple[int, ...]:
    """The instants at which the window's buckets start: local midnights of Mondays (ISO
    weeks) or of the first of each month; the first one is at or before `since`."""
    day = local_date(window.since_ns, window.tz)
    day = day - timedelta(days=day.weekday()) if kind == "week" else day.replace(day=1)
    starts = []
    while (start := midnight_ns(day, window.tz)) < window.until_ns:
        starts.append(start)
        day = day + timedelta(days=7) if kind == "week" else _next_month(day)
    return tuple(starts)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def format_local(ns: int, tz: ZoneInfo) -> str:
    """RFC 3339 in `tz`, with its offset, keeping every non-zero fraction digit."""
    seconds, frac = divmod(ns, NS_PER_S)
    local = datetime.fromtimestamp(seconds, tz)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    if tz.key == "UTC":
        return text + "Z"
    offset = local.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"
