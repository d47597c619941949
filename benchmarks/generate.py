"""Benchmark support: a realistic incident repository of any size, generated on disk.

Incidents are spread over three years and 24 services, in year/month folders, with
the mix a team's repository has: most resolved, some ongoing; RFC 3339 date-times
with and without fractions, epochs in s, ms and ns; severities, tags, git info.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

NAMESPACE = "6f1c0c7e-2b4d-4e8a-9c1f-3d5e7a9b0c2d"
SERVICES = [
    f"svc-{name}"
    for name in (
        "checkout",
        "payments",
        "search",
        "auth",
        "orders",
        "catalog",
        "cart",
        "shipping",
        "billing",
        "inventory",
        "reviews",
        "recommendations",
        "notifications",
        "gateway",
        "profile",
        "media",
        "pricing",
        "tax",
        "fraud",
        "ledger",
        "export",
        "import",
        "reporting",
        "admin",
    )
]
TEAMS = ["backend", "platform", "payments-team", "search-team", "identity", "data"]
SEVERITIES = ["SEV-1", "SEV-2", "SEV-2", "SEV-3", "SEV-3", "SEV-3", "SEV-4"]
CAUSES = ["config", "code-change", "third-party", "infrastructure", "capacity", "expiry"]
START = 1_698_796_800  # 2023-11-01T00:00:00Z: three years that end before today
SPAN = 3 * 365 * 86_400

CONFIG = f"""\
namespace: {NAMESPACE}
incidents: incidents
state: .dorasync/state.json
defaults:
  env: prod
  git: {{repository_url: https://github.com/acme/shop}}
"""


def incident_text(n: int, rng: random.Random) -> tuple[str, str]:
    """The relative path and the YAML text of incident number `n`."""
    started = START + rng.randrange(SPAN)
    day = datetime.fromtimestamp(started, UTC)
    year, month = day.year, day.month
    service = rng.choice(SERVICES)
    lines = [
        f"name: {service.removeprefix('svc-').title()} degraded ({n})",
        f"severity: {rng.choice(SEVERITIES)}",
    ]
    if n % 7 == 0:
        lines.append(f"team: {rng.choice(TEAMS)}")
    else:
        extra = [rng.choice(SERVICES)] if n % 5 == 0 else []
        lines.append(f"services: [{', '.join(dict.fromkeys([service, *extra]))}]")
    lines.append(f"started_at: {_timestamp(started, n)}")
    if n % 10:  # one in ten is ongoing
        lines.append(f"finished_at: {_timestamp(started + 60 + rng.randrange(86_400), n + 1)}")
    lines.append(f'custom_tags: ["source:dorasync", "cause:{rng.choice(CAUSES)}"]')
    if n % 3 == 0:
        lines.append(f"version: v{rng.randrange(1, 5)}.{rng.randrange(30)}.{rng.randrange(9)}")
        lines.append(f"git: {{commit_sha: {rng.getrandbits(160):040x}}}")
    path = f"{year}/{month:02d}/{year}-{month:02d}-{service}-{n:06d}.yaml"
    return path, "\n".join(lines) + "\n"


def _timestamp(epoch: int, n: int) -> str:
    kind = n % 6
    if kind == 0:
        return str(epoch)
    if kind == 1:
        return str(epoch * 1000 + n % 1000)
    if kind == 2:
        return str(epoch * 1_000_000_000 + n)
    text = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{n % 1000:03d}Z" if kind == 3 else "Z")


def generate(root: Path, count: int, seed: int = 1) -> Path:
    """Write a project of `count` incidents under `root`; returns `root`."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "dorasync.yaml").write_text(CONFIG, encoding="utf-8")
    folders: set[Path] = set()
    for n in range(count):
        relative, text = incident_text(n, rng)
        path = root / "incidents" / relative
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_text(text, encoding="utf-8")
    return root


def touch_one(root: Path) -> tuple[Path, str]:
    """Rename one incident: the 'one change' case. Returns the file and its old text."""
    path = min((root / "incidents").rglob("*.yaml"))
    text = path.read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    path.write_text(f"{first} (renamed)\n{rest}", encoding="utf-8")
    return path, text
