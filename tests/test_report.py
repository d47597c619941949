"""The report's core: exact statistics, bands, groups and buckets, against hand-computed tables."""

from __future__ import annotations

import statistics
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorasync.report import (
    DAY_NS,
    HOUR_NS,
    WEEK_NS,
    Dimension,
    Record,
    Report,
    Stats,
    TimeToRestore,
    build,
    median,
    p90,
    parse_dimension,
    time_to_restore,
)
from dorasync.timestamps import NS_PER_S, datetime_to_ns
from dorasync.window import Window
from tests.report_cases import MARCH, MARCH_INCIDENTS, MINUTE, NOW, UTC, rec


def by_group(report: Report) -> dict[tuple[str | None, ...], Stats]:
    return {tuple(v for _, v in r.by): r.stats for r in report.rows if r.bucket is None}


def ttr(median_min: Fraction | int, mean_min: int, p90_min: int) -> TimeToRestore:
    return TimeToRestore(Fraction(median_min) * MINUTE, mean_min * MINUTE, p90_min * MINUTE)


def test_report_by_service_matches_the_hand_computed_table() -> None:
    report = build(MARCH_INCIDENTS, MARCH, NOW, [Dimension("service")])
    assert by_group(report) == {
        (): Stats(5, 1, 12 * DAY_NS, ttr(105, 1140, 4320), (4560 + 288 * 60) * MINUTE),
        ("checkout",): Stats(3, 0, None, ttr(90, 80, 120), 240 * MINUTE),
        ("payments",): Stats(2, 1, 12 * DAY_NS, ttr(90, 90, 90), (90 + 288 * 60) * MINUTE),
        (None,): Stats(1, 0, None, ttr(4320, 4320, 4320), 72 * HOUR_NS),
    }
    assert [r.stats.band for r in report.rows] == ["high", "high", "high", "medium"]


def test_the_whole_window_group_comes_first_and_has_no_values() -> None:
    report = build(MARCH_INCIDENTS, MARCH, NOW, [Dimension("service")])
    assert (report.rows[0].by, report.rows[0].bucket) == ((), None)
    assert report.totals() is report.rows[0].stats


def test_an_incident_with_several_services_counts_once_for_each() -> None:
    report = build(MARCH_INCIDENTS[1:2], MARCH, NOW, [Dimension("service")])
    assert {k: s.incidents for k, s in by_group(report).items()} == {
        (): 1,
        ("checkout",): 1,
        ("payments",): 1,
    }


def test_the_window_holds_since_and_leaves_out_until() -> None:
    window = Window(datetime_to_ns("2026-03-02T10:00:00Z"), NOW, UTC)
    report = build(MARCH_INCIDENTS, window, NOW)
    assert report.totals().incidents == 5  # a starts exactly at since; at-until is out


def test_an_empty_window_gives_one_group_of_zeros() -> None:
    report = build([], MARCH, NOW, [Dimension("team")])
    assert [(r.by, r.bucket, r.stats) for r in report.rows] == [((), None, Stats())]
    assert (report.totals().band, report.open_incidents) == (None, ())


def test_a_single_incident_is_its_own_median_mean_and_p90() -> None:
    report = build([rec("x", "2026-03-05T00:00:00Z", 42)], MARCH, NOW)
    assert report.totals() == Stats(1, 0, None, ttr(42, 42, 42), 42 * MINUTE)
    assert report.totals().band == "elite"


def test_open_incidents_count_age_and_impact_up_to_now_but_have_no_time_to_restore() -> None:
    only_open = [rec("d", "2026-03-20T00:00:00Z", services=["payments"])]
    report = build(only_open, MARCH, NOW)
    assert report.totals() == Stats(1, 1, 12 * DAY_NS, None, 12 * DAY_NS)
    assert [(o.key, o.age_ns) for o in report.open_incidents] == [("d", 12 * DAY_NS)]


def test_open_incidents_are_listed_oldest_first() -> None:
    report = build([*MARCH_INCIDENTS, rec("z", "2026-03-30T00:00:00Z")], MARCH, NOW)
    assert [o.key for o in report.open_incidents] == ["d", "z"]


def test_a_team_only_incident_grouped_by_service_is_counted_under_no_value() -> None:
    report = build(MARCH_INCIDENTS, MARCH, NOW, [Dimension("service")])
    assert report.rows[-1].by == (("service", None),)


