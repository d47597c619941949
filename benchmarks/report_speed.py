"""Benchmark: `dorasync report` over many incidents held in memory; prints the timings.

Measured, never enforced. Run from the repository root:

    .venv/bin/python benchmarks/report_speed.py [--incidents 100000] [--runs 5]

Each case is run --runs times and the median is printed: building the report (grouping,
bucketing, exact statistics) and rendering it in each format. --files N also times the
whole command on a project of N incident files, where reading and checking YAML is
most of the cost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dorasync import reportformats, reportjson
from dorasync.report import Dimension, Record, Report, build
from dorasync.reporthtml import report_html
from dorasync.window import window_from

NS = 1_000_000_000
SERVICES = [f"service-{i:02d}" for i in range(40)]
TEAMS = [f"team-{i}" for i in range(8)]
NOW = 1_798_761_600 * NS  # 2027-01-01T00:00:00Z


def incidents(count: int, seed: int = 7) -> list[Record]:
    """`count` incidents over 2026, one or two services each, 3% still open."""
    rng = random.Random(seed)
    year = 365 * 86_400 * NS
    start0 = NOW - year
    out = []
    for i in range(count):
        started = start0 + rng.randrange(year)
        attrs: dict[str, object] = {
            "id": f"bench-{i:08d}",
            "started_at": started,
            "services": rng.sample(SERVICES, rng.choice((1, 1, 1, 2))),
            "team": rng.choice(TEAMS),
            "env": rng.choice(("prod", "prod", "staging")),
            "severity": rng.choice(("SEV-1", "SEV-2", "SEV-3")),
            "custom_tags": [f"cause:{rng.choice(('config', 'deploy', 'infra'))}"],
        }
        if rng.random() > 0.03:
            attrs["finished_at"] = (
                started + int(rng.lognormvariate(8, 1.5) * NS) + rng.randrange(NS)
            )
        out.append(Record(f"2026/incident-{i:08d}", attrs))
    return out


def timed(what: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        what()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=0, help="also time the CLI on N files")
    args = parser.parse_args()
    records = incidents(args.incidents)
    paris = ZoneInfo("Europe/Paris")
    year = window_from("2026-01-01", "2026-12-31", paris, NOW)
    service, team = [Dimension("service")], [Dimension("team")]
    cases: dict[str, Callable[[], Report]] = {
        "whole window, no grouping": lambda: build(records, year, NOW),
        "--by service": lambda: build(records, year, NOW, service),
        "--by service --bucket week --tz Europe/Paris": lambda: build(
            records, year, NOW, service, "week"
        ),
        "--by team --by env --bucket month": lambda: build(
            records, year, NOW, [*team, Dimension("env")], "month"
        ),
    }
    print(f"{args.incidents} incidents in memory, median of {args.runs} runs")
    for name, case in cases.items():
        print(f"  build  {name:<46} {timed(case, args.runs):7.3f} s")
    weekly = cases["--by service --bucket week --tz Europe/Paris"]()
    renders: dict[str, Callable[[Report], str]] = {
        "text": reportformats.report_text,
        "markdown": reportformats.report_markdown,
        "csv": reportformats.report_csv,
        "json": reportjson.report_json,
        "html": report_html,
    }
    print(f"  rendering the weekly report by service ({len(weekly.rows)} rows):")
    for name, render in renders.items():
        print(f"  render {name:<46} {timed(lambda r=render: r(weekly), args.runs):7.3f} s")
    if args.files:
        cli(args.files)


def cli(count: int) -> None:
    """The whole command on a project of `count` files (YAML reading included)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "dorasync.yaml").write_text("namespace: 3b1f6f0e-6d4c-4b8e-9a57-0c2d41e8a913\n")
        folder = root / "incidents"
        folder.mkdir()
        for record in incidents(count):
            a = record.attributes
            body = f"services: {a['services']}\nteam: {a['team']}\nstarted_at: {a['started_at']}\n"
            if "finished_at" in a:
                body += f"finished_at: {a['finished_at']}\n"
            (folder / f"{record.key.split('/')[1]}.yaml").write_text(body)
        command = [sys.executable, "-m", "dorasync", "-C", tmp, "report", "--by", "service",
                   "--since", "2026-01-01", "--format", "json"]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        print(f"  cli    {count} files, report --by service --format json "
              f"{time.perf_counter() - start:7.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
