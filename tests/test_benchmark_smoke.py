"""A small run of the benchmark, so that it keeps working (the real one is not a test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def test_the_benchmark_runs_end_to_end_on_a_tiny_project() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--sizes",
            "30",
            "--runs",
            "1",
            "--startup-runs",
            "1",
            "--rate-limited",
            "20",
            "--rate-limit",
            "200/1",
            "--no-write",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for measured in (
        "dorasync --help",
        "emulator alone",
        "floor: read + PyYAML C parse",
        "validate",
        "plan, cold (no state)",
        "apply, 30 creates, parallelism 8",
        "plan, no change",
        "plan, one change",
        "server limit 200/1 s",
        "Targets (issue 6)",
    ):
        assert measured in result.stdout
