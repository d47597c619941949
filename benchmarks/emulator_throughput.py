"""Benchmark: failure POSTs per second from one requests.Session to an in-process emulator.

Loopback only, bounded in time. Run from the repository root:

    .venv/bin/python benchmarks/emulator_throughput.py [--seconds 3] [--preload 10000] [--data]

--preload N starts the emulator with N failures already stored (from a seed file), so
the number shows whether a request's cost grows with the store; --data adds the
append-only journal; --no-trust-env skips requests' per-request proxy lookup in the
environment, which costs the client more than the emulator spends on a request.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dorasync.emulator.server import Emulator

STARTED_AT = 1_707_842_944_500_000_000


def attributes(number: int) -> dict[str, object]:
    return {
        "id": f"benchmark-incident-{number:010d}",
        "services": ["checkout"],
        "team": "backend",
        "env": "prod",
        "started_at": STARTED_AT + number,
        "custom_tags": ["source:benchmark"],
    }


def seed_file(folder: Path, count: int) -> Path | None:
    if not count:
        return None
    path = folder / "seed.json"
    path.write_text(json.dumps([attributes(-1 - n) for n in range(count)]), encoding="utf-8")
    return path


def measure(url: str, seconds: float, *, trust_env: bool) -> tuple[int, float]:
    session = requests.Session()
    session.trust_env = trust_env
    headers = {"DD-API-KEY": "benchmark-key"}
    sent, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        body = {"data": {"attributes": attributes(sent)}}
        response = session.post(f"{url}/api/v2/dora/failure", json=body, headers=headers, timeout=5)
        response.raise_for_status()
        sent += 1
    session.close()
    return sent, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to send (at most 60)")
    parser.add_argument("--preload", type=int, default=0, help="failures stored before the run")
    parser.add_argument("--data", action="store_true", help="keep events in a journal file")
    parser.add_argument("--no-trust-env", action="store_true", help="session.trust_env = False")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        seed = seed_file(Path(folder), options.preload)
        data = Path(folder) / "events.jsonl" if options.data else None
        emulator = Emulator(api_key="benchmark-key", seed_file=seed, data_file=data)
        url = emulator.start()  # 127.0.0.1, a free port
        try:
            sent, elapsed = measure(
                url, min(options.seconds, 60.0), trust_env=not options.no_trust_env
            )
        finally:
            emulator.stop()
    rate = sent / elapsed
    print(f"{sent} POSTs in {elapsed:.2f} s: {rate:.0f} requests/s (preload {options.preload})")


if __name__ == "__main__":
    main()
