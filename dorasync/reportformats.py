"""Core: the report as an aligned text table, Markdown, CSV and its stable JSON form.

JSON numbers are written from exact decimals (a custom writer, since the json module
would go through float): a median of 3723.5000000005 seconds stays exactly that.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from dorasync.report import HOUR_NS, Group, OpenIncident, Report, Row, Stats
from dorasync.timestamps import NS_PER_S, format_ns
from dorasync.window import Window, format_local, local_date

ALL, NONE, EMPTY = "(all)", "(none)", "-"
_NUMERIC = {"incidents", "open", "oldest open", "median TTR", "mean TTR", "p90 TTR", "impact h"}


def seconds(ns: Fraction | int) -> Decimal:
    """Nanoseconds as exact decimal seconds (a median is at most half a nanosecond off
    an integer, so this always ends)."""
    value = Fraction(ns)
    with localcontext(prec=60):
        return Decimal(value.numerator) / Decimal(value.denominator) / Decimal(NS_PER_S)


def hours(ns: int) -> Decimal:
    """Nanoseconds as hours, to the nearest billionth of an hour (3.6 microseconds)."""
    with localcontext(prec=60):
        exact = Decimal(ns) / Decimal(HOUR_NS)
        return exact.quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


def number(value: Decimal) -> str:
    """A decimal as a JSON number with no exponent and no trailing zeros: 3600.0, 1.05."""
    text = format(value, "f")
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def duration(ns: Fraction | int) -> str:
    """A duration as people write it: 45s, 42m, 1h05m, 1h05m30s, 3d04h (days to the minute)."""
    if ns == 0:
        return "0s"
    total = round(Fraction(ns) / NS_PER_S)
    if total == 0:
        return "<1s"
    if total >= 86_400:
        total = round(Fraction(total, 60)) * 60
    days, rest = divmod(total, 86_400)
    hours_, rest = divmod(rest, 3600)
    parts = [(days, "d"), (hours_, "h"), *zip(divmod(rest, 60), "ms", strict=True)]
    while parts and parts[0][0] == 0:
        parts.pop(0)
    while parts[-1][0] == 0:
        parts.pop()
    head, *tail = parts
    return f"{head[0]}{head[1]}" + "".join(f"{n:02d}{unit}" for n, unit in tail)


def bucket_label(report: Report, start: int | None) -> str:
    """A bucket as a person names it: the Monday of a week, or the month."""
    if start is None:
        return "all"
    day = local_date(start, report.window.tz)
    return day.isoformat() if report.bucket == "week" else day.strftime("%Y-%m")


def group_cells(report: Report, group: Group) -> list[str]:
    if not group:
        return [ALL] * len(report.dimensions)
    return [NONE if value is None else value for _, value in group]


def headline(report: Report) -> str:
    """The window, and the whole window's numbers in one sentence."""
    w, total = report.window, report.totals()
    ttr = total.ttr
    restore = (
        f"median time to restore {duration(ttr.median)} ({ttr.band})"
        if ttr
        else ("no resolved incident")
    )
    return (
        f"{format_local(w.since_ns, w.tz)} to {format_local(w.until_ns, w.tz)} ({w.tz.key}): "
        f"{total.incidents} incident{'s' if total.incidents != 1 else ''}, {total.open} open, "
        f"{restore}"
    )


def columns(report: Report) -> list[str]:
    names = [d.name for d in report.dimensions]
    if report.bucket:
        names.append("week of" if report.bucket == "week" else "month")
    return [
        *names,
        "incidents",
        "open",
        "oldest open",
        "median TTR",
        "mean TTR",
        "p90 TTR",
        "impact h",
        "band",
    ]


def cells(report: Report, row: Row) -> list[str]:
    """One row as the table shows it; '-' where there is nothing to measure."""
    s = row.stats
    out = group_cells(report, row.by)
    if report.bucket:
        out.append(bucket_label(report, row.bucket))
    ttr = (
        [duration(s.ttr.median), duration(s.ttr.mean), duration(s.ttr.p90)]
        if s.ttr
        else ([EMPTY] * 3)
    )
    oldest = duration(s.oldest_open_ns) if s.oldest_open_ns is not None else EMPTY
    impact = format(hours(s.impact_ns).quantize(Decimal("0.01")), "f")
    return [*out, str(s.incidents), str(s.open), oldest, *ttr, impact, s.band or EMPTY]


def shown_rows(report: Report) -> list[Row]:
    """The rows a person reads: a group's empty buckets are left out (the whole window's
    timeline keeps them); CSV, JSON and HTML keep every row."""
    return [r for r in report.rows if not r.by or r.bucket is None or r.stats.incidents]


def report_text(report: Report) -> str:
    """An aligned table, then the open incidents with their age."""
    head = columns(report)
    kept = shown_rows(report)
    rows = [cells(report, r) for r in kept]
    widths = [max(len(c) for c in col) for col in zip(head, *rows, strict=True)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if name in _NUMERIC else v.ljust(w)
            for name, v, w in zip(head, values, widths, strict=True)
        ).rstrip()

    out = [f"DORA report, {headline(report)}", "", line(head)]
    for row, values in zip(kept, rows, strict=True):
        if report.bucket and row.bucket is None and row.by:
            out.append("")  # with buckets, a blank line between groups keeps them apart
        out.append(line(values))
    out += _open_lines(report)
    out += [
        "",
        "TTR: time to restore = finished_at - started_at of the resolved incidents "
        "(median as Datadog, mean, p90 by nearest rank); see the README, 'dorasync report'.",
    ]
    return "\n".join(out) + "\n"


