"""Core: timestamps in, integer nanoseconds out, with no float anywhere on the way.

Rules: ../docs/product.md "Timestamps". The API takes seconds, milliseconds or
nanoseconds (the seed's field table) and every official client sends nanoseconds,
so dorasync always sends nanoseconds.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

NS_PER_S = 1_000_000_000
# The accepted window, 2000-01-01 to 2100-01-01 (exclusive), in seconds. Each unit's
# window spans a factor of about 4.3, far less than the 1000 between units, so the
# size of an epoch alone tells its unit.
MIN_S = 946_684_800
MAX_S = 4_102_444_800
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

_DATETIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[Tt ](?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:[.,](?P<frac>\d+))?"
    r"(?P<tz>[Zz]|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))?\Z",
    re.ASCII,  # \d would also take Arabic-Indic and other digits
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
EXAMPLE = "2026-11-20T13:02:00Z"


class TimestampError(ValueError):
    """A timestamp the user wrote that cannot be sent; the message says what to write."""


def epoch_to_ns(value: int) -> int:
    """An integer epoch in s, ms or ns (told apart by size) as nanoseconds."""
    for factor, unit in ((NS_PER_S, "s"), (1_000_000, "ms"), (1_000, "us"), (1, "ns")):
        scale = NS_PER_S // factor
        if MIN_S * scale <= value < MAX_S * scale:
            if unit == "us":
                raise TimestampError(
                    f"{value} looks like a Unix time in microseconds, which the API does "
                    "not take; write it in seconds, milliseconds or nanoseconds"
                )
            return value * factor
    raise TimestampError(
        f"{value} is not a Unix time between 2000 and 2100 in seconds, milliseconds "
        f"or nanoseconds; write e.g. {MIN_S * 2} or {EXAMPLE}"
    )


def datetime_to_ns(text: str) -> int:
    """An RFC 3339 date-time with an offset as nanoseconds since the epoch, exactly."""
    m = _DATETIME.match(text.strip())
    if m is None:
        raise TimestampError(_why_not_a_datetime(text))
    if m["tz"] is None:
        raise TimestampError(
            f"'{text}' has no UTC offset, so the instant is ambiguous; add Z for UTC or "
            f"an offset such as +02:00 (e.g. {text.strip()}Z)"
        )
    y, mo, d, h, mi, s = (int(m[g]) for g in ("y", "mo", "d", "h", "mi", "s"))
    try:
        datetime(y, mo, d, h, mi, s)
    except ValueError as exc:
        raise TimestampError(f"'{text}' is not a valid date-time: {exc}") from None
    offset_s = 0
    if m["sign"]:
        oh, om = int(m["oh"]), int(m["om"])
        if oh > 23 or om > 59:
            raise TimestampError(f"'{text}' has an impossible UTC offset")
        offset_s = (oh * 3600 + om * 60) * (-1 if m["sign"] == "-" else 1)
    frac = m["frac"] or ""
    if len(frac) > 9 and frac[9:].strip("0"):
        raise TimestampError(
            f"'{text}' is more precise than a nanosecond; keep at most 9 fraction digits"
        )
    days = date(y, mo, d).toordinal() - _EPOCH_ORDINAL
    seconds = days * 86_400 + h * 3600 + mi * 60 + s - offset_s
    if not MIN_S <= seconds < MAX_S:
        raise TimestampError(f"'{text}' is outside the years 2000 to 2100")
    return seconds * NS_PER_S + int(frac[:9].ljust(9, "0"))


def _why_not_a_datetime(text: str) -> str:
    if _DATE.match(text.strip()):
        return (
            f"'{text}' is a date without a time of day; write a date-time with an "
            f"offset, e.g. {text.strip()}T00:00:00Z"
        )
    return (
        f"'{text}' is not a date-time; write RFC 3339 with an offset (e.g. {EXAMPLE}) "
        "or an integer Unix time in seconds, milliseconds or nanoseconds"
    )


def format_ns(ns: int) -> str:
    """Nanoseconds as an RFC 3339 UTC string that keeps every non-zero digit."""
    seconds, frac = divmod(ns, NS_PER_S)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        digits = f"{frac:09d}"
        while digits.endswith("000"):
            digits = digits[:-3]
        text += "." + digits
    return text + "Z"
