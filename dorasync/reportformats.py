"""Core: the report as people read it: an aligned text table, Markdown, and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from dorasync.report import Group, OpenIncident, Report, Row, Stats
from dorasync.reportjson import hours, number, ratio, recovery_data, seconds, ttr_data
from dorasync.timestamps import NS_PER_S
from dorasync.window import format_local, local_date

ALL, NONE, EMPTY = "(all)", "(none)", "-"
_NUMERIC = {"incidents", "open", "oldest open", "median TTR", "mean TTR", "p90 TTR", "impact h"}
_NUMERIC |= {"deploys", "CFR", "median recovery"}
DEPLOY_COLUMNS = ["deploys", "CFR", "median recovery"]


def percent(rate: Fraction | None) -> str:
    """A change failure rate as people read it: 25.0%, to a tenth of a percent."""
    if rate is None:
        return EMPTY
    exact = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return f"{exact.quantize(Decimal('0.1'))}%"


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
    deploys = ""
    if report.has_deployments:
        deploys = (
            f"; {total.deployments} deployment{'s' if total.deployments != 1 else ''}, "
            f"change failure rate {percent(total.change_failure_rate)}"
        )
    return (
        f"{format_local(w.since_ns, w.tz)} to {format_local(w.until_ns, w.tz)} ({w.tz.key}): "
        f"{total.incidents} incident{'s' if total.incidents != 1 else ''}, {total.open} open, "
        f"{restore}{deploys}"
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
        *(DEPLOY_COLUMNS if report.has_deployments else []),
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
    out += [str(s.incidents), str(s.open), oldest, *ttr, impact, s.band or EMPTY]
    if report.has_deployments:
        recovery = duration(s.recovery.median) if s.recovery else EMPTY
        out += [str(s.deployments), percent(s.change_failure_rate), recovery]
    return out


def shown_rows(report: Report) -> list[Row]:
    """The rows a person reads: a group's empty buckets are left out (the whole window's
    timeline keeps them); CSV, JSON and HTML keep every row."""
    return [
        r
        for r in report.rows
        if not r.by or r.bucket is None or r.stats.incidents or r.stats.deployments
    ]


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
        *([CFR_NOTE] if report.has_deployments else []),
    ]
    return "\n".join(out) + "\n"


CFR_NOTE = (
    "CFR: change failure rate = deployments marked as change failures (named by an "
    "incident's caused_by) / deployments finished in the window; recovery = from a "
    "failed deployment's finish to its remediation deployment's."
)


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


CSV_DEPLOY_COLUMNS = [
    "deployments",
    "change_failures",
    "change_failure_rate",
    "recovery_median_seconds",
    "recovery_mean_seconds",
    "recovery_p90_seconds",
]


def _deploy_csv(stats: Stats) -> list[object]:
    rate = stats.change_failure_rate
    recovery = recovery_data(stats)
    times = [number(recovery[k]) for k in ("median", "mean", "p90")] if recovery else [""] * 3
    return [
        stats.deployments,
        stats.change_failures,
        "" if rate is None else number(ratio(rate)),
        *times,
    ]


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
            *(CSV_DEPLOY_COLUMNS if report.has_deployments else []),
        ]
    )
    for r in report.rows:
        by = [ALL] * len(dims) if not r.by else [v or "" for _, v in r.by]
        s, ttr = r.stats, ttr_data(r.stats)
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
                *(_deploy_csv(s) if report.has_deployments else []),
            ]
        )
    return buf.getvalue()
