"""The conversation store: one DuckDB file per notebook, a small verb-named API.

Every public write is one transaction (or joins the caller's ``transaction()``),
validates its models first, and publishes its events only after the commit.
Only this package writes SQL that changes data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import threading
import warnings
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from ..errors import InvalidInput, NotFound, StoreCorrupt, StoreError, StoreTooNew
from ..schema import ids
from ..schema.messages import AssistantMessage, Message, MessageAdapter, MessageWithParts, UserMessage
from ..schema.parts import Part, PartListAdapter
from ..schema.sessions import Project, Session
from . import migrations, sql
from .events import Event, EventBus
from .lease import Lease

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Largest JSON payload of one part or message (a 10 MB message fits easily)."""

_SAFE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # used with fullmatch: "$" would let "id\n" through
_MessageList = TypeAdapter(list[Message])
_SessionList = TypeAdapter(list[Session])


class _WriteCache:
    """Ids this store wrote, so that hot writes need no lookups."""

    def __init__(self) -> None:
        self.message_seq: dict[str, int] = {}
        """session id -> the seq of its last message."""
        self.parts: set[str] = set()
        self.part_seq: dict[str, tuple[str, int]] = {}
        """message id -> (its session, the seq of its last part)."""
        self.titled: set[str] = set()
        """Sessions known to have a title (``title_if_untitled`` has nothing to do)."""

    def merge(self, other: "_WriteCache") -> None:
        self.message_seq.update(other.message_seq)
        self.parts |= other.parts
        self.part_seq.update(other.part_seq)
        self.titled |= other.titled

    def forget_session(self, session_id: str) -> None:
        self.message_seq.pop(session_id, None)
        self.titled.discard(session_id)
        for message_id in [m for m, (s, _) in self.part_seq.items() if s == session_id]:
            del self.part_seq[message_id]


class _SessionTotals:
    """What a transaction adds to its sessions' totals, written once per session at commit."""

    def __init__(self) -> None:
        self.added: dict[str, list[float]] = {}
        """session id -> [new messages, input tokens, output tokens, cost]."""

    def add(self, session_id: str, messages: int, usage: tuple[int, int, float]) -> None:
        row = self.added.setdefault(session_id, [0, 0, 0, 0.0])
        row[0] += messages
        for i, value in enumerate(usage, start=1):
            row[i] += value

    def write(self, con: "duckdb.DuckDBPyConnection") -> None:
        now = ids.utcnow()
        for session_id, (messages, tokens_in, tokens_out, cost) in self.added.items():
            con.execute(sql.ADD_TO_SESSION, [messages, tokens_in, tokens_out, cost, now, session_id])


class StoreWarning(UserWarning):
    """Something the learner should know about their store (e.g. a file moved aside)."""


class _NewerStore(Exception):
    """Raised inside the open hook: reopen the file read-only."""


class _OldFormat(Exception):
    """Raised inside the open hook: the file predates the store's format; rewrite it, then reopen."""


