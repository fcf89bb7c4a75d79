"""The message and part verbs of ``Store``, and the write path a streamed answer takes.

A part is stored once and updated in place. Streaming writes a part many times, so
the common cases are answered from what this store committed (``WriteCache``): the
seq of a session's last message, a message's last part, the parts it wrote.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Sequence

from ..errors import InvalidInput, NotFound
from ..schema import ids
from ..schema.messages import Message, MessageAdapter, MessageWithParts
from ..schema.parts import Part
from . import sql
from .codec import (
    MessageList, check_ids, check_part, dump_message, dump_part, first_row, is_id, json_array, known_id, load_parts,
    message_columns, message_json, part_json, usage,
)
from .recovery import with_owner
from .transaction import WriteCache

if TYPE_CHECKING:
    import duckdb


class MessageVerbs:
    """Mixed into ``Store``: each verb is one transaction (or joins the caller's) through the
    store's ``transaction()`` or ``_single_write()``, and emits its events for after the commit."""

    def append_message(self, message: Message, parts: Sequence[Part] = ()) -> None:
        """Insert a message (and optionally its first parts) in one transaction."""
        message = with_owner(MessageAdapter.validate_python(message))
        check_ids(message.id, message.session_id)
        data = dump_message(message)
        checked = [check_part(part) for part in parts]
        for part in checked:
            if (part.session_id, part.message_id) != (message.session_id, message.id):
                raise InvalidInput(f"part {part.id!r} belongs to another message than {message.id!r}")
        payloads = [(part, dump_part(part)) for part in checked]
        with self.transaction() as con:
            seq = self._last_message_seq(message.session_id)
            if seq is None:
                exists, seq = con.execute(sql.SESSION_SLOT, [message.session_id, message.session_id]).fetchall()[0]
                if not exists:
                    raise NotFound(self._no_session(message.session_id))
            seq += 1
            con.execute(sql.INSERT_MESSAGE, [message.id, message.session_id, seq, message.role,
                                             message.time_created, message.time_created, *message_columns(message), data])
            self._tx.written.message_seq[message.session_id] = seq
            self._tx.written.part_seq[message.id] = (message.session_id, 0)
            for part, payload in payloads:
                self._write_part(con, part, payload)
            self._tx.totals.add(message.session_id, 1, usage(message))
            self._emit("message.updated", message.session_id, message)
            for part, _ in payloads:
                self._emit("part.updated", part.session_id, part)

    def update_message(self, message: Message) -> None:
        message = with_owner(MessageAdapter.validate_python(message))
        data = dump_message(message)
        with self.transaction() as con:
            now = ids.utcnow()
            con.execute(sql.SHIFT_SESSION_USAGE,
                        [message.id, message.time_created, message.session_id, *usage(message), now, message.session_id])
            if not con.execute(sql.UPDATE_MESSAGE, [now, *message_columns(message), data, message.id]).fetchone()[0]:
                raise NotFound(f"no message {message.id!r}")  # the rollback undoes the shift
            self._emit("message.updated", message.session_id, message)

    def put_part(self, part: Part) -> None:
        """Insert a part, or update it in place (the store keeps one copy per part)."""
        part = check_part(part)
        payload = dump_part(part)
        with self._single_write() as con:  # one INSERT or UPDATE, whichever path _write_part takes
            self._write_part(con, part, payload)
            self._emit("part.updated", part.session_id, part)

    append_part = update_part = put_part

    def get_message(self, message_id: str) -> MessageWithParts:
        known_id(message_id, "message")
        with self.connection() as con:
            row = first_row(con.execute(sql.SELECT_MESSAGE, [message_id]).fetchall(), f"no message {message_id!r}")
            parts = con.execute(sql.SELECT_MESSAGE_PARTS, [message_id]).fetchall()
        info = MessageAdapter.validate_json(message_json(row))
        return MessageWithParts(info=info, parts=load_parts(map(part_json, parts)))

    def get_messages(self, session_id: str) -> list[MessageWithParts]:
        """A session's messages in order, each with its parts in order."""
        if not is_id(session_id):
            return []
        with self.connection() as con:
            messages = con.execute(sql.SELECT_SESSION_MESSAGES, [session_id]).fetchall()
            parts = con.execute(sql.SELECT_SESSION_PARTS, [session_id]).fetchall()
        infos = MessageList.validate_json(json_array(map(message_json, messages)))
        by_message: dict[str, list[Part]] = {info.id: [] for info in infos}
        for part in load_parts(map(part_json, parts)):
            by_message.setdefault(part.message_id, []).append(part)
        return [MessageWithParts.model_construct(info=info, parts=by_message[info.id]) for info in infos]

    # -- the write path ------------------------------------------------------------

    def _last_message_seq(self, session_id: str) -> int | None:
        """The seq of the session's last message, when this store wrote the session's messages."""
        pending = getattr(self._tx, "written", None)
        if pending is not None and session_id in pending.message_seq:
            return pending.message_seq[session_id]
        return self._written.message_seq.get(session_id)

    def _write_part(self, con: "duckdb.DuckDBPyConnection", part: Part, payload: str) -> None:
        """One row per part: UPDATE a part this store wrote, else INSERT it at the next seq.

        Streaming writes a part many times, so the common cases are answered from what this
        store committed: no upsert, no existence check.
        """
        # outside a store transaction (recovery at open) nothing is cached
        pending = getattr(self._tx, "written", None) or WriteCache()
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
