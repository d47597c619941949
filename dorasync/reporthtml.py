"""Core: the report as one self-contained HTML page: inline CSS and SVG, no script, no network."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Literal

from dorasync import __version__
from dorasync.charts import (
    ALL_COLOUR,
    BAND_COLOURS,
    PALETTE,
    Point,
    Series,
    count_bars,
    duration_bars,
    ttr_lines,
)
from dorasync.report import DAY_NS, Group, Report, Row, Stats
from dorasync.reportformats import (
    bucket_label,
    cells,
    columns,
    duration,
    group_cells,
    where,
)
from dorasync.reportjson import hours
from dorasync.window import format_local

MAX_SERIES = len(PALETTE)  # more lines than colours would be a tangle nobody reads
MAX_BARS = 25
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0;
background:#f6f7f9}
main{max-width:920px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.1em;margin:0 0 8px}
.sub{color:#555;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin-bottom:20px}
.card,section{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:14px}
section{margin-bottom:20px}
.card b{display:block;font-size:1.6em;margin-top:4px}.card small{color:#666}
.band{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:.85em}
.legend{list-style:none;padding:0;margin:0 0 6px;display:flex;flex-wrap:wrap;gap:4px 14px}
.legend span{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px}
table{border-collapse:collapse;width:100%;font-size:.85em}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.group td{border-top:2px solid #ccd}
.note{color:#666;font-size:.85em}dd{margin:0 0 8px 0}dt{font-weight:600}
"""


def natural_bucket(window_ns: int) -> Literal["week", "month"]:
    """Charts over time need buckets: weeks for up to half a year, months beyond."""
    return "week" if window_ns <= 183 * DAY_NS else "month"


def report_html(report: Report) -> str:
    w = report.window
    title = f"DORA report, {format_local(w.since_ns, w.tz)} to {format_local(w.until_ns, w.tz)}"
    by = " and ".join(d.name for d in report.dimensions) or "nothing"
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">Incidents that started in the window, time zone {escape(w.tz.key)}, '
        f"grouped by {escape(by)}. Made by dorasync {__version__} at "
        f"{escape(format_local(report.now_ns, w.tz))}.</p>",
        _cards(report.totals()),
        *_charts(report),
        _table(report),
        _definitions(),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n"
        "<body><main>\n" + "\n".join(parts) + "\n</main></body></html>\n"
    )


def _badge(band: str | None) -> str:
    if band is None:
        return "-"
    return f'<span class="band" style="background:{BAND_COLOURS[band]}">{band}</span>'


def _cards(total: Stats) -> str:
    oldest = f"oldest {duration(total.oldest_open_ns)}" if total.oldest_open_ns else "none open"
    ttr = total.ttr
    cards = [
        ("Incidents", str(total.incidents), f"{total.incidents - total.open} resolved"),
        ("Open now", str(total.open), oldest),
        ("Median time to restore", duration(ttr.median) if ttr else "-", _badge(total.band)),
        ("p90 time to restore", duration(ttr.p90) if ttr else "-", "nearest rank"),
        ("Impact", f"{hours(total.impact_ns):.1f} h", "summed durations"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><small>{escape(name)}</small><b>{escape(value)}</b>'
            f"<small>{note}</small></div>"
            for name, value, note in cards
        )
        + "</div>"
    )


def _section(title: str, body: str, note: str = "") -> str:
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{body}{extra}</section>"


def _by_group(report: Report) -> dict[Group, list[Row]]:
    groups: dict[Group, list[Row]] = {}
    for row in report.rows:
        groups.setdefault(row.by, []).append(row)
    return groups


def _label(report: Report, group: Group) -> str:
    return " / ".join(group_cells(report, group)) if group else "all incidents"


def _charts(report: Report) -> list[str]:
    groups = _by_group(report)
    # The busiest groups get the colours; the rest are in the table below.
    busiest = sorted((g for g in groups if g), key=lambda g: -groups[g][0].stats.incidents)
    shown = busiest[: MAX_SERIES - 1]
    out = []
    if report.dimensions:
        out.append(_medians(report, groups, busiest[:MAX_BARS]))
    if report.bucket:
        out.append(_over_time(report, groups, [(), *shown], len(busiest) - len(shown)))
        out.append(_per_bucket(report, groups[()]))
    if report.open_incidents:
        out.append(_open(report))
    return out