def test_grouping_by_a_tag_counts_each_value_of_that_key() -> None:
    tagged = rec("t", "2026-03-05T00:00:00Z", 10, custom_tags=["cause:db", "cause:net", "x:y"])
    report = build(
        [tagged, rec("u", "2026-03-06T00:00:00Z", 20)], MARCH, NOW, [Dimension("tag:cause")]
    )
    assert {k: s.incidents for k, s in by_group(report).items()} == {
        (): 2,
        ("db",): 1,
        ("net",): 1,
        (None,): 1,
    }


def test_grouping_by_two_fields_gives_each_combination() -> None:
    dims = [Dimension("service"), Dimension("severity")]
    rows = [
        rec("p", "2026-03-05T00:00:00Z", 10, services=["a", "b"], severity="SEV-1"),
        rec("q", "2026-03-06T00:00:00Z", 20, services=["a"], severity="SEV-2"),
    ]
    assert sorted(by_group(build(rows, MARCH, NOW, dims)), key=str) == sorted(
        [(), ("a", "SEV-1"), ("a", "SEV-2"), ("b", "SEV-1")], key=str
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [("service", "service"), ("team", "team"), ("env", "env"), ("severity", "severity"),
     ("tag:cause", "tag:cause")],
)  # fmt: skip
def test_a_grouping_names_a_field_or_a_tag_key(text: str, name: str) -> None:
    assert parse_dimension(text).name == name


@pytest.mark.parametrize("text", ["services", "tag:", "name", ""])
def test_an_unknown_grouping_says_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="use one of service, team, env, severity, or tag:KEY"):
        parse_dimension(text)


def test_median_time_to_restore_of_an_odd_count_is_the_middle_value() -> None:
    assert median([1, 5, 100]) == 5


def test_median_time_to_restore_of_an_even_count_is_the_exact_mean_of_the_middle_two() -> None:
    assert median([3_723 * NS_PER_S, 3_724 * NS_PER_S + 1]) == Fraction(7_447_000_000_001, 2)


def test_durations_are_exact_even_where_a_float_timestamp_would_drift() -> None:
    # 1783750449123456789 is not a float64: as floats, finished - started is 0 or 256.
    start = 1_783_750_449_123_456_789
    record = Record("x", {"started_at": start, "finished_at": start + 1})
    window = Window(start, start + 1_000, UTC)
    total = build([record], window, start + 1_000).totals()
    assert total.ttr == TimeToRestore(Fraction(1), 1, 1)


@given(st.lists(st.integers(0, 10**15), min_size=1, max_size=50))
def test_median_equals_the_exact_median_of_fractions(durations: list[int]) -> None:
    assert median(sorted(durations)) == statistics.median(map(Fraction, durations))


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, 1), (2, 2), (3, 3), (5, 5), (9, 9), (10, 9), (11, 10), (19, 18), (20, 18), (21, 19)],
)
def test_p90_is_the_nearest_rank_ceil_of_nine_tenths_of_the_count(n: int, expected: int) -> None:
    assert p90(list(range(1, n + 1))) == expected


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=60))
def test_p90_has_at_least_nine_tenths_of_the_values_at_or_below_it(durations: list[int]) -> None:
    value, n = p90(sorted(durations)), len(durations)
    assert 10 * sum(d <= value for d in durations) >= 9 * n
    assert 10 * sum(d < value for d in durations) < 9 * n


@pytest.mark.parametrize(
    ("durations", "mean"), [([1, 2], 2), ([0, 1], 0), ([1, 2, 2], 2), ([10, 20, 40], 23)]
)
def test_mean_is_rounded_to_the_nearest_nanosecond_halves_to_even(
    durations: list[int], mean: int
) -> None:
    result = time_to_restore(durations)
    assert result is not None
    assert result.mean == mean


@pytest.mark.parametrize(
    ("median_ns", "band"),
    [
        (0, "elite"),
        (HOUR_NS - 1, "elite"),
        (HOUR_NS, "high"),
        (DAY_NS - 1, "high"),
        (DAY_NS, "medium"),
        (WEEK_NS - 1, "medium"),
        (WEEK_NS, "low"),
        (30 * DAY_NS, "low"),
    ],
)
def test_band_of_the_median_is_elite_under_an_hour_high_under_a_day_medium_under_a_week(
    median_ns: int, band: str
) -> None:
    assert TimeToRestore(Fraction(median_ns), 0, 0).band == band


def test_a_median_half_a_nanosecond_under_an_hour_is_still_elite() -> None:
    result = time_to_restore([HOUR_NS - 1, HOUR_NS])
    assert result is not None
    assert (result.median, result.band) == (Fraction(2 * HOUR_NS - 1, 2), "elite")
