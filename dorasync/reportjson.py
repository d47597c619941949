"""Core: the report's stable JSON form, and the exact decimals its numbers are written in.

JSON numbers are written from exact decimals (a small writer of its own, since the
json module would go through float): a median of 3723.5000000005 seconds stays exactly
that.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from dorasync.report import HOUR_NS, OpenIncident, Report, Stats
from dorasync.timestamps import NS_PER_S, format_ns
from dorasync.window import Window, format_local


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


def ratio(value: Fraction) -> Decimal:
    """A share, to the nearest billionth (halves to even): 1/3 is 0.333333333."""
    with localcontext(prec=60):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


def recovery_data(stats: Stats) -> dict[str, Decimal] | None:
    r = stats.recovery
    if r is None:
        return None
    return {"median": seconds(r.median), "mean": seconds(r.mean), "p90": seconds(r.p90)}


def deploy_data(stats: Stats) -> dict[str, Any]:
    """The deployment numbers of a group (README "dorasync report"): present when the
    project declares deployment files."""
    rate = stats.change_failure_rate
    return {
        "deployments": stats.deployments,
        "change_failures": stats.change_failures,
        "change_failure_rate": None if rate is None else ratio(rate),
        "recovery_seconds": recovery_data(stats),
    }


def ttr_data(stats: Stats) -> dict[str, Decimal] | None:
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
                **(deploy_data(r.stats) if report.has_deployments else {}),
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
        "ttr_seconds": ttr_data(stats),
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