def owner_tag() -> str:
    """Who is writing a running answer: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process: we cannot tell, assume gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
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
        self._written = _WriteCache()
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
            except _OldFormat:
                self._rewrite()
            except StoreCorrupt as error:
                moved = self._move_aside()
                notice = f"the store {self.path} could not be read ({error}); it was moved to {moved} and a new store started"
                self.notices.append(notice)
                warnings.warn(notice, StoreWarning, stacklevel=4)
            except _NewerStore:
                self._lease.read_only = True
                self._newer = True
                self.read_only_reason = (
                    f"the store {self.path} was written by a newer buddy_jupyter; it is open read-only "
                    "(upgrade buddy_jupyter to write to it)"
                )
                self.notices.append(self.read_only_reason)
        self._first_open_done = True

    def _rewrite(self) -> dict[str, int]:
        """Copy the file into the store's format (every DuckDB from 1.4 reads it; blocks for its size) and swap it in."""
        from .fileformat import rewrite

        from .fileformat import stored_bytes

        self._rewritten = True
        with self._lease.suspended():
            before = stored_bytes(self.path)
            counts = rewrite(self.path)
        after = self.path.stat().st_size
        log.info("rewrote %s into the portable format: %d -> %d bytes", self.path, before, after)
        return {"bytes_before": before, "bytes_after": after, **counts}

    def compact(self) -> dict[str, int]:
        """Rewrite the store into a new file (the portable format, free space dropped); its sizes and row counts.

        The old file is kept until the new one, with the same row counts, is in place."""
        if self._lease.read_only:
            raise StoreError(self.read_only_reason or f"the store {self.path} is read-only")
        if not self._first_open_done:
            self._open_first_time()  # migrates (and rewrites a store made before the format) first
        return self._rewrite()

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.corrupt-{stamp}{self.path.suffix}")
        n = 1
        while target.exists() or Path(str(target) + ".wal").exists():  # never overwrite an earlier one
            n += 1
            target = self.path.with_name(f"{self.path.stem}.corrupt-{stamp}-{n}{self.path.suffix}")
        shutil.move(str(self.path), str(target))
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            shutil.move(str(wal), str(target) + ".wal")
        return target

    def _on_open(self, con: "duckdb.DuckDBPyConnection") -> None:
        if not self._first_open_done:
            self._check_whole(con)
            migrations.refuse_foreign(con)  # someone's own DuckDB file: never rewritten nor migrated
        if self._lease.read_only:
            return
        if not self._first_open_done and not self._rewritten:
            from .fileformat import AUTO_REWRITE_MAX, needs_rewrite, stored_bytes

            size = stored_bytes(self.path)
            if needs_rewrite(con, size):
                if size <= AUTO_REWRITE_MAX:
                    raise _OldFormat()
                self.notices.append(  # a copy of this size takes a while: the learner chooses when
                    f"the store {self.path} ({size / 2**20:,.0f} MiB) is in an older file format that DuckDB 1.x "
                    "clients cannot read; %buddy compact rewrites it (about 1 s per 30 MiB)")
        if self._first_open_done and self._project is not None:
            return
        names = migrations.applied(con)
        if migrations.unknown(names):
            raise _NewerStore()
        ran = migrations.migrate(con)
        if ran:
            log.info("migrated %s: %s", self.path, ", ".join(ran))
        self._project = self._ensure_project(con)
        self._recover(con)

    def _check_whole(self, con: "duckdb.DuckDBPyConnection") -> None:
        """A file cut short (a full disk, an interrupted copy) opens, and fails only when a read
        reaches a missing block: find that at open, from its size and the storage metadata
        (reading no data). Two checks, neither of which a crash mid-checkpoint can trip (its torn
        block lies beyond the committed ones): the blocks the tables' data live in are present,
        and no more blocks are missing at the end than the free list can account for (index and
        metadata blocks have no pragma of their own)."""
        block_size, total_blocks, free_blocks = con.execute(sql.BLOCKS).fetchall()[0]
        size = self.path.stat().st_size
        present = max(0, size - sql.FILE_HEADERS_BYTES) // block_size
        if present >= total_blocks:
            return  # every block is there: neither check can fail (skips 30 ms of metadata at 1M parts)
        last = -1
        for (table,) in con.execute(sql.TABLES).fetchall():
            block = con.execute(sql.LAST_BLOCK, [table]).fetchall()[0][0]
            last = max(last, -1 if block is None else block)
        if present <= last or total_blocks - present > free_blocks:
            raise StoreCorrupt(f"the file is cut short: {size} bytes hold {present} of its {total_blocks} "
                               f"blocks ({free_blocks} free), and its tables use block {last}")

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
        COMMIT (about 0.25 ms of each streamed part's writes). Inside one, it joins it."""
        with self._writing(single=True) as con:
            yield con

    @contextmanager
    def _writing(self, single: bool) -> Iterator["duckdb.DuckDBPyConnection"]:
        current = getattr(self._tx, "con", None)
        if current is not None:
            yield current
            return
        if not self._first_open_done:
            self._open_first_time()
        if self._lease.read_only:
            error = StoreTooNew if self._newer else StoreError
            raise error(self.read_only_reason or f"the store {self.path} is read-only")
        with self._lease.connection() as con:
            if not single:
                con.execute("BEGIN TRANSACTION")
            self._tx.con, self._tx.events, self._tx.written = con, [], _WriteCache()
            self._tx.totals = _SessionTotals()
            try:
                yield con
                if single:
                    if self._tx.totals.added:  # a bug in a verb (it must use transaction()), caught by the tests
                        raise RuntimeError("a single write changed session totals; use transaction()")
                else:
                    self._tx.totals.write(con)
                    con.execute("COMMIT")
                self._written.merge(self._tx.written)
            except BaseException:
                if not single:
                    con.execute("ROLLBACK")
                raise
            finally:
                events, self._tx.con, self._tx.events, self._tx.written = self._tx.events, None, None, None
                self._tx.totals = None
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
                con.execute("UPDATE project SET path = ?, time_updated = ? WHERE id = ?", [self.notebook, now, pid])
                path, updated = self.notebook, now
            return Project(id=pid, path=path, time_created=created, time_updated=updated)
        pid, created = ids.new_id("project")
        con.execute(
            "INSERT INTO project (id, path, time_created, time_updated) VALUES (?, ?, ?, ?)",
            [pid, self.notebook, created, created],
        )
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

    # -- sessions ------------------------------------------------------------------

    def create_session(self, title: str = "", *, parent_id: str | None = None) -> Session:
        _check_text(title, "title")
        sid, created = ids.new_id("session")
        with self._single_write() as con:
            session = Session(
                id=sid, project_id=self.project.id, title=title, time_created=created,
                time_updated=created, parent_id=parent_id,
            )
            con.execute(sql.INSERT_SESSION, [sid, session.project_id, parent_id, title, created, created])
            self._tx.written.message_seq[sid] = 0  # a new session: its first message needs no lookup
            self._emit("session.created", sid, session)
        return session

    def get_session(self, session_id: str) -> Session:
        _known_id(session_id, "session")
        with self.connection() as con:
            rows = con.execute(sql.SELECT_SESSIONS + " WHERE id = ?", [session_id]).fetchall()
        if not rows:
            raise NotFound(f"no session {session_id!r} in {self.path.name}")
        return _session_from_row(rows[0])

    def find_session(self, fragment: str) -> Session:
        """The one session whose id starts or ends with ``fragment``."""
        fragment = fragment.strip()
        _check_text(fragment, "the session id")
        if not fragment:
            raise InvalidInput("give a session id (a unique start or end of it is enough)")
        with self.connection() as con:
            rows = con.execute(
                sql.SELECT_SESSIONS + " WHERE id = ? OR starts_with(id, ?) OR ends_with(id, ?) LIMIT 3",
                [fragment, fragment, fragment],
            ).fetchall()
        exact = [row for row in rows if row[0] == fragment]
        if exact:
            return _session_from_row(exact[0])
        if not rows:
            raise NotFound(f"no session id starts or ends with {fragment!r}")
        if len(rows) > 1:
            raise InvalidInput(f"{fragment!r} matches several sessions; give more of the id")
        return _session_from_row(rows[0])

    def list_sessions(self, *, limit: int = 50, offset: int = 0, archived: bool | None = False) -> list[Session]:
        """Newest activity first. ``archived``: False hides archived, True shows only them, None shows all."""
        where = {False: " WHERE time_archived IS NULL", True: " WHERE time_archived IS NOT NULL", None: ""}[archived]
        if int(limit) < 0 or int(offset) < 0:
            raise InvalidInput(f"the number of sessions must be 0 or more, not {min(int(limit), int(offset))}")
        with self.connection() as con:
            rows = con.execute(
                sql.SELECT_SESSIONS + where + " ORDER BY time_updated DESC, id DESC LIMIT ? OFFSET ?",
                [min(int(limit), 2**62), min(int(offset), 2**62)],  # "all of them" for any larger number
            ).fetchall()
        return [_session_from_row(row) for row in rows]

    def count_sessions(self, *, archived: bool | None = False) -> int:
        where = {False: " WHERE time_archived IS NULL", True: " WHERE time_archived IS NOT NULL", None: ""}[archived]
        with self.connection() as con:
            return con.execute("SELECT count(*) FROM session" + where).fetchall()[0][0]

    def set_title(self, session_id: str, title: str) -> Session:
        _check_text(title, "title")
        self._written.titled.discard(session_id)
        return self._update_session(session_id, "title = ?", [title])

    def title_if_untitled(self, session_id: str, title: str) -> bool:
        """Give an untitled session ``title``; a session with a title keeps it. True if it changed.

        Every question asks this, so a session seen titled needs no statement again."""
        _check_text(title, "title")
        _known_id(session_id, "session")
        if session_id in self._written.titled or not title:
            return False
        with self._single_write() as con:
            changed = con.execute(sql.TITLE_IF_UNTITLED, [title, ids.utcnow(), session_id]).fetchone()[0]
            if changed:
                self._emit("session.updated", session_id, self.get_session(session_id))
            self._tx.written.titled.add(session_id)
        return bool(changed)

    def archive_session(self, session_id: str, archived: bool = True) -> Session:
        """Hide a session from lists (never deletes anything); ``archived=False`` brings it back."""
        return self._update_session(session_id, "time_archived = ?", [ids.utcnow() if archived else None])

    def _update_session(self, session_id: str, assignment: str, params: list[Any]) -> Session:
        _known_id(session_id, "session")
        now = ids.utcnow()
        sets = assignment + ", time_updated = ?"
        with self._single_write() as con:
            found = con.execute(f"UPDATE session SET {sets} WHERE id = ?", [*params, now, session_id]).fetchone()[0]
            if not found:
                raise NotFound(f"no session {session_id!r} in {self.path.name}")
            session = self.get_session(session_id)
            self._emit("session.updated", session_id, session)
        return session

    def delete_session(self, session_id: str) -> None:
        """Delete a session with all its messages and parts."""
        _known_id(session_id, "session")
        with self.transaction() as con:
            found = con.execute("DELETE FROM session WHERE id = ?", [session_id]).fetchone()[0]
            if not found:
                raise NotFound(f"no session {session_id!r} in {self.path.name}")
            con.execute("DELETE FROM part WHERE session_id = ?", [session_id])
            con.execute("DELETE FROM message WHERE session_id = ?", [session_id])
            self._emit("session.deleted", session_id, session_id)
        self._written.forget_session(session_id)

    def fork_session(self, session_id: str, message_id: str, *, title: str | None = None) -> Session:
        """A new session holding copies of ``session_id``'s messages up to and including ``message_id``."""
        source = self.get_session(session_id)
        history = self.get_messages(session_id)
        upto = next((i for i, m in enumerate(history) if m.info.id == message_id), None)
        if upto is None:
            raise NotFound(f"no message {message_id!r} in session {session_id!r}")
        id_map: dict[str, str] = {}
        with self.transaction():
            fork = self.create_session(title if title is not None else f"{source.title} (fork)", parent_id=session_id)
            for item in history[: upto + 1]:
                new_mid, created = ids.new_id("message")
                id_map[item.info.id] = new_mid
                update: dict[str, Any] = {"id": new_mid, "session_id": fork.id, "time_created": created}
                if isinstance(item.info, AssistantMessage):
                    update["parent_id"] = id_map.get(item.info.parent_id, item.info.parent_id)
                parts = [
                    p.model_copy(update={"id": ids.new_id("part")[0], "session_id": fork.id, "message_id": new_mid})
                    for p in item.parts
                ]
                self.append_message(item.info.model_copy(update=update), parts)
        return self.get_session(fork.id)

    def import_session(self, session: Session, messages: Sequence[MessageWithParts], *,
                       data: dict[str, Any] | None = None) -> int:
        """Add a session from elsewhere (an import), keeping its ids, times and parent, in one transaction.

        Messages already in the store are skipped, so importing twice adds nothing (and a source that
        grew adds only its new messages). ``data``: what the session's columns cannot hold. Returns
        how many messages were added; any failure leaves the store as it was.
        """
        session = Session.model_validate(session)
        _check_ids(session.id)
        _check_text(session.title, "title")
        checked = []
        for item in messages:
            info = MessageAdapter.validate_python(item.info)
            _check_ids(info.id)
            if info.session_id != session.id:
                raise InvalidInput(f"message {info.id!r} belongs to another session than {session.id!r}")
            parts = [_check_part(part) for part in item.parts]
            for part in parts:
                if (part.session_id, part.message_id) != (session.id, info.id):
                    raise InvalidInput(f"part {part.id!r} belongs to another message than {info.id!r}")
            checked.append((info, _dump_message(info), [(part, _dump_part(part)) for part in parts]))
        extra = json.dumps(data, ensure_ascii=False) if data else None
        added = 0
        with self.transaction() as con:
            exists = con.execute("SELECT count(*) FROM session WHERE id = ?", [session.id]).fetchall()[0][0]
            if not exists:
                con.execute(sql.INSERT_IMPORTED_SESSION, [session.id, self.project.id, session.parent_id, session.title,
                                                          session.time_created, session.time_updated,
                                                          session.time_archived, session.message_count,
                                                          session.tokens_input, session.tokens_output, session.cost,
                                                          extra])
            have = {row[0] for row in con.execute(sql.SESSION_MESSAGE_IDS, [session.id]).fetchall()}
            seq = con.execute(sql.SESSION_SLOT, [session.id, session.id]).fetchall()[0][1]
            for info, payload, parts in checked:
                if info.id in have:
                    continue
                seq += 1
                con.execute(sql.INSERT_MESSAGE, [info.id, session.id, seq, info.role, info.time_created,
                                                 info.time_created, *_message_columns(info), payload])
                for n, (part, part_payload) in enumerate(parts, start=1):
                    try:
                        created = ids.time_of(part.id)  # as when it was written here (its id's time)
                    except ValueError:
                        created = info.time_created  # an id from elsewhere: its message's time
                    con.execute(sql.INSERT_PART, [part.id, session.id, info.id, n, part.type, created,
                                                  created, part_payload])
                self._emit("message.updated", session.id, info)
                added += 1
            whole = not exists and added == len(checked) == session.message_count
            if (added or not exists) and not whole:  # a whole session keeps its totals as the source added them up
                con.execute(sql.IMPORTED_SESSION_TOTALS, [session.time_updated, session.id, session.id])
            if added or not exists:
                self._emit("session.created" if not exists else "session.updated", session.id, session)
        self._written.forget_session(session.id)
        return added

    def session_data(self, session_id: str) -> dict[str, Any]:
        """What a session keeps beyond its columns (e.g. where an import came from); {} when nothing."""
        _known_id(session_id, "session")
        with self.connection() as con:
            rows = con.execute(sql.SELECT_SESSION_DATA, [session_id]).fetchall()
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    # -- messages and parts --------------------------------------------------------

    def append_message(self, message: Message, parts: Sequence[Part] = ()) -> None:
        """Insert a message (and optionally its first parts) in one transaction."""
        message = _with_owner(MessageAdapter.validate_python(message))
        _check_ids(message.id, message.session_id)
        data = _dump_message(message)
        checked = [_check_part(part) for part in parts]
        for part in checked:
            if (part.session_id, part.message_id) != (message.session_id, message.id):
                raise InvalidInput(f"part {part.id!r} belongs to another message than {message.id!r}")
        payloads = [(part, _dump_part(part)) for part in checked]
        with self.transaction() as con:
            seq = self._last_message_seq(message.session_id)
            if seq is None:
                exists, seq = con.execute(sql.SESSION_SLOT, [message.session_id, message.session_id]).fetchall()[0]
                if not exists:
                    raise NotFound(f"no session {message.session_id!r} in {self.path.name}")
            seq += 1
            con.execute(sql.INSERT_MESSAGE, [message.id, message.session_id, seq, message.role,
                                             message.time_created, message.time_created, *_message_columns(message), data])
            self._tx.written.message_seq[message.session_id] = seq
            self._tx.written.part_seq[message.id] = (message.session_id, 0)
            for part, payload in payloads:
                self._write_part(con, part, payload)
            usage = _usage(message)
            self._tx.totals.add(message.session_id, 1, usage)
            self._emit("message.updated", message.session_id, message)
            for part, _ in payloads:
                self._emit("part.updated", part.session_id, part)

    def update_message(self, message: Message) -> None:
        message = _with_owner(MessageAdapter.validate_python(message))
        data = _dump_message(message)
        with self.transaction() as con:
            now = ids.utcnow()
            con.execute(sql.SHIFT_SESSION_USAGE,
                        [message.id, message.time_created, message.session_id, *_usage(message), now, message.session_id])
            if not con.execute(sql.UPDATE_MESSAGE, [now, *_message_columns(message), data, message.id]).fetchone()[0]:
                raise NotFound(f"no message {message.id!r}")  # the rollback undoes the shift
            self._emit("message.updated", message.session_id, message)

    def put_part(self, part: Part) -> None:
        """Insert a part, or update it in place (the store keeps one copy per part)."""
        part = _check_part(part)
        payload = _dump_part(part)
        with self._single_write() as con:  # one INSERT or UPDATE, whichever path _write_part takes
            self._write_part(con, part, payload)
            self._emit("part.updated", part.session_id, part)

    append_part = update_part = put_part

    def _last_message_seq(self, session_id: str) -> int | None:
        """The seq of the session's last message, when this store wrote the session's messages."""
        pending = getattr(self._tx, "written", None)
        if pending is not None and session_id in pending.message_seq:
            return pending.message_seq[session_id]
        return self._written.message_seq.get(session_id)

    def _write_part(self, con: "duckdb.DuckDBPyConnection", part: Part, payload: str) -> None:
        """One row per part: UPDATE a part this store wrote, else INSERT it at the next seq.

        Streaming writes a part many times, so the common cases are answered from what this
        store committed (no upsert, no existence check: measured 3-5 ms less per write).
        """
        # outside a store transaction (recovery at open) nothing is cached
        pending = getattr(self._tx, "written", None) or _WriteCache()
        committed = self._written
        now = ids.utcnow()
        if part.id in pending.parts or part.id in committed.parts:
            if _update_part(con, part, payload, now):
                return
        known = pending.part_seq.get(part.message_id) or committed.part_seq.get(part.message_id)
        if known is None:
            row = con.execute(sql.PART_SLOT, [part.message_id, part.id, part.message_id]).fetchall()
            if not row:
                raise NotFound(f"no message {part.message_id!r} in session {part.session_id!r}")
            session_id, last_seq, exists = row[0]
            known = (session_id, last_seq)
            if exists:
                _update_part(con, part, payload, now)
                pending.parts.add(part.id)
                pending.part_seq[part.message_id] = known
                return
        session_id, last_seq = known
        if session_id != part.session_id:
            raise NotFound(f"no message {part.message_id!r} in session {part.session_id!r}")
        try:
            created = ids.time_of(part.id)  # minted with the id: one clock read
        except ValueError:
            created = now
        con.execute(sql.INSERT_PART, [part.id, part.session_id, part.message_id, last_seq + 1, part.type,
                                      created, now, payload])
        pending.parts.add(part.id)
        pending.part_seq[part.message_id] = (session_id, last_seq + 1)

    def _refresh_session(self, con: "duckdb.DuckDBPyConnection", session_id: str) -> None:
        con.execute(sql.REFRESH_SESSION_TOTALS, [ids.utcnow(), session_id, session_id])

    def get_message(self, message_id: str) -> MessageWithParts:
        _known_id(message_id, "message")
        with self.connection() as con:
            rows = con.execute(sql.SELECT_MESSAGE_JSON + " WHERE id = ?", [message_id]).fetchall()
            if not rows:
                raise NotFound(f"no message {message_id!r}")
            parts = con.execute(sql.SELECT_PART_JSON + " WHERE message_id = ? ORDER BY seq, id", [message_id]).fetchall()
        info = MessageAdapter.validate_json(_message_json(rows[0]))
        return MessageWithParts(info=info, parts=_load_parts(map(_part_json, parts)))

    def get_messages(self, session_id: str) -> list[MessageWithParts]:
        """A session's messages in order, each with its parts in order."""
        if not isinstance(session_id, str) or not _SAFE_ID.fullmatch(session_id):
            return []
        with self.connection() as con:
            messages = con.execute(
                sql.SELECT_MESSAGE_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id", [session_id]
            ).fetchall()
            parts = con.execute(
                sql.SELECT_PART_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id", [session_id]
            ).fetchall()
        infos = _MessageList.validate_json(_json_array(map(_message_json, messages)))
        by_message: dict[str, list[Part]] = {info.id: [] for info in infos}
        for part in _load_parts(map(_part_json, parts)):
            by_message.setdefault(part.message_id, []).append(part)
        return [MessageWithParts.model_construct(info=info, parts=by_message[info.id]) for info in infos]

    # -- crash recovery ------------------------------------------------------------

    def _recover(self, con: "duckdb.DuckDBPyConnection") -> list[str]:
        """Mark answers left running by a process that is gone as aborted."""
        rows = con.execute(sql.SELECT_MESSAGE_JSON + " WHERE role = 'assistant' AND time_completed IS NULL").fetchall()
        recovered = []
        for row in rows:
            message = MessageAdapter.validate_json(_message_json(row))
            if _owner_alive(getattr(message, "owner", None)):
                continue
            recovered.append(self._mark_interrupted(con, message))
        if recovered:
            log.warning("recovered %d interrupted answer(s) in %s", len(recovered), self.path)
        return recovered

    def _mark_interrupted(self, con: "duckdb.DuckDBPyConnection", message: AssistantMessage) -> str:
        from ..schema.messages import MessageAbortedError
        from ..schema.parts import ToolErrored, TimeSpan

        parts = PartListAdapter.validate_json(_json_array(
            map(_part_json, con.execute(sql.SELECT_PART_JSON + " WHERE message_id = ? ORDER BY seq, id", [message.id]).fetchall())
        ))
        last = con.execute("SELECT max(time_updated) FROM part WHERE message_id = ?", [message.id]).fetchall()[0][0]
        ended = last or message.time_created
        end_ms = ids.epoch_ms(ended)
        con.execute("BEGIN TRANSACTION")
        try:
            for part in parts:
                changed = None
                if part.type == "tool" and part.state.status in ("pending", "running"):
                    start = part.state.time.start if part.state.status == "running" else end_ms
                    changed = part.model_copy(update={"state": ToolErrored(
                        input=part.state.input, error="interrupted", time=TimeSpan(start=start, end=end_ms))})
                elif part.type in ("text", "reasoning") and part.time is not None and part.time.end is None:
                    changed = part.model_copy(update={"time": TimeSpan(start=part.time.start, end=end_ms)})
                if changed is not None:
                    self._write_part(con, changed, _dump_part(changed))
            done = message.model_copy(update={
                "time_completed": ended, "finish": "aborted", "owner": None,
                "error": MessageAbortedError(message="interrupted: the kernel stopped before the answer finished"),
            })
            con.execute(sql.UPDATE_MESSAGE, [ids.utcnow(), *_message_columns(done), _dump_message(done), done.id])
            self._refresh_session(con, done.session_id)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return message.id


def _update_part(con: "duckdb.DuckDBPyConnection", part: Part, payload: str, now: datetime) -> int:
    """Rewrite a part's row; how many rows changed. Found by its creation time first (carried by ids
    minted here, and the row's ``time_created``): a lookup by id alone scans every row group of a
    v1.4.0 file. A part whose row has another time (ids from elsewhere) is then found by id alone."""
    try:
        created = ids.time_of(part.id)
    except ValueError:
        created = None
    if created is not None:
        changed = con.execute(sql.UPDATE_PART_AT, [part.type, now, payload, created, part.id]).fetchone()[0]
        if changed:
            return changed
    return con.execute(sql.UPDATE_PART, [part.type, now, payload, part.id]).fetchone()[0]


# -- serialisation helpers -----------------------------------------------------------

def _check_text(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput(
            f"{what} contains an unpaired surrogate (U+{ord(text[error.start]):04X} at {error.start}); "
            "it cannot be stored as UTF-8"
        ) from None


def _surrogate_key(value: Any) -> str | None:
    """A dict key (or extra field name) with an unpaired surrogate, anywhere in ``value``.

    pydantic refuses such text in values but writes such keys as U+FFFD: silently altered."""
    if isinstance(value, BaseModel):
        value = {**value.__dict__, **(value.__pydantic_extra__ or {})}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not _utf8(key):
                return key
            found = _surrogate_key(item)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = _surrogate_key(item)
            if found is not None:
                return found
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dump(model: Any, exclude: set[str], what: str) -> str:
    if _surrogate_key(model) is not None:
        raise InvalidInput(f"the {what} has a key with an unpaired surrogate character; it cannot be stored as UTF-8")
    try:
        payload = model.model_dump_json(exclude=exclude)
    except PydanticSerializationError as error:
        if "surrogates not allowed" in str(error):
            raise InvalidInput(f"the {what} contains an unpaired surrogate character; it cannot be stored as UTF-8") from None
        raise InvalidInput(f"the {what} cannot be stored: {error}") from None
    if len(payload) > MAX_TEXT_BYTES:
        raise InvalidInput(f"the {what} is {len(payload) / 2**20:.0f} MiB; the limit is {MAX_TEXT_BYTES // 2**20} MiB")
    return payload


def _check_ids(*values: str) -> None:
    for value in values:
        if not isinstance(value, str) or not _SAFE_ID.fullmatch(value):
            raise InvalidInput(f"{value!r} is not a valid id (letters, digits, _ and - only)")


def _known_id(value: str, what: str) -> None:
    """An id that cannot be valid names nothing (and must not reach SQL as unencodable text)."""
    if not isinstance(value, str) or not _SAFE_ID.fullmatch(value):
        raise NotFound(f"no {what} {value!r}")


def _check_part(part: Part) -> Part:
    from ..schema.parts import PartAdapter

    part = PartAdapter.validate_python(part)
    _check_ids(part.id, part.session_id, part.message_id)
    return part


def _dump_part(part: Part) -> str:
    return _dump(part, {"id", "session_id", "message_id"}, f"{part.type} part")


def _dump_message(message: Message) -> str:
    return _dump(message, {"id", "session_id"}, f"{message.role} message")


def _with_owner(message: Message) -> Message:
    """A running answer records the process writing it (so that another process opening the
    store does not take it for one a crash left behind); a completed one records none."""
    if isinstance(message, AssistantMessage):
        if message.time_completed is None and not message.owner:
            return message.model_copy(update={"owner": owner_tag()})
        if message.time_completed is not None and message.owner is not None:
            return message.model_copy(update={"owner": None})
    return message


def _usage(message: Message) -> tuple[int, int, float]:
    """What a message adds to its session's token and cost totals."""
    if isinstance(message, UserMessage):
        return (0, 0, 0.0)
    return (message.tokens.input or 0, message.tokens.output or 0, message.cost or 0.0)


def _message_columns(message: Message) -> list[Any]:
    """time_completed, model_id, provider_id, 5 token counts, cost, finish, error_name."""
    if isinstance(message, UserMessage):
        return [message.time_created, message.model, None, None, None, None, None, None, None, None, None]
    tokens = message.tokens
    return [
        message.time_completed, message.model_id, message.provider_id, tokens.input, tokens.output,
        tokens.reasoning, tokens.cache.read, tokens.cache.write, message.cost, message.finish,
        message.error.name if message.error else None,
    ]


def _load_parts(payloads: Iterable[str]) -> list[Part]:
    """Parts from their JSON; a part of a type a newer version added is left out, not fatal."""
    payloads = list(payloads)
    try:
        return PartListAdapter.validate_json(_json_array(payloads))
    except ValidationError:
        from ..schema.parts import PART_TYPES, PartAdapter

        loaded = []
        for payload in payloads:
            try:
                loaded.append(PartAdapter.validate_json(payload))
            except ValidationError:
                kind = json.loads(payload).get("type")
                if kind in PART_TYPES:
                    raise  # a known type that does not validate is a real error
                log.warning("skipping a part of unknown type %r (written by a newer buddy_jupyter)", kind)
        return loaded


def _message_json(row: Sequence[str]) -> str:
    """A message's JSON with its keys put back (ids are plain ASCII: no escaping needed)."""
    mid, sid, data = row
    return f'{{"id":"{mid}","session_id":"{sid}",{data[1:]}'


def _part_json(row: Sequence[str]) -> str:
    pid, sid, mid, data = row
    return f'{{"id":"{pid}","session_id":"{sid}","message_id":"{mid}",{data[1:]}'


def _json_array(payloads: Iterable[str]) -> str:
    return "[" + ",".join(payloads) + "]"


def _session_from_row(row: Sequence[Any]) -> Session:
    keys = ("id", "project_id", "parent_id", "title", "time_created", "time_updated", "time_archived",
            "message_count", "tokens_input", "tokens_output", "cost")
    return Session.model_validate(dict(zip(keys, row)))
