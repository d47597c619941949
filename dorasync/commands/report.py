"""Shell: `dorasync report`, the DORA numbers of the declared incidents, with no network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Literal

import click

from dorasync.commands import Context, pass_context

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from dorasync.cfr import DeployRecord
    from dorasync.report import Dimension, Report
    from dorasync.workflow import Checked

FORMATS = ("text", "markdown", "csv", "json", "html")
HTML_DEFAULT = "dorasync-report.html"


def _dimensions(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> list[Dimension]:
    from dorasync.report import parse_dimension  # noqa: PLC0415 - keep `dorasync --help` fast

    try:
        return [parse_dimension(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _zone(_ctx: click.Context, _param: click.Parameter, value: str) -> ZoneInfo:
    import difflib  # noqa: PLC0415
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones  # noqa: PLC0415

    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "e.g. Europe/Paris or UTC"
        raise click.BadParameter(f"{value!r} is not an IANA time zone name; {hint}") from None


@click.command()
@click.option("--since", metavar="DATE", help="Start: YYYY-MM-DD (midnight in --tz) or RFC 3339.")
@click.option("--until", metavar="DATE", help="End: a date counts whole (default: now).")
@click.option(
    "--by",
    "by",
    metavar="FIELD",
    multiple=True,
    callback=_dimensions,
    help="Group by service, team, env, severity or tag:KEY (repeatable).",
)
@click.option("--bucket", type=click.Choice(["week", "month"]), help="Also per ISO week or month.")
@click.option("--tz", default="UTC", callback=_zone, metavar="ZONE", help="IANA time zone.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--out", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_context
def report(
    ctx: Context,
    *,
    since: str | None,
    until: str | None,
    by: list[Dimension],
    bucket: Literal["week", "month"] | None,
    tz: ZoneInfo,
    fmt: str,
    out: str | None,
) -> int:
    """Report what the incidents say: counts, open incidents, time to restore and DORA band.

    Over the incidents that started in the window (default: the last 90 days), per
    group and bucket; with deployment files, also change failure rate and failed
    deployment recovery time. Every definition is in the README, "dorasync report".

    \b
    Examples:
      dorasync report --by service
      dorasync report --by team --bucket month --tz Europe/Paris --since 2026-01-01
      dorasync report --by service --format html -o report.html
      dorasync report --format json | jq '.groups[0].ttr_seconds.median'
    """
    import time  # noqa: PLC0415

    from dorasync.report import Record, build  # noqa: PLC0415
    from dorasync.window import window_from  # noqa: PLC0415
    from dorasync.workflow import check  # noqa: PLC0415

    now = time.time_ns()
    try:
        window = window_from(since, until, tz, now)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--since' / '--until'") from None
    checked = check(ctx.root, now)
    ctx.console.problems(checked.warnings)
    # A retracted incident is not in Datadog's numbers, so it is not in the report.
    records = [Record(i.key, i.attributes) for i in checked.incidents if not i.retracted]
    if fmt == "html" and bucket is None:
        from dorasync.reporthtml import natural_bucket  # noqa: PLC0415

        bucket = natural_bucket(window.until_ns - window.since_ns)
    result = build(records, window, now, by, bucket, deployments=_deployments(checked))
    _write(ctx, _render(result, fmt), fmt, out)
    return 0


def _deployments(checked: Checked) -> list[DeployRecord] | None:
    """The declared deployments, each marked or not by the links of the incidents;
    None when the project declares none (the report then shows no deployment column)."""
    from dorasync.cfr import DeployRecord, as_grouped, outcomes  # noqa: PLC0415

    if not checked.deployments:
        return None
    by_key = {d.key: d.attributes for d in checked.deployments}
    links = [i.link for i in checked.incidents if i.link is not None and not i.retracted]
    found = outcomes(by_key, links)
    return [
        DeployRecord(
            key,
            as_grouped(attributes),
            key in found,
            found[key].recovery_ns if key in found else None,
        )
        for key, attributes in by_key.items()
    ]


def _render(result: Report, fmt: str) -> str:
    from dorasync import reportformats, reportjson  # noqa: PLC0415

    if fmt == "html":
        from dorasync.reporthtml import report_html  # noqa: PLC0415

        return report_html(result)
    render = {
        "text": reportformats.report_text,
        "markdown": reportformats.report_markdown,
        "csv": reportformats.report_csv,
        "json": reportjson.report_json,
    }[fmt]
    return render(result)


def _write(ctx: Context, text: str, fmt: str, out: str | None) -> None:
    # A page of HTML on a terminal helps nobody: there it goes to a file to open.
    if out is None and fmt == "html" and sys.stdout.isatty():
        out = HTML_DEFAULT
    if out is None:
        ctx.console.out(text, end="")
        return
    from dorasync.errors import DorasyncError  # noqa: PLC0415

    path = ctx.path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # as plan --out does
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DorasyncError(f"cannot write the report to {path}: {exc.strerror}") from None
    ctx.console.info(f"wrote {path}")
