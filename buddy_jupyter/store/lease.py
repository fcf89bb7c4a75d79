"""A process's lease on one DuckDB file: open on demand, release when idle.

DuckDB lets one process hold a file read-write, and while it does no other
process can open it at all. So a kernel holds its store only while working:
the connection opens at the first operation, and closes once no operation ran
for ``idle_release`` seconds, or right after an operation once it has been held
for ``max_hold`` seconds (so a long streamed answer still lets a reader of
another kernel in between flushes). Opening retries with backoff while another
process holds the lock, and after ``lock_timeout`` raises ``StoreLocked``
naming that process. Waiters take turns through the store's waiting room
(``queue.py``): only the first in line tries to open, and a holder that sees
someone queued lets go after its operation (an idle one within ``QUEUE_CHECK``).

Within the process one re-entrant lock serialises every use of the connection
(DuckDB refuses concurrent calls on one connection object); the engine's thread,
the sidebar's callbacks and the release timer all go through it.
"""

from __future__ import annotations

import atexit
import logging
import random
import re
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from ..errors import StoreCorrupt, StoreError, StoreLocked, StoreTooNew, StoreUnwritable
from . import sql
from .queue import WaitingRoom

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

RETRY_CAP = 0.05
"""Longest pause between two attempts to open a file another process holds."""
QUEUE_POLL = 0.01
"""How often a process waiting behind others in the store's queue looks whether its turn came."""
MIN_TURN = 0.25
"""A busy holder keeps the file this long even when someone queued (opening the file is slow: letting
go after every write of a streamed answer spent more time opening than writing)."""
QUEUE_CHECK = 0.05
"""While a process holds the file idle, how often it looks whether another one queued for it."""
COURTESY = 0.1
"""After letting go because of ``max_hold``, wait this long before taking the file back, so that a
process polling for it (every ``RETRY_CAP`` at most) gets its turn instead of being starved."""

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_CORRUPT_SIGNS = ("not a valid DuckDB database", "Corrupt database", "Could not read enough bytes", "checksum")


_held: "weakref.WeakSet[Lease]" = weakref.WeakSet()


@atexit.register
def _release_all() -> None:
    """Close every held file before the interpreter finalises: an idle-release timer closing a
    connection while daemon threads are being torn down aborts the process (SIGABRT)."""
    for lease in list(_held):
        try:
            lease.release()
        except Exception as error:  # pragma: no cover - best effort at exit
            log.warning("closing %s at exit failed: %s", lease.path, error)


_SAME_PROCESS = "different configuration"  # this process holds the file in the other mode (read-only/read-write)


def is_lock_conflict(error: BaseException) -> bool:
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text or _SAME_PROCESS in text


def describe_holder(error: BaseException) -> str:
    if _SAME_PROCESS in str(error):
        return "another Store in this process, open in the other mode (read-only or read-write)"
    match = _HOLDER.search(str(error))
    if not match:
        return "another process"
    return f"{match['program']} (PID {match['pid']})"


