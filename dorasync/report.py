"""Core: the DORA report, incidents grouped and bucketed with exact time-to-restore statistics.

Every definition is in the README ("dorasync report"). All arithmetic is on integer
nanoseconds: the median is an exact fraction (the mean of the two middle values can
end in half a nanosecond), so no float ever touches a statistic.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from dorasync.cfr import DeployRecord
from dorasync.timestamps import NS_PER_S
from dorasync.window import Window, bucket_starts

HOUR_NS = 3600 * NS_PER_S
DAY_NS = 24 * HOUR_NS
WEEK_NS = 7 * DAY_NS
# DORA's performance bands for time to restore (State of DevOps reports): each band is
# "less than" its bound, so exactly one hour is already "high".
BANDS = (("elite", HOUR_NS), ("high", DAY_NS), ("medium", WEEK_NS))
FIELDS = ("service", "team", "env", "severity")
Bucket = Literal["week", "month"]
Group = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One --by: an attribute an incident is grouped by; `service` and tags may be many."""

    name: str

    def values(self, attributes: Mapping[str, Any]) -> tuple[str | None, ...]:
        """This incident's values; (None,) when it has none, so it is still counted."""
        if self.name == "service":
            found: Sequence[str] = attributes.get("services") or ()
        elif self.name.startswith("tag:"):
            prefix = self.name[4:] + ":"
            tags = attributes.get("custom_tags") or ()
            found = [t[len(prefix) :] for t in tags if t.startswith(prefix)]
        else:
            value = attributes.get(self.name)
            found = (value,) if value is not None else ()
        return tuple(found) or (None,)


