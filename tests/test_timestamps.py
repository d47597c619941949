"""Timestamps in, exact integer nanoseconds out (product.md "Timestamps")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorasync.timestamps import (
    MAX_S,
    MIN_S,
    NS_PER_S,
    TimestampError,
    datetime_to_ns,
    epoch_to_ns,
    format_ns,
)

NOV_20 = int(datetime(2026, 11, 20, 13, 2, tzinfo=UTC).timestamp()) * NS_PER_S


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T13:02:00Z", NOV_20),
        ("2026-11-20t13:02:00z", NOV_20),
        ("2026-11-20 13:02:00Z", NOV_20),
        ("2026-11-20T15:02:00+02:00", NOV_20),
        ("2026-11-20T15:02:00+0200", NOV_20),
        ("2026-11-20T08:32:00-04:30", NOV_20),
        ("2026-11-20T13:02:00.5Z", NOV_20 + 500_000_000),
        ("2026-11-20T13:02:00.000000001Z", NOV_20 + 1),
        ("2026-11-20T13:02:00.123456789Z", NOV_20 + 123_456_789),
        ("2026-11-20T13:02:00.1234567890Z", NOV_20 + 123_456_789),
        ("2026-11-20T13:02:00,25Z", NOV_20 + 250_000_000),
    ],
)
def test_datetime_with_offset_becomes_exact_nanoseconds(text: str, expected: int) -> None:
    assert datetime_to_ns(text) == expected


def test_sub_microsecond_digits_are_kept_where_a_float_would_lose_them() -> None:
    ns = datetime_to_ns("2026-07-11T02:14:09.123456789-04:00")
    assert ns % 1000 == 789
    assert ns == 1_783_750_449_123_456_789


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-20T13:02:00", "no UTC offset"),
        ("2026-11-20", "date without a time"),
        ("yesterday", "not a date-time"),
        ("2026-02-30T00:00:00Z", "not a valid date-time"),
        ("2026-11-20T24:00:00Z", "not a valid date-time"),
        ("2026-11-20T13:02:60Z", "not a valid date-time"),
        ("2026-11-20T13:02:00+25:00", "impossible UTC offset"),
        ("1999-12-31T23:59:59Z", "outside the years 2000 to 2100"),
        ("2100-01-01T00:00:00Z", "outside the years 2000 to 2100"),
        ("2026-11-20T13:02:00.1234567891Z", "more precise than a nanosecond"),
        ("2001-12-14 21:59:43.10 -5", "not a date-time"),
        ("\u0662\u0660\u0662\u0666-01-01T00:00:00Z", "not a date-time"),
    ],
)
def test_ambiguous_or_impossible_datetimes_are_refused_with_the_reason(
    text: str, reason: str
) -> None:
    with pytest.raises(TimestampError, match=reason):
        datetime_to_ns(text)


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        (1_707_842_944, 1_707_842_944_000_000_000),
        (1_707_842_944_500, 1_707_842_944_500_000_000),
        (1_707_842_944_500_000_123, 1_707_842_944_500_000_123),
        (MIN_S, MIN_S * NS_PER_S),
        (MAX_S - 1, (MAX_S - 1) * NS_PER_S),
        (MIN_S * 1000, MIN_S * NS_PER_S),
        (MIN_S * NS_PER_S, MIN_S * NS_PER_S),
    ],
)
def test_epoch_unit_is_told_by_its_size(epoch: int, expected: int) -> None:
    assert epoch_to_ns(epoch) == expected


def test_microsecond_epoch_is_refused_because_the_api_does_not_take_it() -> None:
    with pytest.raises(TimestampError, match="microseconds"):
        epoch_to_ns(1_707_842_944_500_000)


@pytest.mark.parametrize("epoch", [0, 1, MIN_S - 1, MAX_S, 99_999_999_999, 10**20])
def test_epoch_outside_2000_to_2100_is_refused(epoch: int) -> None:
    with pytest.raises(TimestampError, match="between 2000 and 2100"):
        epoch_to_ns(epoch)


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (NOV_20, "2026-11-20T13:02:00Z"),
        (NOV_20 + 500_000_000, "2026-11-20T13:02:00.500Z"),
        (NOV_20 + 123_456_789, "2026-11-20T13:02:00.123456789Z"),
        (NOV_20 + 1_000, "2026-11-20T13:02:00.000001Z"),
    ],
)
def test_format_shows_utc_with_every_nonzero_digit(ns: int, text: str) -> None:
    assert format_ns(ns) == text


@given(st.integers(min_value=MIN_S * NS_PER_S, max_value=MAX_S * NS_PER_S - 1))
def test_format_then_parse_gives_back_the_same_nanosecond(ns: int) -> None:
    assert datetime_to_ns(format_ns(ns)) == ns
