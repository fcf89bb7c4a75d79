"""The control beside every DuckDB figure: a minimal store in SQLite with OpenCode's schema.

OpenCode keeps its conversations in SQLite (tables project/session/message/part, each row's JSON in a
``data`` TEXT column, its indexes and foreign keys, ``journal_mode=WAL`` with ``synchronous=NORMAL``) and
upserts a message's or a part's row on every change. The same work with the same pydantic models and the
same JSON payloads (the Store's own dump functions) makes it a fair baseline, and since it runs beside the
Store in the same process, a busy machine slows both alike: compare within one run.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, MessageAdapter, MessageWithParts
from buddy_jupyter.schema.parts import PartListAdapter
from buddy_jupyter.store import codec
from buddy_jupyter.store.events import Event, EventBus

from store_generator import NOTEBOOK

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS project (
    id TEXT PRIMARY KEY, worktree TEXT NOT NULL, vcs TEXT, name TEXT, icon_url TEXT, icon_color TEXT,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_initialized INTEGER,
    sandboxes TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS session (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES project(id) ON DELETE CASCADE, workspace_id TEXT,
    parent_id TEXT, slug TEXT NOT NULL, directory TEXT NOT NULL, path TEXT, title TEXT NOT NULL,
    version TEXT NOT NULL, share_url TEXT, summary_additions INTEGER, summary_deletions INTEGER,
    summary_files INTEGER, summary_diffs TEXT, cost REAL NOT NULL DEFAULT 0,
    tokens_input INTEGER NOT NULL DEFAULT 0, tokens_output INTEGER NOT NULL DEFAULT 0,
    tokens_reasoning INTEGER NOT NULL DEFAULT 0, tokens_cache_read INTEGER NOT NULL DEFAULT 0,
    tokens_cache_write INTEGER NOT NULL DEFAULT 0, revert TEXT, permission TEXT, goal TEXT, agent TEXT, model TEXT,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_compacting INTEGER, time_archived INTEGER);
CREATE INDEX IF NOT EXISTS session_project_idx ON session (project_id);
CREATE INDEX IF NOT EXISTS session_workspace_idx ON session (workspace_id);
CREATE INDEX IF NOT EXISTS session_parent_idx ON session (parent_id);
CREATE TABLE IF NOT EXISTS message (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS message_session_time_created_id_idx ON message (session_id, time_created, id);
CREATE TABLE IF NOT EXISTS part (
    id TEXT PRIMARY KEY, message_id TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS part_message_id_id_idx ON part (message_id, id);
CREATE INDEX IF NOT EXISTS part_session_idx ON part (session_id);
"""


def sqlite_connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=5000")
    return con


def epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else ids.epoch_ms(moment)


