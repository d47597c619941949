"""adapter: the emulator's events by id, kept in memory and in an append-only JSON Lines file.

Every change is one journal line (put, delete, patch, reset) appended and flushed, so a
write costs O(1) however many events are kept; the file is replayed on start.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dorasync.emulator.rules import failure_errors

Entry = dict[str, object]


@dataclass
class Failure:
    """A failure event as received: attributes untouched, the path used, how often sent."""

    attributes: dict[str, object]
    path: str
    received: int = 1


@dataclass
class Deployment:
    """A deployment event and what PATCHes said about it."""

    attributes: dict[str, object]
    received: int = 1
    patch: dict[str, object] = field(default_factory=dict)


class JournalError(ValueError):
    """The data file is not a journal this emulator wrote."""


class Store:
    """Failures and deployments by id; safe to use from many handler threads."""

    def __init__(self, data_file: Path | None = None) -> None:
        self.failures: dict[str, Failure] = {}
        self.deployments: dict[str, Deployment] = {}
        self._data_file = data_file
        self._journal: IO[str] | None = None
        self._lock = threading.Lock()
        self._ops: dict[str, Callable[[Entry], object]] = {
            "put_failure": self._put_failure,
            "delete_failure": self._delete_failure,
            "put_deployment": self._put_deployment,
            "patch_deployment": self._patch_deployment,
            "delete_deployment": self._delete_deployment,
            "reset": self._reset,
        }

    def open(self) -> None:
        """Replay the data file, if any, and keep it open for appending."""
        if self._data_file is None:
            return
        if self._data_file.exists():
            self._replay(self._data_file)
        self._data_file.parent.mkdir(parents=True, exist_ok=True)
        self._journal = self._data_file.open("a", encoding="utf-8")

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    def put_failure(self, event_id: str, attributes: dict[str, object], path: str) -> Failure:
        entry: Entry = {"op": "put_failure", "id": event_id, "path": path, "attributes": attributes}
        record = self._commit(entry)
        assert isinstance(record, Failure)
        return record

    def delete_failure(self, event_id: str) -> bool:
        return self._commit({"op": "delete_failure", "id": event_id}) is True

    def put_deployment(self, event_id: str, attributes: dict[str, object]) -> None:
        self._commit({"op": "put_deployment", "id": event_id, "attributes": attributes})

    def patch_deployment(self, event_id: str, patch: dict[str, object]) -> bool:
        return self._commit({"op": "patch_deployment", "id": event_id, "patch": patch}) is True

    def delete_deployment(self, event_id: str) -> bool:
        return self._commit({"op": "delete_deployment", "id": event_id}) is True

    def reset(self) -> None:
        self._commit({"op": "reset"})

    def seed(self, events: list[tuple[str, dict[str, object]]]) -> None:
        """Preload events that are not in the store yet; seeds are not journaled, so a
        restart with the same seed and data file does not pile up copies."""
        with self._lock:
            for event_id, attributes in events:
                if event_id not in self.failures:
                    self.failures[event_id] = Failure(attributes, "seed", received=0)

    def failure(self, event_id: str) -> dict[str, object] | None:
        with self._lock:
            record = self.failures.get(event_id)
            return record.attributes if record else None

    def deployment(self, event_id: str) -> dict[str, object] | None:
        with self._lock:
            record = self.deployments.get(event_id)
            return shown_deployment(record) if record else None

    def failure_items(self) -> list[tuple[str, dict[str, object]]]:
        with self._lock:
            return [(key, record.attributes) for key, record in self.failures.items()]

    def deployment_items(self) -> list[tuple[str, dict[str, object]]]:
        with self._lock:
            return [(key, shown_deployment(record)) for key, record in self.deployments.items()]

    def snapshot(self) -> dict[str, object]:
        """Everything stored, as plain JSON values (deep copies)."""
        with self._lock:
            failures = {key: vars(record) for key, record in self.failures.items()}
            deployments = {key: vars(record) for key, record in self.deployments.items()}
            return copy.deepcopy({"failures": failures, "deployments": deployments})

    def _commit(self, entry: Entry) -> object:
        with self._lock:
            result = self._ops[str(entry["op"])](entry)
            if self._journal is not None and result is not False:
                self._journal.write(json.dumps(entry, separators=(",", ":")) + "\n")
                self._journal.flush()
            return result

    def _replay(self, path: Path) -> None:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                self._ops[entry["op"]](entry)
            except (ValueError, KeyError, TypeError) as exc:
                if number == len(lines):
                    # A write cut short by a crash leaves a partial last line: drop it.
                    break
                raise JournalError(
                    f"{path}:{number}: not an emulator journal line ({exc})"
                ) from exc

    def _put_failure(self, entry: Entry) -> Failure:
        event_id, attributes = str(entry["id"]), _object(entry["attributes"])
        old = self.failures.get(event_id)
        record = Failure(attributes, str(entry["path"]), old.received + 1 if old else 1)
        self.failures[event_id] = record
        return record

    def _delete_failure(self, entry: Entry) -> bool:
        return self.failures.pop(str(entry["id"]), None) is not None

    def _put_deployment(self, entry: Entry) -> Deployment:
        event_id, attributes = str(entry["id"]), _object(entry["attributes"])
        old = self.deployments.get(event_id)
        record = Deployment(attributes, old.received + 1 if old else 1, old.patch if old else {})
        self.deployments[event_id] = record
        return record

    def _patch_deployment(self, entry: Entry) -> bool:
        record = self.deployments.get(str(entry["id"]))
        if record is None:
            return False
        record.patch = {**record.patch, **_object(entry["patch"])}
        return True

    def _delete_deployment(self, entry: Entry) -> bool:
        return self.deployments.pop(str(entry["id"]), None) is not None

    def _reset(self, _: Entry) -> None:
        self.failures.clear()
        self.deployments.clear()


def shown_deployment(record: Deployment) -> dict[str, object]:
    """A deployment's attributes with its change_failure mark and remediation, if patched.

    Unverified: DORADeploymentObjectAttributes has neither field; the emulator shows them
    so that a test can see what a PATCH did.
    """
    return {**record.attributes, **record.patch}


def _object(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def load_seed(path: Path) -> list[tuple[str, dict[str, object]]]:
    """Failure attribute objects from a JSON list, each checked by the seed's table."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read a JSON list of failure attributes: {exc}") from exc
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a JSON list of failure attribute objects")
    events, problems = [], []
    for index, item in enumerate(items):
        errors = failure_errors(item) if isinstance(item, dict) else [{"detail": "not an object"}]
        problems += [f"{path}[{index}]: {error['detail']}" for error in errors]
        if isinstance(item, dict) and not errors:
            events.append((_seed_id(index, item), item))
    if problems:
        raise ValueError("\n".join(problems))
    return events


def _seed_id(index: int, attributes: dict[str, object]) -> str:
    if isinstance(attributes.get("id"), str):
        return str(attributes["id"])
    # Derived, not random: the same seed file gives the same ids on every start, so an
    # import tried by hand can be tried again.
    canonical = json.dumps(attributes, sort_keys=True)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dorasync-emulator-seed:{index}:{canonical}"))
