"""The report's window and calendar buckets, in UTC and across daylight-saving changes."""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

import pytest

from dorasync.report import HOUR_NS, Dimension, Record, build
from dorasync.timestamps import NS_PER_S, datetime_to_ns
from dorasync.window import (
    Window,
    bucket_starts,
    default_window,
    format_local,
    midnight_ns,
    parse_bound,
    window_from,
)

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


def ns(text: str) -> int:
    return datetime_to_ns(text)


def test_a_date_is_midnight_in_the_time_zone() -> None:
    assert parse_bound("2026-03-01", BERLIN) == ns("2026-02-28T23:00:00Z")


def test_a_date_as_until_includes_that_whole_day() -> None:
    assert parse_bound("2026-03-31", BERLIN, end=True) == ns("2026-03-31T22:00:00Z")


def test_a_date_time_with_an_offset_is_taken_as_written() -> None:
    assert parse_bound("2026-03-01T12:00:00+05:00", BERLIN, end=True) == ns("2026-03-01T07:00:00Z")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "is not a valid date"),
        ("yesterday", "write YYYY-MM-DD"),
        ("2026-03-01T00:00:00", "no UTC offset"),
        ("01/03/2026", "write YYYY-MM-DD"),
    ],
)
def test_a_bad_bound_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_bound(text, UTC)


def test_the_default_window_is_the_last_90_days_up_to_the_next_whole_second() -> None:
    now = ns("2026-03-31T12:00:00.25Z")
    window = default_window(now, UTC)
    assert (window.since_ns, window.until_ns) == (
        ns("2025-12-31T12:00:01Z"),
        ns("2026-03-31T12:00:01Z"),
    )


def test_since_alone_runs_to_now_and_until_alone_goes_back_90_days() -> None:
    now = ns("2026-06-01T00:00:00Z")
    assert window_from("2026-05-01", None, UTC, now).until_ns == now
    assert window_from(None, "2026-03-31", UTC, now).since_ns == ns("2026-01-01T00:00:00Z")


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="the window is empty"):
        window_from("2026-03-02", "2026-03-01", UTC, 0)


@pytest.mark.parametrize(
    ("instant", "tz", "text"),
    [
        ("2026-03-01T00:00:00Z", "UTC", "2026-03-01T00:00:00Z"),
        ("2026-03-01T00:00:00.5Z", "UTC", "2026-03-01T00:00:00.5Z"),
        ("2026-01-15T11:00:00Z", "Europe/Berlin", "2026-01-15T12:00:00+01:00"),
        ("2026-07-15T11:00:00Z", "Europe/Berlin", "2026-07-15T13:00:00+02:00"),
        ("2026-07-15T11:00:00Z", "America/St_Johns", "2026-07-15T08:30:00-02:30"),
    ],
)
def test_times_are_written_in_rfc3339_with_the_zone_offset(
    instant: str, tz: str, text: str
) -> None:
    assert format_local(ns(instant), ZoneInfo(tz)) == text


def test_weeks_start_on_monday_midnight_local_and_the_week_of_the_spring_change_has_167_hours() -> (
    None
):
    window = Window(ns("2026-03-25T12:00:00Z"), ns("2026-04-08T00:00:00Z"), BERLIN)
    starts = bucket_starts(window, "week")
    assert [format_local(s, BERLIN) for s in starts] == [
        "2026-03-23T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
        "2026-04-06T00:00:00+02:00",
    ]
    assert (starts[1] - starts[0]) // HOUR_NS == 167


def test_months_start_on_the_first_at_local_midnight_across_the_autumn_change() -> None:
    window = Window(ns("2026-10-10T00:00:00Z"), ns("2026-11-10T00:00:00Z"), BERLIN)
    starts = bucket_starts(window, "month")
    assert [format_local(s, BERLIN) for s in starts] == [
        "2026-10-01T00:00:00+02:00",
        "2026-11-01T00:00:00+01:00",
    ]
    assert (starts[1] - starts[0]) // HOUR_NS == 31 * 24 + 1


def test_a_midnight_skipped_by_a_clock_change_starts_the_day_at_its_first_instant() -> None:
    # Chile moves from 00:00 to 01:00 on 2026-09-06.
    santiago = ZoneInfo("America/Santiago")
    assert format_local(midnight_ns(date(2026, 9, 6), santiago), santiago) == (
        "2026-09-06T01:00:00-03:00"
    )


def _buckets_of(
    instants: list[str], tz: ZoneInfo, kind: Literal["week", "month"], since: str, until: str
) -> dict[str, int]:
    records = [
        Record(f"r{i}", {"started_at": ns(t), "finished_at": ns(t) + NS_PER_S, "team": "x"})
        for i, t in enumerate(instants)
    ]
    window = window_from(since, until, tz, 0)
    report = build(records, window, window.until_ns, bucket=kind)
    return {
        format_local(r.bucket, tz): r.stats.incidents for r in report.rows if r.bucket is not None
    }


def test_an_incident_just_after_local_midnight_on_the_spring_change_is_in_the_new_week() -> None:
    instants = ["2026-03-29T21:30:00Z", "2026-03-29T22:30:00Z"]  # 23:30+01:00, 00:30+02:00
    assert _buckets_of(instants, BERLIN, "week", "2026-03-23", "2026-04-05") == {
        "2026-03-23T00:00:00+01:00": 1,
        "2026-03-30T00:00:00+02:00": 1,
    }
    assert _buckets_of(instants, UTC, "week", "2026-03-23", "2026-04-05") == {
        "2026-03-23T00:00:00Z": 2,
        "2026-03-30T00:00:00Z": 0,
    }


def test_an_incident_just_after_local_midnight_after_the_autumn_change_is_in_the_next_month() -> (
    None
):
    instants = ["2026-10-31T22:30:00Z", "2026-10-31T23:30:00Z"]  # 23:30+01:00, 00:30+01:00
    assert _buckets_of(instants, BERLIN, "month", "2026-10-01", "2026-11-30") == {
        "2026-10-01T00:00:00+02:00": 1,
        "2026-11-01T00:00:00+01:00": 1,
    }


def test_every_bucket_of_every_group_is_a_row_even_when_empty() -> None:
    record = Record("a", {"started_at": ns("2026-03-10T00:00:00Z"), "services": ["x"]})
    window = window_from("2026-03-01", "2026-03-31", UTC, 0)
    report = build([record], window, window.until_ns, [Dimension("service")], "month")
    rows = [(r.by, r.bucket, r.stats.incidents) for r in report.rows]
    assert rows == [
        ((), None, 1),
        ((), ns("2026-03-01T00:00:00Z"), 1),
        ((("service", "x"),), None, 1),
        ((("service", "x"),), ns("2026-03-01T00:00:00Z"), 1),
    ]
    window = window_from("2026-02-01", "2026-03-31", UTC, 0)
    report = build([record], window, window.until_ns, [], "month")
    assert [(r.bucket, r.stats.incidents) for r in report.rows] == [
        (None, 1),
        (ns("2026-02-01T00:00:00Z"), 0),
        (ns("2026-03-01T00:00:00Z"), 1),
    ]