def _open_lines(report: Report) -> list[str]:
    if not report.open_incidents:
        return []
    now = format_local(report.now_ns // NS_PER_S * NS_PER_S, report.window.tz)
    ages = [duration(o.age_ns) for o in report.open_incidents]
    width = max(map(len, ages))
    return ["", f"Open incidents (age at {now}):"] + [
        f"  {age.rjust(width)}  {o.key}  {describe(o)}"
        for age, o in zip(ages, report.open_incidents, strict=True)
    ]


def where(incident: OpenIncident) -> str:
    """Where an incident hurts: its services (or team), and its env."""
    a = incident.attributes
    text = ", ".join(a.get("services") or ([a["team"]] if a.get("team") else []))
    return text + (f" / {a['env']}" if a.get("env") else "")


def describe(incident: OpenIncident) -> str:
    """An open incident's name and where it hurts."""
    name = incident.attributes.get("name")
    return f"{name}  [{where(incident)}]" if name else f"[{where(incident)}]"


def report_markdown(report: Report) -> str:
    """A heading, the table and the open incidents, for a wiki page or a pull request."""

    def row(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    head = columns(report)
    align = ["---:" if name in _NUMERIC else "---" for name in head]
    out = ["## DORA report", "", headline(report), "", row(head), "|" + "|".join(align) + "|"]
    out += [row(cells(report, r)) for r in shown_rows(report)]
    if report.open_incidents:
        out += ["", "### Open incidents", "", "| age | key | incident |", "|---:|---|---|"]
        out += [row([duration(o.age_ns), o.key, describe(o)]) for o in report.open_incidents]
    out += [
        "",
        "_TTR: time to restore = `finished_at - started_at` of the resolved incidents; "
        "median (as Datadog), mean, p90 by nearest rank._",
    ]
    return "\n".join(out) + "\n"


def report_csv(report: Report) -> str:
    """One line per row with exact numbers; an empty cell is a missing value."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    dims = [d.name for d in report.dimensions]
    writer.writerow(
        [
            *dims,
            "bucket",
            "incidents",
            "open",
            "oldest_open_seconds",
            "ttr_median_seconds",
            "ttr_mean_seconds",
            "ttr_p90_seconds",
            "impact_hours",
            "band",
        ]
    )
    for r in report.rows:
        by = [ALL] * len(dims) if not r.by else [v or "" for _, v in r.by]
        s, ttr = r.stats, _ttr(r.stats)
        writer.writerow(
            [
                *by,
                "" if r.bucket is None else format_local(r.bucket, report.window.tz),
                s.incidents,
                s.open,
                "" if s.oldest_open_ns is None else number(seconds(s.oldest_open_ns)),
                *([number(ttr[k]) for k in ("median", "mean", "p90")] if ttr else ["", "", ""]),
                number(hours(s.impact_ns)),
                s.band or "",
            ]
        )
    return buf.getvalue()


def _ttr(stats: Stats) -> dict[str, Decimal] | None:
    t = stats.ttr
    return (
        {"median": seconds(t.median), "mean": seconds(t.mean), "p90": seconds(t.p90)}
        if t
        else (None)
    )


def report_data(report: Report) -> dict[str, Any]:
    """The documented JSON form (README "dorasync report"), with exact Decimal numbers."""
    tz = report.window.tz
    return {
        "window": window_data(report.window),
        "groups": [
            {
                "by": dict(r.by),
                "bucket": None if r.bucket is None else format_local(r.bucket, tz),
                **stats_data(r.stats),
            }
            for r in report.rows
        ],
        "open_incidents": [_open_data(o) for o in report.open_incidents],
    }


def window_data(window: Window) -> dict[str, str]:
    tz = window.tz
    return {
        "since": format_local(window.since_ns, tz),
        "until": format_local(window.until_ns, tz),
        "tz": tz.key,
    }


def stats_data(stats: Stats) -> dict[str, Any]:
    return {
        "incidents": stats.incidents,
        "open": stats.open,
        "ttr_seconds": _ttr(stats),
        "impact_hours": hours(stats.impact_ns),
        "band": stats.band,
    }


def _open_data(incident: OpenIncident) -> dict[str, Any]:
    a = incident.attributes
    fields = ("name", "services", "team", "env", "severity")
    return {
        "key": incident.key,
        **{f: a.get(f) for f in fields},
        "started_at": format_ns(a["started_at"]),
        "age_seconds": seconds(incident.age_ns),
    }


def dumps(value: Any, indent: int = 2, level: int = 0) -> str:
    """JSON like json.dumps(indent=2), but a Decimal is written exactly, as a number."""
    pad, inner = " " * (indent * level), " " * (indent * (level + 1))
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent, level + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [inner + dumps(v, indent, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def report_json(report: Report) -> str:
    return dumps(report_data(report)) + "\n"
