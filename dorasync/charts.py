"""Core: small SVG charts drawn by hand, so the HTML report opens offline with no library.

Durations are drawn on a logarithmic scale with DORA's bands shaded behind them: time
to restore spans minutes to weeks, and on a linear axis everything under a day would
be a flat line at the bottom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from dorasync.report import BANDS, DAY_NS, HOUR_NS, WEEK_NS
from dorasync.timestamps import NS_PER_S

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#edc948")
ALL_COLOUR = "#222222"
BAND_COLOURS = {"elite": "#1a9850", "high": "#66bd63", "medium": "#f39c12", "low": "#d73027"}
_MINUTE = 60 * NS_PER_S
_TICKS = (
    (NS_PER_S, "1s"), (10 * NS_PER_S, "10s"), (_MINUTE, "1m"), (10 * _MINUTE, "10m"),
    (HOUR_NS, "1h"), (6 * HOUR_NS, "6h"), (DAY_NS, "1d"), (WEEK_NS, "1w"),
    (30 * DAY_NS, "30d"), (365 * DAY_NS, "1y"), (10 * 365 * DAY_NS, "10y"),
)  # fmt: skip
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True, slots=True)
class Point:
    """One value and the sentence shown when the pointer rests on it."""

    ns: int | Fraction
    note: str


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    colour: str
    points: Sequence[Point | None]


class LogScale:
    """Durations to pixels; the range always shows the 1 h, 1 day and 1 week bounds."""

    def __init__(self, values: Sequence[int | Fraction], start: float, end: float) -> None:
        lo = min([*values, 10 * _MINUTE])
        hi = max([*values, WEEK_NS])
        self.lo = max(t for t, _ in _TICKS if t <= max(lo, NS_PER_S))
        self.hi = min((t for t, _ in _TICKS if t >= hi), default=_TICKS[-1][0])
        self.start, self.end = start, end

    def __call__(self, ns: int | Fraction) -> float:
        value = min(max(float(ns), self.lo), self.hi)
        share = math.log(value / self.lo) / math.log(self.hi / self.lo)
        return self.start + share * (self.end - self.start)

    def ticks(self) -> list[tuple[float, str]]:
        return [(self(t), text) for t, text in _TICKS if self.lo <= t <= self.hi]

    def bands(self) -> list[tuple[float, float, str]]:
        """Each band's span in pixels: elite below 1 h, ... low from a week on."""
        bounds = [self.lo, *(b for _, b in BANDS), self.hi]
        names = [n for n, _ in BANDS] + ["low"]
        return [
            (self(a), self(b), name)
            for a, b, name in zip(bounds[:-1], bounds[1:], names, strict=True)
            if a < b
        ]


def svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" {_FONT}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(text)}</text>'


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float) -> list[str]:
    step = max(1, math.ceil(len(labels) / 12))  # at most about 12 labels fit
    return [_text(x, y, t, "middle") for i, (x, t) in enumerate(zip(xs, labels, strict=True))
            if i % step == 0]  # fmt: skip


