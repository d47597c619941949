"""Adapter: the state file on disk, its journal, its backup and its lock.

Every success of an apply is appended to a journal beside the state the moment it
is known (O(1) per event), and folded into the state at the end with one atomic
write (temp file, fsync, rename) that keeps the previous file as a backup. After a
crash the next run folds what the journal holds; since ids are deterministic,
re-sending what was in flight is harmless.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from dorasync import __version__
from dorasync.errors import DorasyncError
from dorasync.journal import Journal
from dorasync.state import SECTIONS, Entry, State, StateError, chunks, loads


class LockHeld(DorasyncError):
    """Another dorasync holds the state lock."""


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds the state lock, written into the lock file for the next operator."""

    id: str
    user: str
    host: str
    pid: int
    operation: str
    created: str
    # The process's start time (Linux), so that a reused pid is not taken for the holder.
    started: int | None = None


class StateStore:
    """Reads and writes one state file with its `.journal`, `.backup` and `.lock`."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path, self.shown = path, shown
        self.journal_path = path.with_name(path.name + ".journal")
        self.backup_path = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")

    def read(self) -> State:
        """The state as it stands, with any journal left by an interrupted run folded in."""
        state = State()
        try:
            state = loads(self.path.read_text(encoding="utf-8"), self.shown)
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"cannot read {self.shown}: {exc}; {self._restore_hint()}") from None
        except StateError as exc:
            raise StateError(f"{exc}. {self._restore_hint()}") from None
        return self._fold_journal(state)

    def _restore_hint(self) -> str:
        """What to do about a damaged state file, which dorasync never overwrites."""
        shown_backup = self.shown + ".backup"
        if self.backup_path.exists():
            return (
                f"It was left as it is; the state before the last write is in "
                f"{shown_backup}: compare the two, then `cp {shown_backup} {self.shown}` "
                "and run `dorasync plan` (re-sending is harmless: ids are deterministic)"
            )
        return (
            f"It was left as it is, and there is no backup ({shown_backup}); restore it "
            f"from git (`git checkout -- {self.shown}`) and run `dorasync plan`"
        )

    def _fold_journal(self, state: State) -> State:
        try:
            lines = self.journal_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return state
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                break  # the last line of a run killed mid-write: not a recorded success
        if not records:
            return state
        lineage, serial = records[0].get("lineage"), records[0].get("serial")
        if (
            state.lineage
            and lineage == state.lineage
            and isinstance(serial, int)
            and state.serial > serial
        ):
            return state  # folded already: the run was killed after writing the state
        if state.lineage and lineage != state.lineage:
            raise StateError(
                f"{self.journal_path.name} belongs to another state (lineage {lineage}, the "
                f"state has {state.lineage}); move it away if {self.shown} was restored on "
                "purpose, and run `dorasync plan` to see what is left to send"
            )
        changed: dict[str, dict[str, Entry | None]] = {name: {} for name in SECTIONS}
        for r in records[1:]:
            changed[r.get("section", "incidents")][r["key"]] = (
                Entry(**r["entry"]) if r["entry"] else None
            )
        if not any(changed.values()):
            return state
        return state.with_entries(
            changed["incidents"],
            lineage,
            deployments=changed["deployments"],
            links=changed["links"],
        )

    def settle(self, state: State) -> bool:
        """Make durable what an interrupted run journaled: write `state` (read() folded
        the journal into it) and remove the journal. Call it holding the lock, before
        anything else, so that a failure later in the run cannot lose those records.
        True when there was a journal to settle."""
        if not self.journal_path.exists():
            return False
        if state.lineage is not None:
            self.write(state)
        self.journal_path.unlink(missing_ok=True)
        return True

    @contextlib.contextmanager
    def journal(self, state: State) -> Iterator[Journal]:
        """Record successes as they happen; on leaving, fold them into the state file.

        `state` must come from read() under the lock: a journal left by an interrupted
        run is folded into it and settled first, and this run starts a journal of its
        own, whose header names the serial it builds on."""
        self.settle(state)
        lineage = state.lineage or str(uuid.uuid4())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.journal_path.open("x", encoding="utf-8") as handle:
            handle.write(json.dumps({"lineage": lineage, "serial": state.serial}) + "\n")
            journal = Journal(handle)
            try:
                yield journal
            finally:
                # Also after Ctrl-C or an error: what was recorded really was sent.
                journal.sync()
                if journal.changed or journal.deployments or journal.links:
                    self.write(
                        state.with_entries(
                            journal.changed,
                            lineage,
                            deployments=journal.deployments,
                            links=journal.links,
                        )
                    )
                self.journal_path.unlink(missing_ok=True)

    def write(self, state: State) -> None:
        """Replace the state file atomically, keeping the previous one as the backup."""
        if self.path.exists():
            _atomic_write(self.backup_path, _copy_of(self.path))
        _atomic_write(self.path, chunks(state, __version__))

    @contextlib.contextmanager
    def lock(self, operation: str) -> Iterator[LockInfo]:
        """Hold the state lock for `operation`; refuse at once if someone else holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        info = LockInfo(
            str(uuid.uuid4()),
            _user(),
            socket.gethostname(),
            os.getpid(),
            operation,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            _start_time(os.getpid()),
        )
        self._acquire(info)
        try:
            yield info
        finally:
            self.lock_path.unlink(missing_ok=True)

    def _acquire(self, info: LockInfo) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self.holder()
                if (holder is None or _is_dead(holder)) and self._take_over(holder):
                    continue
                holder = holder or self.holder()
                if holder is None:
                    continue
                raise LockHeld(
                    f"the state is locked by {holder.user}@{holder.host} (pid {holder.pid}, "
                    f"{holder.operation}) since {holder.created}; wait for it to finish, or, "
                    f"if no dorasync is running there, run: dorasync force-unlock {holder.id}"
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(info), handle)
            return
        raise LockHeld(f"could not take the lock {self.lock_path}; try again")

    def _take_over(self, stale: LockInfo | None) -> bool:
        """Remove a stale lock without removing a fresh one in its place.

        Two runs may find the same dead holder; deleting by name, the slower one would
        delete the lock the faster one just took. So the lock is first renamed aside
        (atomic), then checked: if it is not the stale one, it is put back."""
        aside = self.lock_path.with_name(f"{self.lock_path.name}.stale-{uuid.uuid4()}")
        try:
            os.rename(self.lock_path, aside)
        except FileNotFoundError:
            return True  # gone already: try to create it
        try:
            moved = LockInfo(**json.loads(aside.read_text(encoding="utf-8")))
        except (ValueError, TypeError, OSError):
            moved = None
        try:
            if stale is not None and moved is not None and moved.id != stale.id:
                with contextlib.suppress(FileExistsError):
                    os.link(aside, self.lock_path)
                return False
            return True
        finally:
            aside.unlink(missing_ok=True)

    def holder(self) -> LockInfo | None:
        """Who holds the lock, or None when the lock file is gone or unreadable."""
        try:
            return LockInfo(**json.loads(self.lock_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError, OSError):
            return _unreadable_lock(self.lock_path)

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Remove the lock if `lock_id` is the id it holds."""
        holder = self.holder()
        if holder is None or not self.lock_path.exists():
            raise DorasyncError(f"{self.shown} is not locked")
        if holder.id != lock_id:
            raise DorasyncError(f"the lock's id is {holder.id}, not {lock_id}; nothing removed")
        self.lock_path.unlink(missing_ok=True)
        return holder


def _copy_of(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            yield block


def _atomic_write(path: Path, pieces: Iterable[str | bytes]) -> None:
    """Write `pieces` to a temp file beside `path`, fsync it, and rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        batch: list[str] = []
        for piece in pieces:
            if isinstance(piece, bytes):
                handle.write(piece)
                continue
            batch.append(piece)
            if len(batch) >= 4096:  # the encoder yields many tiny strings: write in runs
                handle.write("".join(batch).encode("utf-8"))
                batch.clear()
        handle.write("".join(batch).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def _is_dead(holder: LockInfo) -> bool:
    """A lock left by a process of this host that no longer runs is stale."""
    if holder.host != socket.gethostname() or holder.pid <= 0:
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    started = _start_time(holder.pid)
    return holder.started is not None and started is not None and started != holder.started


def _start_time(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (Linux /proc), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def _unreadable_lock(path: Path) -> LockInfo | None:
    """A lock file cut short (its writer died between create and write) is stale once
    it is a few seconds old; a fresh one is being written right now."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
    if age > 5:
        return None
    return LockInfo("unknown", "?", socket.gethostname(), 0, "starting", "just now")
