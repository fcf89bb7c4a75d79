"""The conversation store: one DuckDB file per notebook, a small verb-named API.

Every public write is one transaction (or joins the caller's ``transaction()``),
validates its models first, and publishes its events only after the commit.
Only this package writes SQL that changes data.

``Store`` holds the file's life (opened on demand through a ``Lease``, checked,
migrated and recovered at first open), the transactions and the events; its
verbs live with their concept: ``sessions.py`` and ``messages.py``.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import StoreCorrupt, StoreError, StoreTooNew
from ..schema import ids
from ..schema.sessions import Project
from . import health, migrations, recovery, sql
from .events import Event, EventBus
from .lease import Lease
from .messages import MessageVerbs
from .sessions import SessionVerbs
from .transaction import SessionTotals, WriteCache, atomic

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)


class StoreWarning(UserWarning):
    """Something the learner should know about their store (e.g. a file moved aside)."""


class Store(SessionVerbs, MessageVerbs):
    """Sessions, messages and parts of one notebook, in one DuckDB file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        notebook: str | None = None,
        read_only: bool = False,
        idle_release: float = 3.0,
        max_hold: float = 5.0,
        lock_timeout: float = 30.0,
    ):
        given = Path(path).expanduser()
        # the folders resolved, never the file itself: a symlink there is refused at open, not followed
        self.path = given.parent.resolve() / given.name
        self.notebook = notebook or str(self.path)
        self._notebook_given = bool(notebook)
        self.events = EventBus()
        self.notices: list[str] = []
        """Things that happened at open that the learner should hear about once."""
        self.status: dict[str, str] = {}
        """Runtime-only busy/idle state per session (never stored)."""
        self.read_only_reason: str | None = "opened read-only" if read_only else None
        self._newer = False
        """The file records migrations this version does not know (set at first open)."""
        self._lease = Lease(
            self.path,
            read_only=read_only,
            idle_release=idle_release,
            max_hold=max_hold,
            lock_timeout=lock_timeout,
            on_open=self._on_open,
        )
        self._first_open_done = False
        self._rewritten = False
        """The file was rewritten into the store's format once by this object (never loop on it)."""
        self._project: Project | None = None
        self._tx = threading.local()
        self._written = WriteCache()
        """What this store committed (sessions, messages and their last part seq, part ids): lets
        the streaming write path skip existence checks and upserts."""

    def __repr__(self) -> str:
        mode = "read-only" if self._lease.read_only else "read-write"
        return f"<Store {self.path} ({mode})>"

    # -- lifecycle -----------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self._lease.read_only

    @property
    def lease(self) -> Lease:
        return self._lease

    def close(self) -> None:
        """Release the file now (any later call reopens it)."""
        self._lease.release()

    @contextmanager
    def connection(self) -> Iterator["duckdb.DuckDBPyConnection"]:
        """The store's connection for one read (analytics use this; never write through it)."""
        current = getattr(self._tx, "con", None)
        if current is not None:
            yield current
            return
        if not self._first_open_done:
            self._open_first_time()
        with self._lease.connection() as con:
            yield con

    def _open_first_time(self) -> None:
        from ..safe_paths import check_store_file

        check_store_file(self.path)  # a symlink, FIFO or folder: refused before anything opens or moves it
        if not self._lease.read_only:
            from ..locate import prepare_folder
            from .fileformat import finish_interrupted_swap

            prepare_folder(self.path.parent)
            note = finish_interrupted_swap(self.path)
            if note:
                self.notices.append(note)
        for _ in range(3):
            try:
                with self._lease.connection():
                    pass
                break
            except health.OldFormat:
                self._rewrite()
            except StoreCorrupt as error:
                moved = health.move_aside(self.path)
                notice = f"the store {self.path} could not be read ({error}); it was moved to {moved} and a new store started"
                self.notices.append(notice)
                warnings.warn(notice, StoreWarning, stacklevel=4)
            except health.NewerStore:
                self._lease.read_only = True
                self._newer = True
                self.read_only_reason = (
                    f"the store {self.path} was written by a newer buddy_jupyter; it is open read-only "
                    "(upgrade buddy_jupyter to write to it)"
                )
                self.notices.append(self.read_only_reason)
        self._first_open_done = True

    def _rewrite(self) -> dict[str, int]:
        self._rewritten = True
        return health.rewrite(self._lease, self.path)

    def compact(self) -> dict[str, int]:
        """Rewrite the store into a new file (the portable format, free space dropped); its sizes and row counts.

        The old file is kept until the new one, with the same row counts, is in place."""
        if self._lease.read_only:
            raise StoreError(self.read_only_reason or f"the store {self.path} is read-only")
        if not self._first_open_done:
            self._open_first_time()  # migrates (and rewrites a store made before the format) first
        return self._rewrite()

    def _on_open(self, con: "duckdb.DuckDBPyConnection") -> None:
        if not self._first_open_done:
            health.check_whole(con, self.path)
            migrations.refuse_foreign(con)  # someone's own DuckDB file: never rewritten nor migrated
        if self._lease.read_only:
            return
        if not self._first_open_done and not self._rewritten:
            notice = health.check_format(con, self.path)
            if notice:
                self.notices.append(notice)
        if self._first_open_done and self._project is not None:
            return
        names = migrations.applied(con)
        if migrations.unknown(names):
            raise health.NewerStore()
        ran = migrations.migrate(con)
        if ran:
            log.info("migrated %s: %s", self.path, ", ".join(ran))
        self._project = self._ensure_project(con)
        recovered = recovery.recover(con, self._write_part)
        if recovered:
            log.warning("recovered %d interrupted answer(s) in %s", len(recovered), self.path)

    # -- transactions and events -------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator["duckdb.DuckDBPyConnection"]:
        """Group writes into one transaction; events go out after the commit."""
        with self._writing(single=False) as con:
            yield con

    @contextmanager
    def _single_write(self) -> Iterator["duckdb.DuckDBPyConnection"]:
        """For a verb that changes data with one statement at most (reads aside): outside a
        transaction, DuckDB commits that statement on its own, which saves a BEGIN and a
        COMMIT on each streamed part's writes. Inside one, it joins it."""
        with self._writing(single=True) as con:
            yield con

    @contextmanager
    def _writing(self, single: bool) -> Iterator["duckdb.DuckDBPyConnection"]:
        if getattr(self._tx, "con", None) is not None:
            with self.connection() as con:  # joins the caller's transaction
                yield con
            return
        if not self._first_open_done:
            self._open_first_time()
        if self._lease.read_only:
            error = StoreTooNew if self._newer else StoreError
            raise error(self.read_only_reason or f"the store {self.path} is read-only")
        tx = self._tx
        with self._lease.connection() as con:
            tx.con, tx.events, tx.written, tx.totals = con, [], WriteCache(), SessionTotals()
            try:
                with nullcontext() if single else atomic(con):
                    yield con
                    if not single:
                        tx.totals.write(con)
                    elif tx.totals.added:  # a bug in a verb (it must use transaction()), caught by the tests
                        raise RuntimeError("a single write changed session totals; use transaction()")
                self._written.merge(tx.written)
            finally:
                events, tx.con, tx.events, tx.written, tx.totals = tx.events, None, None, None, None
        for event in events:
            self.events.publish(event)

    def _emit(self, kind: str, session_id: str | None, data: Any = None) -> None:
        self._tx.events.append(Event(kind, session_id, data))  # type: ignore[arg-type]

    def publish_delta(self, session_id: str, part_id: str, delta: str, field: str = "text") -> None:
        """Streamed text: an event only, never a write."""
        self.events.publish(Event("part.delta", session_id, {"part_id": part_id, "field": field, "delta": delta}))

    def set_status(self, session_id: str, status: str) -> None:
        """Runtime-only busy/idle state."""
        self.status[session_id] = status
        self.events.publish(Event("session.status", session_id, status))

    # -- project -------------------------------------------------------------------

    def _ensure_project(self, con: "duckdb.DuckDBPyConnection") -> Project:
        rows = con.execute(sql.SELECT_PROJECT).fetchall()
        now = ids.utcnow()
        if rows:
            pid, path, created, updated = rows[0]
            if path != self.notebook and self._notebook_given:
                con.execute(sql.UPDATE_PROJECT_PATH, [self.notebook, now, pid])
                path, updated = self.notebook, now
            return Project(id=pid, path=path, time_created=created, time_updated=updated)
        pid, created = ids.new_id("project")
        con.execute(sql.INSERT_PROJECT, [pid, self.notebook, created, created])
        return Project(id=pid, path=self.notebook, time_created=created, time_updated=created)

    @property
    def project(self) -> Project:
        if self._project is None:
            with self.connection() as con:
                rows = con.execute(sql.SELECT_PROJECT).fetchall()
            if not rows:
                raise StoreError(f"the store {self.path} has no project yet")
            pid, path, created, updated = rows[0]
            self._project = Project(id=pid, path=path, time_created=created, time_updated=updated)
        return self._project

    def schema_version(self) -> str:
        with self.connection() as con:
            return migrations.schema_version(con)
