"""Orchestrator: reads back every recorded event from Datadog, in parallel, for drift.

The reads go through `DoraClient.request` like apply's sends, so they share its
retry rules and its Pacer (rate limits learnt from any answer slow every worker),
with up to `parallelism` in flight, as apply's worker pool does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from dorasync.client import ApiError, DoraClient, Fatal
from dorasync.drift import Refresh, refresh
from dorasync.errors import DorasyncError
from dorasync.remote import BadRead, Remote, read_item
from dorasync.state import State

_NAMED = 10  # failed reads named in the error; the rest are counted


class RefreshFailed(DorasyncError):
    """Some events could not be read back; nothing was written, nothing was sent."""


@dataclass(slots=True)
class Reader:
    """Reads events by id with up to `parallelism` requests in flight."""

    client: DoraClient
    parallelism: int = 8
    on_read: Callable[[str], None] = lambda _: None
    failed: dict[str, str] = field(default_factory=dict)

    def read(self, wanted: dict[str, str]) -> dict[str, Remote | None]:
        """Each key's event (None: Datadog has no event with its id), by key."""
        found: dict[str, Remote | None] = {}
        with ThreadPoolExecutor(
            max_workers=max(1, self.parallelism), thread_name_prefix="dorasync-read"
        ) as pool:
            futures: dict[Future[Remote | None], str] = {
                pool.submit(self._one, event_id): key for key, event_id in wanted.items()
            }
            try:
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        found[key] = future.result()
                    except (ApiError, BadRead) as exc:
                        if isinstance(exc, Fatal):
                            self.client.stop.set()
                            raise
                        self.failed[key] = str(exc)
                    self.on_read(key)
            except BaseException:
                # Ctrl-C or a refused key: stop reading; nothing was written yet.
                self.client.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return found

    def _one(self, event_id: str) -> Remote | None:
        item = self.client.get_failure(event_id)
        if item is None:
            return None
        remote = read_item(item, asked=event_id)
        if remote.id != event_id:
            raise BadRead(f"asked for event {event_id}, Datadog answered with {remote.id}")
        return remote


def read_back(reader: Reader, state: State, keys: Iterable[str]) -> Refresh:
    """Read the events of `keys` (those not retracted) and compare them with the state."""
    wanted = {
        key: state.entries[key].id
        for key in keys
        if key in state.entries and state.entries[key].retracted_at is None
    }
    reads = reader.read(wanted)
    if reader.failed:
        named = "; ".join(f"{k}: {why}" for k, why in sorted(reader.failed.items())[:_NAMED])
        more = len(reader.failed) - _NAMED
        raise RefreshFailed(
            f"{len(reader.failed)} of {len(wanted)} events could not be read back from "
            f"Datadog ({named}{f'; and {more} more' if more > 0 else ''}); nothing was "
            "written and nothing was sent; run it again"
        )
    return refresh(state, reads)


def all_missing(found: Refresh) -> bool:
    """Every event read is missing: more likely a wrong site or URL than a purge."""
    return found.read >= 3 and sum(d.deleted for d in found.drift) == found.read