class SqliteStore:
    """OpenCode's way: upsert the message/part row with its JSON on every change; same models, same payloads."""

    def __init__(self, path: Path, notebook: str = NOTEBOOK):
        self.path = Path(path)
        self.notebook = notebook
        self.events = EventBus()
        self._con: sqlite3.Connection | None = None
        self._depth = 0
        self._pending: list[Event] = []
        self.project_id = ""
        self.opens = 0
        self._titled: set[str] = set()

    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = sqlite_connect(self.path)
            self.opens += 1
            if not self.project_id:
                self._con.executescript(SQLITE_SCHEMA)
                row = self._con.execute("SELECT id FROM project ORDER BY time_created LIMIT 1").fetchone()
                if row is None:
                    pid, created = ids.new_id("project")
                    self._con.execute("INSERT INTO project (id, worktree, time_created, time_updated) VALUES (?,?,?,?)",
                                      [pid, self.notebook, epoch_ms(created), epoch_ms(created)])
                    row = (pid,)
                self.project_id = row[0]
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        con = self.con
        if self._depth:
            self._depth += 1
            try:
                yield con
            finally:
                self._depth -= 1
            return
        con.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            self._pending = []
            raise
        finally:
            self._depth = 0
        events, self._pending = self._pending, []
        for event in events:
            self.events.publish(event)

    def publish_delta(self, session_id: str, part_id: str, delta: str, field: str = "text") -> None:
        self.events.publish(Event("part.delta", session_id, {"part_id": part_id, "field": field, "delta": delta}))

    def set_status(self, session_id: str, status: str) -> None:
        """Busy/idle, as the engine reports it: an event, never a write (as in the Store)."""
        self.events.publish(Event("session.status", session_id, status))

    def title_if_untitled(self, session_id: str, title: str) -> bool:
        """Every question asks it; like the Store, a session seen titled needs no statement again."""
        if session_id in self._titled or not title:
            return False
        with self.transaction() as con:
            changed = con.execute("UPDATE session SET title = ?, time_updated = ? WHERE id = ? AND title = ''",
                                  [title, ids.epoch_ms(), session_id]).rowcount
        self._titled.add(session_id)
        return bool(changed)

    def create_session(self, title: str = "") -> str:
        sid, created = ids.new_id("session")
        with self.transaction() as con:
            con.execute("INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)"
                        " VALUES (?,?,?,?,?,?,?,?)",
                        [sid, self.project_id, sid[-8:], "/", title, "bench", epoch_ms(created), epoch_ms(created)])
            self._pending.append(Event("session.created", sid, sid))
        return sid

    def append_message(self, message, parts=()) -> None:
        message = MessageAdapter.validate_python(message)
        data = codec.dump_message(message)
        payloads = [(codec.check_part(p), codec.dump_part(p)) for p in parts]
        now = ids.epoch_ms()
        with self.transaction() as con:
            con.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)"
                        " ON CONFLICT (id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
                        [message.id, message.session_id, epoch_ms(message.time_created), now, data])
            for part, payload in payloads:
                self._write_part(con, part, payload)
            con.execute("UPDATE session SET time_updated = ? WHERE id = ?", [now, message.session_id])
            self._pending.append(Event("message.updated", message.session_id, message))
            self._pending.extend(Event("part.updated", p.session_id, p) for p, _ in payloads)

    def update_message(self, message) -> None:
        message = MessageAdapter.validate_python(message)
        data = codec.dump_message(message)
        now = ids.epoch_ms()
        with self.transaction() as con:
            con.execute("UPDATE message SET time_updated = ?, data = ? WHERE id = ?", [now, data, message.id])
            if isinstance(message, AssistantMessage) and message.time_completed is not None:
                tk = message.tokens
                con.execute("UPDATE session SET time_updated = ?, cost = cost + ?, tokens_input = tokens_input + ?,"
                            " tokens_output = tokens_output + ?, tokens_reasoning = tokens_reasoning + ?,"
                            " tokens_cache_read = tokens_cache_read + ?, tokens_cache_write = tokens_cache_write + ?"
                            " WHERE id = ?", [now, message.cost or 0, tk.input, tk.output, tk.reasoning, tk.cache.read,
                                              tk.cache.write, message.session_id])
            self._pending.append(Event("message.updated", message.session_id, message))

    def put_part(self, part) -> None:
        part = codec.check_part(part)
        payload = codec.dump_part(part)
        with self.transaction() as con:
            self._write_part(con, part, payload)
            self._pending.append(Event("part.updated", part.session_id, part))

    def _write_part(self, con: sqlite3.Connection, part, payload: str) -> None:
        now = ids.epoch_ms()
        con.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
                    [part.id, part.message_id, part.session_id, epoch_ms(ids.time_of(part.id)), now, payload])

    def list_sessions(self, limit: int = 50):
        rows = self.con.execute(
            "SELECT id, project_id, parent_id, title, time_created, time_updated, time_archived, 0, tokens_input,"
            " tokens_output, cost FROM session WHERE project_id = ? AND time_archived IS NULL"
            " ORDER BY time_updated DESC, id DESC LIMIT ?", [self.project_id, limit]).fetchall()
        out = []
        for row in rows:
            row = list(row)
            for k in (4, 5, 6):
                row[k] = None if row[k] is None else datetime.fromtimestamp(row[k] / 1000, timezone.utc).replace(tzinfo=None)
            out.append(codec.session_from_row(row))
        return out

    def get_messages(self, session_id: str) -> list[MessageWithParts]:
        con = self.con
        messages = con.execute(
            "SELECT '{\"id\":\"' || id || '\",\"session_id\":\"' || session_id || '\",' || substr(data, 2) FROM message"
            " WHERE session_id = ? ORDER BY time_created, id", [session_id]).fetchall()
        parts = con.execute(
            "SELECT '{\"id\":\"' || id || '\",\"session_id\":\"' || session_id || '\",\"message_id\":\"' || message_id"
            " || '\",' || substr(data, 2) FROM part WHERE session_id = ? ORDER BY time_created, id",
            [session_id]).fetchall()
        infos = codec.MessageList.validate_json(codec.json_array(row[0] for row in messages))
        by_message: dict[str, list] = {info.id: [] for info in infos}
        for part in PartListAdapter.validate_json(codec.json_array(row[0] for row in parts)):
            by_message.setdefault(part.message_id, []).append(part)
        return [MessageWithParts.model_construct(info=info, parts=by_message[info.id]) for info in infos]