def ttr_lines(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Median time to restore per bucket, one line per group, over the band zones."""
    width, height, left, right, top, bottom = 860, 320, 64, 70, 12, 36
    values = [p.ns for s in series for p in s.points if p]
    y = LogScale(values, height - bottom, top)
    xs = _spread(len(labels), left, width - right)
    body = _band_zones_y(y, left, width - right)
    body += [
        f'<line x1="{left}" x2="{width - right}" y1="{py:.1f}" y2="{py:.1f}" stroke="#ccc"/>'
        + _text(left - 6, py + 4, t, "end")
        for py, t in y.ticks()
    ]
    body += _x_labels(labels, xs, height - bottom + 18)
    # Every incident's line last, as rings, so it shows over the groups it sums up.
    for s in sorted(series, key=lambda s: s.colour == ALL_COLOUR):
        body += _polyline(s, xs, y)
    return svg(width, height, title, body)


def _spread(n: int, start: float, end: float) -> list[float]:
    if n == 1:
        return [(start + end) / 2]
    return [start + i * (end - start) / (n - 1) for i in range(n)]


def _band_zones_y(y: LogScale, x0: float, x1: float) -> list[str]:
    out = []
    for a, b, name in y.bands():
        top, bottom = min(a, b), max(a, b)
        out.append(
            f'<rect x="{x0}" y="{top:.1f}" width="{x1 - x0}" height="{bottom - top:.1f}" '
            f'fill="{BAND_COLOURS[name]}" fill-opacity="0.10"/>'
        )
        out.append(_text(x1 + 6, (top + bottom) / 2 + 4, name, extra='fill="#555"'))
    return out


def _polyline(s: Series, xs: Sequence[float], y: LogScale) -> list[str]:
    out: list[str] = []
    run: list[tuple[float, float]] = []
    dash = ' stroke-dasharray="5 4"' if s.colour == ALL_COLOUR else ""
    for x, p in [*zip(xs, s.points, strict=True), (0.0, None)]:
        if p is None:
            if len(run) > 1:  # a bucket with no resolved incident breaks the line
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                out.append(
                    f'<polyline points="{pts}" fill="none" stroke="{s.colour}" '
                    f'stroke-width="2"{dash}/>'
                )
            run = []
            continue
        run.append((x, y(p.ns)))
        fill = "none" if dash else s.colour
        out.append(
            f'<circle cx="{x:.1f}" cy="{y(p.ns):.1f}" r="{6 if dash else 4}" fill="{fill}" '
            f'stroke="{s.colour}" stroke-width="2"><title>{escape(p.note)}</title></circle>'
        )
    return out


def count_bars(title: str, labels: Sequence[str], totals: Sequence[int], opens: Sequence[int],
               notes: Sequence[str]) -> str:  # fmt: skip
    """Incidents per bucket, the still-open ones as the darker top of each bar."""
    width, height, left, right, top, bottom = 860, 240, 64, 20, 16, 36
    peak = max([*totals, 1])
    step = max(1, math.ceil(peak / 5))
    scale = (height - bottom - top) / (math.ceil(peak / step) * step)
    xs = _spread(len(labels), left + 20, width - right - 20)
    bar = min(40.0, (width - left - right) / max(len(labels), 1) * 0.7)
    body = [
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom - v * scale:.1f}" '
        f'y2="{height - bottom - v * scale:.1f}" stroke="#ddd"/>'
        + _text(left - 6, height - bottom - v * scale + 4, str(v), "end")
        for v in range(0, peak + step, step)
    ]
    for x, total, still, note in zip(xs, totals, opens, notes, strict=True):
        y0 = height - bottom
        for count, shift, colour in ((total, 0, "#4e79a7"), (still, total - still, "#e15759")):
            if count:
                h, base = count * scale, y0 - shift * scale
                body.append(
                    f'<rect x="{x - bar / 2:.1f}" y="{base - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{escape(note)}</title></rect>'
                )
        if total:
            body.append(_text(x, y0 - total * scale - 4, str(total), "middle"))
    body += _x_labels(labels, xs, height - bottom + 18)
    return svg(width, height, title, body)


def duration_bars(title: str, items: Sequence[tuple[str, int | Fraction, str, str]]) -> str:
    """Horizontal bars on the duration scale: (label, value, colour, text at the bar's end)."""
    width, left, right, row = 860, 260, 110, 26
    height = 30 + row * len(items)
    x = LogScale([v for _, v, _, _ in items], left, width - right)
    body = []
    for a, b, name in x.bands():
        body.append(
            f'<rect x="{a:.1f}" y="0" width="{b - a:.1f}" height="{height - 22}" '
            f'fill="{BAND_COLOURS[name]}" fill-opacity="0.10"/>'
        )
        body.append(_text((a + b) / 2, 12, name, "middle", 'fill="#555"'))
    body += [_text(px, height - 6, t, "middle", 'fill="#555"') for px, t in x.ticks()]
    for i, (label, value, colour, note) in enumerate(items):
        top, end = 20 + i * row, max(x(value), left + 2)
        body.append(_text(left - 8, top + 15, _fit(label, left - 12), "end"))
        body.append(
            f'<rect x="{left}" y="{top + 3}" width="{end - left:.1f}" height="16" '
            f'fill="{colour}"><title>{escape(label)}: {escape(note)}</title></rect>'
        )
        if end - left > (width - left) * 0.6:  # a long bar holds its own note
            body.append(_text(end - 6, top + 15, _fit(note, end - left - 12), "end", 'fill="#fff"'))
        else:
            body.append(_text(end + 6, top + 15, _fit(note, width - end - 8)))
    return svg(width, height, title, body)


def _fit(text: str, pixels: float) -> str:
    """Cut a text to about the width given (7 px a character at 12 px), with an ellipsis."""
    room = max(int(pixels // 7), 1)
    return text if len(text) <= room else text[: room - 1] + "…"
