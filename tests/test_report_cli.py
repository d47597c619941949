"""`dorasync report` and the plan's impact, run as a user runs them, on projects known by hand."""

from __future__ import annotations

import io
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from dorasync.cli import main
from dorasync.emulator.server import Emulator
from tests.support import ProjectDir, Runner

SINCE, UNTIL = "2026-03-01", "2026-03-31"


@pytest.fixture
def march(project: ProjectDir) -> ProjectDir:
    """The hand-computed project of tests/report_cases.py, as files."""
    project.config("defaults: {env: prod}\n")
    files = {
        "a": ("checkout", "team: web", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z"),
        "b": ("checkout, payments", "team: web", "2026-03-03T10:00:00Z", "2026-03-03T11:30:00Z"),
        "c": ("checkout", "team: core", "2026-03-10T00:00:00Z", "2026-03-10T02:00:00Z"),
        "d": ("payments", "team: core", "2026-03-20T00:00:00Z", None),
        "e": (None, "team: search", "2026-03-25T00:00:00Z", "2026-03-28T00:00:00Z"),
        "before": ("checkout", "team: web", "2026-02-28T23:59:59Z", "2026-03-01T00:00:59Z"),
        "after": ("checkout", "team: web", "2026-04-01T00:00:00Z", "2026-04-01T00:01:00Z"),
    }
    for name, (services, team, started, finished) in files.items():
        body = f"{team}\nstarted_at: {started}\n"
        body += f"services: [{services}]\n" if services else ""
        body += f"finished_at: {finished}\n" if finished else ""
        project.incident(f"2026/{name}.yaml", body)
    return project


def report_json(run: Runner, root: Path, *args: str) -> dict[str, object]:
    result = run("-C", root, "report", "--format", "json", *args)
    assert result.code == 0, result.text
    data = json.loads(result.out, parse_float=Decimal)
    assert isinstance(data, dict)
    return data


def test_report_json_gives_counts_open_statistics_and_bands_per_service(
    march: ProjectDir, run: Runner
) -> None:
    data = report_json(run, march.root, "--by", "service", "--since", SINCE, "--until", UNTIL)
    assert data["window"] == {
        "since": "2026-03-01T00:00:00Z",
        "until": "2026-04-01T00:00:00Z",
        "tz": "UTC",
    }
    groups = data["groups"]
    assert isinstance(groups, list)
    summary = [(g["by"], g["incidents"], g["open"], g["ttr_seconds"], g["band"]) for g in groups]
    assert summary == [
        ({}, 5, 1, {"median": 6300, "mean": 68400, "p90": 259200}, "high"),
        ({"service": "checkout"}, 3, 0, {"median": 5400, "mean": 4800, "p90": 7200}, "high"),
        ({"service": "payments"}, 2, 1, {"median": 5400, "mean": 5400, "p90": 5400}, "high"),
        ({"service": None}, 1, 0, {"median": 259200, "mean": 259200, "p90": 259200}, "medium"),
    ]
    assert groups[1]["impact_hours"] == 4


def test_report_by_team_and_month_groups_as_stated(march: ProjectDir, run: Runner) -> None:
    data = report_json(
        run, march.root, "--by", "team", "--bucket", "month", "--since", "2026-02-01",
        "--until", UNTIL, "--tz", "Europe/Paris",
    )  # fmt: skip
    groups = data["groups"]
    assert isinstance(groups, list)
    cells = {(g["by"].get("team"), g["bucket"]): g["incidents"] for g in groups if g["by"]}
    feb, mar = "2026-02-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00"
    assert cells == {
        ("core", None): 2, ("core", feb): 0, ("core", mar): 2,
        ("search", None): 1, ("search", feb): 0, ("search", mar): 1,
        # "before" started 2026-03-01T00:59:59+01:00 in Paris: March there
        ("web", None): 3, ("web", feb): 0, ("web", mar): 3,
    }  # fmt: skip
    whole = [g for g in groups if g["by"] == {}]
    assert [(g["bucket"], g["incidents"]) for g in whole] == [(None, 6), (feb, 0), (mar, 6)]


def test_report_text_is_a_table_with_the_whole_window_first(march: ProjectDir, run: Runner) -> None:
    result = run("-C", march.root, "report", "--by", "service", "--since", SINCE, "--until", UNTIL)
    assert result.code == 0, result.text
    lines = result.out.splitlines()
    assert lines[2].split() == [
        "service", "incidents", "open", "oldest", "open", "median", "TTR", "mean", "TTR",
        "p90", "TTR", "impact", "h", "band",
    ]  # fmt: skip
    assert lines[3].split()[:6] == ["(all)", "5", "1", lines[3].split()[3], "1h45m", "19h"]


@pytest.mark.parametrize(("fmt", "start"), [("markdown", "## DORA report"), ("csv", "bucket,")])
def test_report_markdown_and_csv_need_nothing_extra(
    march: ProjectDir, run: Runner, fmt: str, start: str
) -> None:
    result = run("-C", march.root, "report", "--format", fmt)
    assert (result.code, result.out.startswith(start)) == (0, True)


def test_report_html_writes_one_page_with_its_charts(march: ProjectDir, run: Runner) -> None:
    result = run(
        "-C", march.root, "report", "--by", "service", "--since", SINCE, "--until", UNTIL,
        "--format", "html", "-o", "report.html",
    )  # fmt: skip
    assert result.code == 0, result.text
    assert result.out == ""
    page = (march.root / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 4
    assert [s for s in ("<script", "href=", "src=") if s in page] == []
    assert [p.name for p in march.root.iterdir() if p.suffix == ".html"] == ["report.html"]


def test_report_html_goes_to_stdout_when_redirected(march: ProjectDir, run: Runner) -> None:
    result = run("-C", march.root, "report", "--format", "html")
    assert (result.code, result.out.startswith("<!DOCTYPE html>")) == (0, True)


def test_report_html_on_a_terminal_is_written_to_a_file(
    march: ProjectDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, err = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as exit_:
        main(["-C", str(march.root), "report", "--format", "html"])
    assert (exit_.value.code, terminal.getvalue()) == (0, "")
    assert "dorasync-report.html" in err.getvalue()
    assert (march.root / "dorasync-report.html").read_text(encoding="utf-8").startswith("<!DOC")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tz", "Europe/Pariss"], "did you mean 'Europe/Paris'?"),
        (["--tz", "../etc/passwd"], "is not an IANA time zone name"),
        (["--since", "2026-02-30"], "is not a valid date"),
        (["--until", "last week"], "write YYYY-MM-DD"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "the window is empty"),
        (["--by", "services"], "use one of service, team, env, severity, or tag:KEY"),
        (["--bucket", "day"], "'day' is not one of 'week', 'month'"),
        (["--format", "pdf"], "'pdf' is not one of"),
    ],
)
def test_report_refuses_a_bad_option_with_exit_1_and_no_traceback(
    march: ProjectDir, run: Runner, args: list[str], message: str
) -> None:
    result = run("-C", march.root, "report", *args)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.text


def test_report_refuses_a_broken_project_like_plan(march: ProjectDir, run: Runner) -> None:
    march.incident("broken.yaml", "services: [x]\nstarted_at: yesterday\n")
    result = run("-C", march.root, "report")
    assert result.code == 1
    assert "broken.yaml:2:13: started_at:" in result.err


def test_report_makes_the_missing_folders_of_its_output_as_plan_out_does(
    march: ProjectDir, run: Runner
) -> None:
    result = run("-C", march.root, "report", "-o", "no/such/dir/r.txt")
    assert result.code == 0
    assert (march.root / "no/such/dir/r.txt").is_file()


def test_report_that_cannot_write_says_so(march: ProjectDir, run: Runner) -> None:
    (march.root / "taken").write_text("a file, not a folder")
    result = run("-C", march.root, "report", "-o", "taken/r.txt")
    assert result.code == 1
    assert "cannot write the report to" in result.err


def _recent(project: ProjectDir, name: str, days_ago: float, minutes: int | None) -> None:
    start = int(time.time() - days_ago * 86_400)
    body = f"services: [checkout]\nenv: prod\nstarted_at: {start}\n"
    body += f"finished_at: {start + minutes * 60}\n" if minutes is not None else ""
    project.incident(name, body)


def test_a_plan_that_resolves_an_ongoing_incident_shows_the_new_median_for_its_service(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    _recent(project, "resolved.yaml", 10, 30)
    _recent(project, "ongoing.yaml", 2, None)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    _recent(project, "ongoing.yaml", 2, 60)  # the one-line pull request: finished_at
    result = run("-C", project.root, "plan")
    assert result.code == 0, result.text
    assert result.out.endswith(
        "Plan: 0 to create, 1 to update, 0 to delete, 1 unchanged.\n\n"
        "Impact on the report (incidents started in the last 90 days, by service / env):\n"
        "  checkout / prod: median time to restore 30m -> 45m, open 1 -> 0\n"
        "  all incidents: median time to restore 30m -> 45m, open 1 -> 0\n"
    )
    data = json.loads(run("-C", project.root, "plan", "--json").out)
    checkout = data["impact"]["groups"][1]
    assert checkout["by"] == {"service": "checkout", "env": "prod"}
    assert (checkout["before"]["ttr_seconds"]["median"], checkout["before"]["open"]) == (1800.0, 1)
    assert (checkout["after"]["ttr_seconds"]["median"], checkout["after"]["open"]) == (2700.0, 0)


def test_a_plan_with_no_changes_has_a_null_impact_and_no_impact_text(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    _recent(project, "resolved.yaml", 10, 30)
    assert run("-C", project.root, "apply", "--auto-approve", env=api_env).code == 0
    assert json.loads(run("-C", project.root, "plan", "--json").out)["impact"] is None
    assert "Impact" not in run("-C", project.root, "plan").out