def parse_dimension(text: str) -> Dimension:
    """A --by value; ValueError with what to write instead."""
    if text in FIELDS or (text.startswith("tag:") and len(text) > 4):
        return Dimension(text)
    raise ValueError(
        f"{text!r} is not a grouping; use one of {', '.join(FIELDS)}, or tag:KEY "
        "for a custom tag (e.g. tag:cause)"
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One incident as the report sees it: its key and the attributes sent for it."""

    key: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TimeToRestore:
    """Of the resolved incidents: exact median, mean rounded to the nanosecond, p90."""

    median: Fraction
    mean: int
    p90: int

    @property
    def band(self) -> str:
        return next((name for name, bound in BANDS if self.median < bound), "low")


@dataclass(frozen=True, slots=True)
class Stats:
    """The numbers of one group in one bucket (or the whole window)."""

    incidents: int = 0
    open: int = 0
    oldest_open_ns: int | None = None
    ttr: TimeToRestore | None = None
    impact_ns: int = 0
    deployments: int = 0
    change_failures: int = 0
    # Failed deployment recovery time: the same statistics as time to restore.
    recovery: TimeToRestore | None = None

    @property
    def band(self) -> str | None:
        return self.ttr.band if self.ttr else None

    @property
    def change_failure_rate(self) -> Fraction | None:
        """Deployments marked as change failures over all deployments; None without any."""
        return Fraction(self.change_failures, self.deployments) if self.deployments else None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report: a group (empty: every incident) and the instant its bucket
    starts (None: the whole window)."""

    by: Group
    bucket: int | None
    stats: Stats


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident with no finished_at, and how long it has been open."""

    key: str
    attributes: Mapping[str, Any]
    age_ns: int


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a renderer needs; rows come group by group, the whole window first."""

    window: Window
    dimensions: tuple[Dimension, ...]
    bucket: Bucket | None
    buckets: tuple[int, ...]
    rows: tuple[Row, ...]
    open_incidents: tuple[OpenIncident, ...]
    now_ns: int
    # The project declares deployment files: the deployment columns are shown.
    has_deployments: bool = False

    def totals(self) -> Stats:
        """The whole window over every incident (the group whose `by` is empty)."""
        return self.rows[0].stats


def median(ordered: Sequence[int]) -> Fraction:
    """The middle value, or the exact mean of the two middle ones for an even count."""
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def p90(ordered: Sequence[int]) -> int:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    rank = -(-9 * len(ordered) // 10)  # ceil(0.9 n) in integers
    return ordered[rank - 1]


def time_to_restore(durations: list[int]) -> TimeToRestore | None:
    if not durations:
        return None
    ordered = sorted(durations)
    return TimeToRestore(median(ordered), round(Fraction(sum(ordered), len(ordered))), p90(ordered))


class _Cell:
    """What one (group, bucket) collects while incidents are read."""

    __slots__ = (
        "deployments",
        "durations",
        "failures",
        "impact",
        "incidents",
        "open_ages",
        "recoveries",
    )

    def __init__(self) -> None:
        self.durations: list[int] = []
        self.open_ages: list[int] = []
        self.incidents = 0
        self.impact = 0
        self.deployments = 0
        self.failures = 0
        self.recoveries: list[int] = []

    def deployed(self, record: DeployRecord) -> None:
        self.deployments += 1
        self.failures += record.failed
        if record.recovery_ns is not None:
            self.recoveries.append(record.recovery_ns)

    def add(self, duration: int, resolved: bool) -> None:
        self.incidents += 1
        self.impact += duration
        (self.durations if resolved else self.open_ages).append(duration)

    def stats(self) -> Stats:
        oldest = max(self.open_ages) if self.open_ages else None
        ttr = time_to_restore(self.durations)
        return Stats(
            self.incidents,
            len(self.open_ages),
            oldest,
            ttr,
            self.impact,
            self.deployments,
            self.failures,
            time_to_restore(self.recoveries),
        )


def build(
    records: Iterable[Record],
    window: Window,
    now_ns: int,
    dimensions: Sequence[Dimension] = (),
    bucket: Bucket | None = None,
    *,
    deployments: Sequence[DeployRecord] | None = None,
) -> Report:
    """The report over the incidents that started in the window, and with `deployments`
    (None: the project declares none) over those that finished in it."""
    starts = bucket_starts(window, bucket) if bucket else ()
    cells: dict[tuple[Group, int | None], _Cell] = {}
    opened: list[OpenIncident] = []
    # Few distinct combinations of values recur over many incidents: build each
    # combination's groups once (a third of the time for 100k incidents).
    memo: dict[tuple[tuple[str | None, ...], ...], list[Group]] = {}
    for record in records:
        attributes = record.attributes
        started = attributes["started_at"]
        if not window.since_ns <= started < window.until_ns:
            continue
        finished = attributes.get("finished_at")
        if finished is None:
            duration = max(0, now_ns - started)  # open: its age so far
            opened.append(OpenIncident(record.key, attributes, duration))
        else:
            duration = finished - started
        values = tuple(d.values(attributes) for d in dimensions)
        mine = memo.get(values) or memo.setdefault(values, _combine(dimensions, values))
        index = bisect_right(starts, started) - 1 if starts else None
        for group in mine:
            for slot in ((group, None), (group, index)) if starts else ((group, None),):
                cell = cells.get(slot) or cells.setdefault(slot, _Cell())
                cell.add(duration, finished is not None)
    for deployment in deployments or ():
        finished = deployment.attributes["finished_at"]
        if not window.since_ns <= finished < window.until_ns:
            continue
        index = bisect_right(starts, finished) - 1 if starts else None
        for group in groups_of(deployment.attributes, dimensions):
            for slot in ((group, None), (group, index)) if starts else ((group, None),):
                (cells.get(slot) or cells.setdefault(slot, _Cell())).deployed(deployment)
    opened.sort(key=lambda o: (-o.age_ns, o.key))
    rows = _rows(cells, {group for group, _ in cells}, starts)
    return Report(
        window,
        tuple(dimensions),
        bucket,
        starts,
        rows,
        tuple(opened),
        now_ns,
        deployments is not None,
    )


def groups_of(attributes: Mapping[str, Any], dimensions: Sequence[Dimension]) -> list[Group]:
    """The empty group (every incident) and each combination of this incident's values."""
    return _combine(dimensions, tuple(d.values(attributes) for d in dimensions))


def _combine(
    dimensions: Sequence[Dimension], values: tuple[tuple[str | None, ...], ...]
) -> list[Group]:
    names = [d.name for d in dimensions]
    out: list[Group] = [()]
    if dimensions:
        out += [tuple(zip(names, c, strict=True)) for c in itertools.product(*values)]
    return out


def _rows(
    cells: Mapping[tuple[Group, int | None], _Cell], groups: set[Group], starts: Sequence[int]
) -> tuple[Row, ...]:
    """Every group (the empty one first) times the whole window and every bucket, empty
    cells included, so that a chart over time has no holes."""
    ordered = [(), *sorted(groups - {()}, key=_group_order)]
    slots: list[int | None] = [None, *range(len(starts))]
    return tuple(
        Row(
            group,
            None if index is None else starts[index],
            cell.stats() if (cell := cells.get((group, index))) else Stats(),
        )
        for group in ordered
        for index in slots
    )


def _group_order(group: Group) -> tuple[tuple[bool, str], ...]:
    # Incidents without a value (a team-only incident grouped by service) sort last.
    return tuple((value is None, value or "") for _, value in group)