def _medians(report: Report, groups: dict[Group, list[Row]], order: Sequence[Group]) -> str:
    items = [
        (_label(report, g), s.ttr.median, BAND_COLOURS[s.ttr.band],
         f"{duration(s.ttr.median)} ({s.ttr.band}), {s.incidents - s.open} resolved")
        for g in order
        if (s := groups[g][0].stats).ttr
    ]  # fmt: skip
    if not items:
        return _section("Median time to restore per group", "<p>No resolved incident.</p>")
    chart = duration_bars("Median time to restore per group, whole window", items)
    return _section("Median time to restore per group", chart, "Logarithmic scale; bands shaded.")


def _over_time(report: Report, groups: dict[Group, list[Row]], shown: Sequence[Group],
               hidden: int) -> str:  # fmt: skip
    labels = [bucket_label(report, r.bucket) for r in groups[()][1:]]
    series = []
    for i, group in enumerate(shown):
        name = _label(report, group)
        points = [
            Point(r.stats.ttr.median, f"{name}, {label}: median {duration(r.stats.ttr.median)} "
                  f"({r.stats.ttr.band}), {r.stats.incidents - r.stats.open} resolved")
            if r.stats.ttr else None
            for r, label in zip(groups[group][1:], labels, strict=True)
        ]  # fmt: skip
        series.append(Series(name, ALL_COLOUR if not group else PALETTE[i - 1], points))
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li><span style="background:{s.colour}"></span>{escape(s.label)}</li>' for s in series
        )
        + "</ul>"
    )
    note = "Logarithmic scale; a gap is a bucket with no resolved incident."
    if hidden:
        note += f" {hidden} smaller group{'s' if hidden != 1 else ''} only in the table."
    chart = ttr_lines(f"Median time to restore per {report.bucket}", labels, series)
    return _section(f"Median time to restore per {report.bucket}", legend + chart, note)


def _per_bucket(report: Report, rows: Sequence[Row]) -> str:
    buckets = rows[1:]
    labels = [bucket_label(report, r.bucket) for r in buckets]
    notes = [f"{label}: {r.stats.incidents} incidents, {r.stats.open} still open"
             for label, r in zip(labels, buckets, strict=True)]  # fmt: skip
    chart = count_bars(
        f"Incidents per {report.bucket}",
        labels,
        [r.stats.incidents for r in buckets],
        [r.stats.open for r in buckets],
        notes,
    )
    legend = (
        '<ul class="legend"><li><span style="background:#4e79a7"></span>resolved</li>'
        '<li><span style="background:#e15759"></span>still open</li></ul>'
    )
    return _section(f"Incidents per {report.bucket}", legend + chart)


def _open(report: Report) -> str:
    shown = report.open_incidents[:MAX_BARS]
    items = [
        (
            o.attributes.get("name") or o.key,
            o.age_ns,
            "#e15759",
            f"{duration(o.age_ns)}, {where(o)}",
        )
        for o in shown
    ]
    chart = duration_bars("Open incidents by age", items)
    more = len(report.open_incidents) - len(shown)
    note = "Age: now minus started_at." + (f" {more} more in the JSON output." if more else "")
    return _section(f"Open incidents ({len(report.open_incidents)})", chart, note)


def _table(report: Report) -> str:
    head = columns(report)
    numeric = {"incidents", "open", "oldest open", "median TTR", "mean TTR", "p90 TTR", "impact h"}
    ths = "".join(f'<th class="{"n" if h in numeric else ""}">{escape(h)}</th>' for h in head)
    trs = []
    for row in report.rows:
        values = cells(report, row)
        tds = "".join(
            f'<td class="n">{escape(v)}</td>' if h in numeric else f"<td>{escape(v)}</td>"
            for h, v in zip(head[:-1], values[:-1], strict=True)
        )
        first = row.bucket is None and report.bucket is not None and row.by
        trs.append(
            f'<tr class="{"group" if first else ""}">{tds}<td>{_badge(row.stats.band)}</td></tr>'
        )
    table = f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(trs)}</tbody></table>"
    return _section("All numbers", f'<div style="overflow-x:auto">{table}</div>')


def _definitions() -> str:
    items = [
        ("Incidents", "declared incidents whose started_at is in the window; an incident "
         "with several values (services, tags) counts once in each group."),
        ("Open", "incidents with no finished_at; their age is now minus started_at."),
        ("Time to restore (TTR)", "finished_at minus started_at of the resolved incidents. "
         "Median as Datadog reports it (the mean of the two middle values for an even "
         "count), mean, and p90 by nearest rank."),
        ("Band", "DORA band of the median: elite under 1 hour, high under 1 day, medium "
         "under 1 week, low from 1 week."),
        ("Impact", "the summed durations, open incidents counted up to now."),
    ]  # fmt: skip
    body = "<dl>" + "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in items)
    return _section("Definitions", body + "</dl>")
