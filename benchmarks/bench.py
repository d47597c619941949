"""Benchmark: dorasync's start-up, validate, plan and apply at 1k, 10k and 100k incidents.

Every measurement runs dorasync as a user does (a process), repeated, with the median
wall time and the peak RSS of the run; the floor is measured in the same run: reading
the same files and parsing them with PyYAML's C loader, nothing else. The emulator
runs in its own process on 127.0.0.1; nothing leaves the machine.

    python benchmarks/bench.py                      # 1k, 10k, 100k; writes BENCHMARKS.md
    python benchmarks/bench.py --sizes 1000 --runs 3 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, touch_one

PYTHON = sys.executable
KEY = "benchmark-key-0000"
FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""


@dataclass
class Row:
    """One line of the results table."""

    what: str
    size: int | None
    seconds: float
    rss_mb: float
    note: str = ""


def run_once(args: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, process.returncode


def median_of(
    runs: int, args: Sequence[str], ok: Sequence[int] = (0,), env: dict[str, str] | None = None
) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        seconds, rss, code = run_once(args, env)
        if code not in ok:
            raise SystemExit(f"{' '.join(args)} exited {code}")
        times.append(seconds)
        peaks.append(rss)
    return statistics.median(times), max(peaks)


def dorasync(*args: str | Path) -> list[str]:
    return [PYTHON, "-m", "dorasync", *map(str, args)]


@contextmanager
def emulator(*options: str) -> Iterator[str]:
    """`dorasync emulator` in its own process; yields its URL."""
    process = subprocess.Popen(
        dorasync("emulator", "--port", "0", "--quiet", "--api-key", KEY, *options),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().rsplit(" ", 1)[1].strip()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def call(url: str, path: str, method: str = "GET") -> dict[str, object]:
    request = urllib.request.Request(
        url + path, method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        body: dict[str, object] = json.load(answer)
        return body


def apply_env(url: str) -> dict[str, str]:
    return {"DORASYNC_API_URL": url, "DD_API_KEY": KEY, "NO_COLOR": "1"}


def measure_size(size: int, runs: int, parallelisms: Sequence[int], work: Path) -> list[Row]:
    root = generate(work / f"n{size}", size)
    state = root / ".dorasync"
    rows = [
        Row(
            "floor: read + PyYAML C parse",
            size,
            *median_of(runs, [PYTHON, "-c", FLOOR, str(root / "incidents")]),
        )
    ]
    rows.append(Row("validate", size, *median_of(runs, dorasync("-C", root, "validate"))))
    rows.append(
        Row(
            "plan, cold (no state)",
            size,
            *median_of(runs, dorasync("-C", root, "plan", "--detailed-exitcode"), (2,)),
        )
    )
    with emulator() as url:
        for parallelism in parallelisms:
            shutil.rmtree(state, ignore_errors=True)
            call(url, "/_emulator/reset", "POST")
            seconds, rss, code = run_once(
                dorasync("-C", root, "apply", "--auto-approve", "--parallelism", parallelism),
                apply_env(url),
            )
            assert code == 0, f"apply exited {code}"
            rows.append(
                Row(
                    f"apply, {size} creates, parallelism {parallelism}",
                    size,
                    seconds,
                    rss,
                    f"{size / seconds:,.0f} incidents/s",
                )
            )
    rows.append(
        Row(
            "plan, no change",
            size,
            *median_of(runs, dorasync("-C", root, "plan", "--detailed-exitcode")),
        )
    )
    path, text = touch_one(root)
    rows.append(
        Row(
            "plan, one change",
            size,
            *median_of(runs, dorasync("-C", root, "plan", "--detailed-exitcode"), (2,)),
        )
    )
    path.write_text(text, encoding="utf-8")
    return rows


def measure_rate_limit(count: int, limit: str, work: Path) -> Row:
    """An apply under a server rate limit: the share of the limit reached and of 429s."""
    root = generate(work / "rate", count, seed=7)
    allowed, period = (float(x) for x in limit.split("/"))
    with emulator("--rate-limit", limit) as url:
        seconds, rss, code = run_once(
            dorasync("-C", root, "apply", "--auto-approve"), apply_env(url)
        )
        assert code == 0, f"apply exited {code}"
        stats = call(url, "/_emulator/stats")
    requests_made = sum(int(v) for v in stats["requests"].values())  # type: ignore[attr-defined]
    limited = int(stats["rate_limited"])  # type: ignore[call-overload]
    share = count / seconds / (allowed / period)
    return Row(
        f"apply, {count} creates, server limit {limit} s",
        count,
        seconds,
        rss,
        f"{share:.0%} of the limit, {limited / requests_made:.1%} answered 429",
    )


def measure_startup(runs: int) -> list[Row]:
    return [
        Row(f"dorasync {flag}", None, *median_of(runs, dorasync(flag)))
        for flag in ("--help", "--version")
    ]


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| measurement | incidents | median seconds | peak RSS MB | note |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.what} | {r.size or ''} | {r.seconds:.3f} | {r.rss_mb:.0f} | {r.note} |" for r in rows
    ]
    return "\n".join(lines)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--apply-all-up-to",
        type=int,
        default=10_000,
        help="measure parallelism 1, 4 and 8 up to this size (4 only above)",
    )
    parser.add_argument("--rate-limited", type=int, default=500)
    parser.add_argument("--rate-limit", default="50/1")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = measure_startup(max(args.runs, 10))
    with tempfile.TemporaryDirectory(prefix="dorasync-bench-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            parallelisms = (1, 4, 8) if size <= args.apply_all_up_to else (4,)
            rows += measure_size(size, args.runs, parallelisms, Path(folder))
            print(table(rows), "\n", flush=True)
        if args.rate_limited:
            rows.append(measure_rate_limit(args.rate_limited, args.rate_limit, Path(folder)))
    result = table(rows)
    print(result)
    if not args.no_write:
        command = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
        Path("BENCHMARKS.md").write_text(
            f"# Benchmarks\n\nMachine: {machine()}.\nDate: {time.strftime('%Y-%m-%d')}. "
            f"Command: `{command.strip()}`. Medians of {args.runs} runs (start-up: "
            f"{max(args.runs, 10)}); apply runs once per line.\n\n{result}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