class Lease:
    """Connection to one store file, held only while in use."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        idle_release: float = 3.0,
        max_hold: float = 5.0,
        lock_timeout: float = 30.0,
        on_open: Callable[["duckdb.DuckDBPyConnection"], None] | None = None,
    ):
        self.path = Path(path)
        self.read_only = read_only
        self.idle_release = idle_release
        self.max_hold = max_hold
        self.lock_timeout = lock_timeout
        self.on_open = on_open
        self.opens = 0
        """How many times the file was opened (for status and benchmarks)."""
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._last_used = 0.0
        self._timer: threading.Timer | None = None
        self._depth = 0
        self._reopen_after = 0.0
        self._room = WaitingRoom(self.path)

    @property
    def is_open(self) -> bool:
        return self._con is not None

    @contextmanager
    def connection(self) -> Iterator["duckdb.DuckDBPyConnection"]:
        """The open connection, for the duration of one operation."""
        with self._lock:
            if self._con is None:
                pause = self._reopen_after - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                self._con = self._connect()
            self._depth += 1
            try:
                yield self._con
            except Exception as error:
                damage = _damage_found(error)
                if damage is None:
                    raise
                raise StoreCorrupt(
                    f"the store {self.path} is damaged ({damage}); nothing was changed. To start a new "
                    "store, close this notebook's kernels and move the file aside (keep it: the rest of "
                    "its history may still be readable with DuckDB)"
                ) from error
            finally:
                self._depth -= 1
                now = time.monotonic()
                self._last_used = now
                if self._depth == 0 and self._con is not None:
                    if self.idle_release <= 0 or now - self._opened_at >= self.max_hold:
                        self._close()
                        if now - self._opened_at >= self.max_hold:
                            self._reopen_after = time.monotonic() + COURTESY
                    elif now - self._opened_at >= MIN_TURN and self._room.others_waiting():
                        self._close()  # someone queued for the file: their turn (we queue to come back)
                    else:
                        self._arm_timer()

    def release(self) -> None:
        """Close the file now (it reopens on the next operation)."""
        with self._lock:
            if self._depth == 0:
                self._close()

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Keep the file closed by this lease (e.g. to reopen it in another mode)."""
        with self._lock:
            if self._depth:
                raise StoreError("the store is in use by this kernel; try again when it is idle")
            self._close()
            yield

    # -- internals ---------------------------------------------------------------

    def _connect(self) -> "duckdb.DuckDBPyConnection":
        import duckdb

        if self.read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}")
        if not self.read_only and not self.path.exists():
            from .fileformat import create

            try:
                create(self.path)  # in the format every DuckDB client from 1.4 reads, in small blocks
            except duckdb.Error as error:
                if not is_lock_conflict(error):  # another process created it first: open that one
                    raise _classify_open_error(self.path, error) from error
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        room = self._room
        ticket = room.join() if room.others_waiting() else ""  # others wait already: behind them
        holder = "another process"
        try:
            while True:
                if ticket and not room.is_first(ticket):  # not our turn yet: no attempt, no error
                    if time.monotonic() >= deadline:
                        raise StoreLocked(
                            f"the store {self.path} is held by {holder}, with {room.ahead_of(ticket)} other(s) "
                            f"waiting ahead; waited {self.lock_timeout:g} s (raise %config Buddy.lock_timeout)")
                    time.sleep(QUEUE_POLL * (0.5 + random.random()))
                    continue
                try:
                    con = duckdb.connect(str(self.path), read_only=self.read_only)
                    break
                except duckdb.Error as error:
                    if is_lock_conflict(error):
                        holder = describe_holder(error)
                        if time.monotonic() >= deadline:
                            raise StoreLocked(
                                f"the store {self.path} is held by {holder}; waited "
                                f"{self.lock_timeout:g} s (close it there, or raise %config Buddy.lock_timeout)"
                            ) from None
                        if not ticket:
                            ticket = room.join()  # the holder sees it and lets go after its operation
                        time.sleep(delay * (0.5 + random.random()))
                        delay = min(delay * 2, RETRY_CAP)
                        continue
                    raise _classify_open_error(self.path, error) from error
        finally:
            room.leave(ticket)
        con.execute(sql.NO_PROGRESS_BAR)  # e.g. a migration copying a large table draws none
        self.opens += 1
        self._opened_at = time.monotonic()
        _held.add(self)
        if self.on_open is not None:
            try:
                self.on_open(con)
            except BaseException as error:
                con.close()
                if isinstance(error, duckdb.Error) and any(sign in str(error) for sign in _CORRUPT_SIGNS):
                    raise StoreCorrupt(str(error).splitlines()[0]) from error  # e.g. the catalog is damaged
                raise
        return con

    def _arm_timer(self) -> None:
        if self._timer is not None:
            return
        delay = max(0.01, self._last_used + self.idle_release - time.monotonic())
        delay = min(delay, QUEUE_CHECK)  # an idle holder looks for a queue now and then
        self._timer = threading.Timer(delay, self._on_timer)
        self._timer.daemon = True
        self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if self._con is None or self._depth:
                return
            if time.monotonic() - self._last_used >= self.idle_release * 0.99 or self._room.others_waiting():
                self._close()
            else:
                self._arm_timer()

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        con = self._con
        if con is not None:
            try:
                con.close()
            except Exception as error:  # closing must not hide the operation's result
                log.warning("closing %s failed: %s", self.path, error)
        self._con = None  # only now: is_open must not say the file is free while DuckDB still holds it


# What DuckDB says when a read reaches a damaged block (signs a user's own SQL error cannot carry,
# unlike the bare word "checksum", which also names a function).
_DAMAGE_SIGNS = ("Corrupt database file", "does not match stored checksum", "Could not read enough bytes",
                 "not a valid DuckDB database")


def _damage_found(error: BaseException) -> str | None:
    """DuckDB's first line when ``error`` is a damaged block read after the store opened."""
    if type(error).__module__.split(".")[0] not in ("duckdb", "_duckdb"):
        return None
    text = str(error)
    if not any(sign in text for sign in _DAMAGE_SIGNS):
        return None
    return text.splitlines()[0]


def _classify_open_error(path: Path, error: BaseException) -> StoreError:
    text = str(error)
    if "newer" in text or "version number" in text:
        return StoreTooNew(f"the store {path} was written by a newer DuckDB or buddy_jupyter: {text.splitlines()[0]}")
    if any(sign in text for sign in _CORRUPT_SIGNS):
        return StoreCorrupt(text.splitlines()[0])
    if "Permission denied" in text or "Read-only file system" in text or "Cannot open file" in text:
        return StoreUnwritable(
            f"cannot open the store {path} for writing ({text.splitlines()[0]}); "
            "set %config Buddy.data_dir or BUDDY_DATA_DIR to a writable folder"
        )
    return StoreError(f"cannot open the store {path}: {text.splitlines()[0]}")
