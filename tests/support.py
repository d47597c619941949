"""Test support: a project on disk, and what a CLI run gives back."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NAMESPACE = "3b1f6f0e-6d4c-4b8e-9a57-0c2d41e8a913"
API_KEY = "sentinel-api-key-5f0c9e1d2b3a"
APP_KEY = "sentinel-app-key-8e7d6c5b4a39"


@dataclass
class Result:
    """What a dorasync run printed and how it exited."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class ProjectDir:
    """A dorasync project in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def config(self, body: str = "", namespace: str = NAMESPACE) -> ProjectDir:
        text = f"namespace: {namespace}\n" + textwrap.dedent(body)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "dorasync.yaml").write_text(text, encoding="utf-8")
        (self.root / "incidents").mkdir(exist_ok=True)
        return self

    def incident(self, name: str, body: str) -> Path:
        path = self.root / "incidents" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        return path

    @property
    def state_path(self) -> Path:
        return self.root / ".dorasync" / "state.json"


Runner = Callable[..., Result]
