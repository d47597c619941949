"""The report's renderings: a table, Markdown, CSV, exact JSON and a self-contained page."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorasync.report import DAY_NS, HOUR_NS, Dimension, Record, build
from dorasync.reportformats import duration, report_csv, report_markdown, report_text
from dorasync.reporthtml import natural_bucket, report_html
from dorasync.reportjson import dumps, hours, number, report_data, report_json, seconds
from dorasync.timestamps import NS_PER_S
from dorasync.window import window_from
from tests.report_cases import MARCH, MARCH_INCIDENTS, MINUTE, NOW, UTC, rec

BY_SERVICE = build(MARCH_INCIDENTS, MARCH, NOW, [Dimension("service")])
GROUP_KEYS = {"by", "bucket", "incidents", "open", "ttr_seconds", "impact_hours", "band"}


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (NS_PER_S // 3, "<1s"),
        (45 * NS_PER_S, "45s"),
        (42 * MINUTE, "42m"),
        (42 * MINUTE + 30 * NS_PER_S, "42m30s"),
        (65 * MINUTE, "1h05m"),
        (HOUR_NS + 5 * NS_PER_S, "1h00m05s"),
        (2 * HOUR_NS, "2h"),
        (3 * DAY_NS + 4 * HOUR_NS, "3d04h"),
        (DAY_NS + 61 * NS_PER_S, "1d00h01m"),  # from a day on, to the minute
        (12 * DAY_NS, "12d"),
        (Fraction(2 * HOUR_NS + 1, 2), "1h"),
    ],
)
def test_durations_read_as_people_write_them(ns: int | Fraction, text: str) -> None:
    assert duration(ns) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(7_447_000_000_001, 2), "3723.5000000005"),
        (Fraction(1), "0.000000001"),
        (3600 * NS_PER_S, "3600.0"),
        (0, "0.0"),
    ],
)
def test_seconds_are_written_exactly_to_the_half_nanosecond(
    value: Fraction | int, text: str
) -> None:
    assert number(seconds(value)) == text


def test_impact_hours_are_rounded_to_a_billionth_of_an_hour() -> None:
    assert (number(hours(63 * MINUTE)), number(hours(NS_PER_S))) == ("1.05", "0.000277778")


def test_text_is_an_aligned_table_with_the_open_incidents_below() -> None:
    lines = report_text(BY_SERVICE).splitlines()
    assert lines[0] == (
        "DORA report, 2026-03-01T00:00:00Z to 2026-04-01T00:00:00Z (UTC): 5 incidents, "
        "1 open, median time to restore 1h45m (high)"
    )
    assert lines[2:7] == [
        "service   incidents  open  oldest open  median TTR  mean TTR  p90 TTR  impact h  band",
        "(all)             5     1          12d       1h45m       19h       3d    364.00  high",
        "checkout          3     0            -       1h30m     1h20m       2h      4.00  high",
        "payments          2     1          12d       1h30m     1h30m    1h30m    289.50  high",
        "(none)            1     0            -          3d        3d       3d     72.00  medium",
    ]
    assert lines[8:10] == [
        "Open incidents (age at 2026-04-01T00:00:00Z):",
        "  12d  d  [payments / prod]",
    ]


def test_text_leaves_out_a_groups_empty_buckets_but_keeps_the_whole_timeline() -> None:
    window = window_from("2026-01-01", "2026-03-31", UTC, 0)
    report = build(MARCH_INCIDENTS, window, NOW, [Dimension("service")], "month")
    table = report_text(report)
    assert re.findall(r"^\(all\)\s+(\S+)", table, re.M) == ["all", "2026-01", "2026-02", "2026-03"]
    # "before" (2026-02-28T23:59:59Z) is inside this window; January has no checkout row
    assert re.findall(r"^checkout\s+(\S+)", table, re.M) == ["all", "2026-02", "2026-03"]
    assert len(report_data(report)["groups"]) == 4 * 4  # JSON keeps every row


def test_json_has_exactly_the_documented_shape() -> None:
    data = json.loads(report_json(BY_SERVICE))
    assert set(data) == {"window", "groups", "open_incidents"}
    assert data["window"] == {
        "since": "2026-03-01T00:00:00Z",
        "until": "2026-04-01T00:00:00Z",
        "tz": "UTC",
    }
    assert all(set(g) == GROUP_KEYS for g in data["groups"])
    assert [g["by"] for g in data["groups"]] == [
        {},
        {"service": "checkout"},
        {"service": "payments"},
        {"service": None},
    ]


def test_json_numbers_match_the_hand_computed_table() -> None:
    data = json.loads(report_json(BY_SERVICE), parse_float=Decimal)
    whole, checkout = data["groups"][0], data["groups"][1]
    assert whole == {
        "by": {},
        "bucket": None,
        "incidents": 5,
        "open": 1,
        "ttr_seconds": {"median": Decimal(6300), "mean": Decimal(68400), "p90": Decimal(259200)},
        "impact_hours": Decimal(364),
        "band": "high",
    }
    assert checkout["ttr_seconds"] == {"median": 5400, "mean": 4800, "p90": 7200}
    assert data["open_incidents"] == [
        {
            "key": "d",
            "name": None,
            "services": ["payments"],
            "team": None,
            "env": "prod",
            "severity": None,
            "started_at": "2026-03-20T00:00:00Z",
            "age_seconds": Decimal(12 * 86400),
        }
    ]


def test_json_keeps_a_median_half_a_nanosecond_off_a_whole_one() -> None:
    start = MARCH.since_ns
    records = [
        Record("x", {"started_at": start, "finished_at": start + 62 * MINUTE}),
        Record("y", {"started_at": start, "finished_at": start + 63 * MINUTE + 1}),
    ]
    assert '"median": 3750.0000000005' in report_json(build(records, MARCH, NOW))


def test_json_of_an_empty_window_has_one_group_with_nulls() -> None:
    data = json.loads(report_json(build([], MARCH, NOW, [Dimension("env")], "month")))
    assert data["groups"] == [
        {"by": {}, "bucket": None, "incidents": 0, "open": 0, "ttr_seconds": None,
         "impact_hours": 0.0, "band": None},
        {"by": {}, "bucket": "2026-03-01T00:00:00Z", "incidents": 0, "open": 0,
         "ttr_seconds": None, "impact_hours": 0.0, "band": None},
    ]  # fmt: skip


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(_JSON)
def test_dumps_writes_plain_data_exactly_as_json_dumps_with_indent_2(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_csv_has_one_line_per_row_with_exact_numbers_and_empty_cells_for_nothing() -> None:
    assert report_csv(BY_SERVICE).splitlines() == [
        "service,bucket,incidents,open,oldest_open_seconds,ttr_median_seconds,"
        "ttr_mean_seconds,ttr_p90_seconds,impact_hours,band",
        "(all),,5,1,1036800.0,6300.0,68400.0,259200.0,364.0,high",
        "checkout,,3,0,,5400.0,4800.0,7200.0,4.0,high",
        "payments,,2,1,1036800.0,5400.0,5400.0,5400.0,289.5,high",
        ",,1,0,,259200.0,259200.0,259200.0,72.0,medium",
    ]


def test_markdown_is_a_table_with_escaped_pipes_and_no_escape_codes() -> None:
    odd = [rec("p", "2026-03-05T00:00:00Z", 10, services=["a|b"], name="x")]
    text = report_markdown(build(odd, MARCH, NOW, [Dimension("service")]))
    assert "| service | incidents | open |" in text
    assert "|---|---:|---:|" in text
    assert "| a\\|b | 1 | 0 | - | 10m | 10m | 10m | 0.17 | elite |" in text
    assert "\x1b" not in text


def test_html_is_one_page_that_loads_nothing_from_anywhere() -> None:
    window = window_from("2026-03-01", "2026-03-31", UTC, 0)
    page = report_html(build(MARCH_INCIDENTS, window, NOW, [Dimension("service")], "week"))
    assert page.startswith("<!DOCTYPE html>")
    for outside in ("<script", "src=", "href=", "url(", "@import", "<link"):
        assert outside not in page
    assert page.count("<svg") == 4  # medians per group, medians over time, counts, open ages


def test_html_charts_carry_the_numbers_of_the_table() -> None:
    window = window_from("2026-03-01", "2026-03-31", UTC, 0)
    page = report_html(build(MARCH_INCIDENTS, window, NOW, [Dimension("service")], "week"))
    assert "checkout, 2026-03-02: median 1h (high), 2 resolved" in page
    assert "2026-03-16: 1 incidents, 1 still open" in page
    assert ">12d, payments / prod<" in page


def test_html_escapes_what_the_incidents_say() -> None:
    odd = [rec("p", "2026-03-05T00:00:00Z", None, services=["<b>x</b>"], name="<script>")]
    page = report_html(build(odd, MARCH, NOW, [Dimension("service")], "week"))
    assert "<script" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


@pytest.mark.parametrize(("days", "bucket"), [(90, "week"), (183, "week"), (184, "month")])
def test_html_charts_use_weeks_up_to_half_a_year_and_months_beyond(days: int, bucket: str) -> None:
    assert natural_bucket(days * DAY_NS) == bucket


def test_the_readmes_worked_example_is_what_the_report_prints() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    command = "$ dorasync report --by service --since 2026-03-01 --until 2026-03-31\n"
    shown = readme.split(command)[1].split("```")[0]
    assert report_text(BY_SERVICE).startswith(shown)
