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
    rate = allowed / period
    first, last = stats["first_request_at"], stats["last_request_at"]
    sending = float(last) - float(first)  # type: ignore[arg-type]
    # The server's view (first to last request) is the rate reached; the wall time adds
    # the client's start-up and planning, shown too.
    share = (count - 1) / sending / rate
    note = (
        f"{share:.0%} of the limit while sending ({count / seconds / rate:.0%} over the "
        f"wall time); {limited / requests_made:.1%} of requests answered 429"
    )
    return Row(f"apply, {count} creates, server limit {limit} s", count, seconds, rss, note)


def measure_emulator(seconds: float = 3.0) -> Row:
    """The emulator's own ceiling: a plain keep-alive http.client loop against it, so
    that the apply numbers are shown to measure dorasync, not the emulator."""
    import http.client  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    with emulator() as url:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        headers = {"DD-API-KEY": KEY, "Content-Type": "application/json"}
        sent, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < seconds:
            attributes = {
                "id": f"bench-ceiling-{sent:012d}",
                "services": ["svc"],
                "started_at": 1_790_000_000_000_000_000 + sent,
            }
            body = json.dumps({"data": {"attributes": attributes}})
            connection.request("POST", "/api/v2/dora/failure", body, headers)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
            sent += 1
        connection.close()
    return Row(
        "emulator alone: a plain http.client loop",
        None,
        elapsed,
        0,
        f"{sent / elapsed:,.0f} requests/s",
    )


def measure_startup(runs: int) -> list[Row]:
    """The `dorasync` command as installed (the console script beside this Python),
    and `python -m dorasync`, which adds runpy's own start-up."""
    script = Path(sys.executable).with_name("dorasync")
    command = [str(script)] if script.exists() else dorasync()
    rows = [
        Row(f"dorasync {flag}", None, *median_of(runs, [*command, flag]))
        for flag in ("--help", "--version")
    ]
    rows.append(Row("python -m dorasync --help", None, *median_of(runs, dorasync("--help"))))
    return rows


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
    parser.add_argument("--startup-runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = measure_startup(args.startup_runs)
    rows.append(measure_emulator(1.0 if args.runs == 1 else 3.0))
    with tempfile.TemporaryDirectory(prefix="dorasync-bench-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            parallelisms = (1, 4, 8) if size <= args.apply_all_up_to else (4,)
            rows += measure_size(size, args.runs, parallelisms, Path(folder))
            print(table(rows), "\n", flush=True)
        if args.rate_limited:
            rows.append(measure_rate_limit(args.rate_limited, args.rate_limit, Path(folder)))
    result = table(rows) + "\n\n" + verdicts(rows)
    print(result)
    if not args.no_write:
        command = "python benchmarks/bench.py " + " ".join(sys.argv[1:])
        Path("BENCHMARKS.md").write_text(
            f"# Benchmarks\n\nMachine: {machine()}.\nDate: {time.strftime('%Y-%m-%d')}. "
            f"Command: `{command.strip()}`. Medians of {args.runs} runs (start-up: "
            f"{args.startup_runs}); apply runs once per line. Written by the script; "
            f"do not edit by hand.\n\n{result}\n",
            encoding="utf-8",
        )


def verdicts(rows: Sequence[Row]) -> str:
    """The targets of issue 6 against this run's numbers."""

    def find(what: str, size: int | None) -> Row | None:
        return next((r for r in rows if r.what.startswith(what) and r.size == size), None)

    lines = ["Targets (issue 6), judged on this run:", ""]
    help_row = find("dorasync --help", None)
    if help_row:
        lines.append(
            _verdict(
                help_row.seconds < 0.1,
                f"`--help` in {help_row.seconds * 1000:.0f} ms (target: under 100 ms)",
            )
        )
    for size, limit in ((10_000, None), (100_000, 10.0)):
        plan, floor = find("plan, no change", size), find("floor", size)
        if plan and floor:
            ok = plan.seconds <= floor.seconds and (limit is None or plan.seconds < limit)
            extra = f", peak RSS {plan.rss_mb:.0f} MB" if limit else ""
            ok = ok and (limit is None or plan.rss_mb < 500)
            lines.append(
                _verdict(
                    ok,
                    f"no-change plan of {size:,}: {plan.seconds:.2f} s against "
                    f"the floor's {floor.seconds:.2f} s "
                    f"({plan.seconds / floor.seconds:.2f} of it){extra}",
                )
            )
    apply_row = find("apply, 10000 creates, parallelism 4", 10_000)
    if apply_row:
        lines.append(
            _verdict(
                apply_row.seconds < 20,
                f"apply of 10,000 creates at the default "
                f"parallelism: {apply_row.seconds:.1f} s (target: under 20 s)",
            )
        )
    limited = next((r for r in rows if "server limit" in r.what), None)
    if limited:
        lines.append(
            f"- rate-limited apply: {limited.note} (targets: at least 90% of the "
            "limit, under 5% answered 429)"
        )
    return "\n".join(lines)


def _verdict(ok: bool, text: str) -> str:
    return f"- {'met' if ok else 'NOT met'}: {text}"


if __name__ == "__main__":
    main()
