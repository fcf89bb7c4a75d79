"""The session verbs of ``Store``: create, find, list, rename, archive, delete, fork, import."""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..errors import InvalidInput, NotFound
from ..schema import ids
from ..schema.messages import AssistantMessage, MessageAdapter, MessageWithParts
from ..schema.sessions import Session
from . import sql
from .codec import (
    check_ids, check_part, check_text, dump_message, dump_part, first_row, known_id, message_columns, session_from_row,
)


class SessionVerbs:
    """Mixed into ``Store``: each verb is one transaction (or joins the caller's) through the
    store's ``transaction()`` or ``_single_write()``, and emits its events for after the commit."""

    def create_session(self, title: str = "", *, parent_id: str | None = None) -> Session:
        check_text(title, "title")
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
        known_id(session_id, "session")
        with self.connection() as con:
            row = first_row(con.execute(sql.SELECT_SESSION, [session_id]).fetchall(), self._no_session(session_id))
        return session_from_row(row)

    def _no_session(self, session_id: str) -> str:
        return f"no session {session_id!r} in {self.path.name}"

    def find_session(self, fragment: str) -> Session:
        """The one session whose id starts or ends with ``fragment``."""
        fragment = fragment.strip()
        check_text(fragment, "the session id")
        if not fragment:
            raise InvalidInput("give a session id (a unique start or end of it is enough)")
        with self.connection() as con:
            rows = con.execute(sql.FIND_SESSIONS, [fragment, fragment, fragment]).fetchall()
        exact = [row for row in rows if row[0] == fragment]
        if exact:
            return session_from_row(exact[0])
        if not rows:
            raise NotFound(f"no session id starts or ends with {fragment!r}")
        if len(rows) > 1:
            raise InvalidInput(f"{fragment!r} matches several sessions; give more of the id")
        return session_from_row(rows[0])

    def list_sessions(self, *, limit: int = 50, offset: int = 0, archived: bool | None = False) -> list[Session]:
        """Newest activity first. ``archived``: False hides archived, True shows only them, None shows all."""
        statement = sql.LIST_SESSIONS[archived]
        if int(limit) < 0 or int(offset) < 0:
            raise InvalidInput(f"the number of sessions must be 0 or more, not {min(int(limit), int(offset))}")
        with self.connection() as con:
            rows = con.execute(
                statement, [min(int(limit), 2**62), min(int(offset), 2**62)],  # "all of them" for any larger number
            ).fetchall()
        return [session_from_row(row) for row in rows]

    def count_sessions(self, *, archived: bool | None = False) -> int:
        statement = sql.COUNT_SESSIONS[archived]
        with self.connection() as con:
            return con.execute(statement).fetchall()[0][0]

    def set_title(self, session_id: str, title: str) -> Session:
        check_text(title, "title")
        self._written.titled.discard(session_id)
        return self._update_session(session_id, sql.SET_SESSION_TITLE, title)

    def title_if_untitled(self, session_id: str, title: str) -> bool:
        """Give an untitled session ``title``; a session with a title keeps it. True if it changed.

        Every question asks this, so a session seen titled needs no statement again."""
        check_text(title, "title")
        known_id(session_id, "session")
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
        return self._update_session(session_id, sql.SET_SESSION_ARCHIVED, ids.utcnow() if archived else None)

    def _update_session(self, session_id: str, statement: str, value: Any) -> Session:
        """Set one column of a session (``statement``: value, time_updated, id) and emit the result."""
        known_id(session_id, "session")
        now = ids.utcnow()
        with self._single_write() as con:
            if not con.execute(statement, [value, now, session_id]).fetchone()[0]:
                raise NotFound(self._no_session(session_id))
            session = self.get_session(session_id)
            self._emit("session.updated", session_id, session)
        return session

    def delete_session(self, session_id: str) -> None:
        """Delete a session with all its messages and parts."""
        known_id(session_id, "session")
        with self.transaction() as con:
            if not con.execute(sql.DELETE_SESSION, [session_id]).fetchone()[0]:
                raise NotFound(self._no_session(session_id))
            con.execute(sql.DELETE_SESSION_PARTS, [session_id])
            con.execute(sql.DELETE_SESSION_MESSAGES, [session_id])
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
        check_ids(session.id)
        check_text(session.title, "title")
        checked = []
        for item in messages:
            info = MessageAdapter.validate_python(item.info)
            check_ids(info.id)
            if info.session_id != session.id:
                raise InvalidInput(f"message {info.id!r} belongs to another session than {session.id!r}")
            parts = [check_part(part) for part in item.parts]
            for part in parts:
                if (part.session_id, part.message_id) != (session.id, info.id):
                    raise InvalidInput(f"part {part.id!r} belongs to another message than {info.id!r}")
            checked.append((info, dump_message(info), [(part, dump_part(part)) for part in parts]))
        extra = json.dumps(data, ensure_ascii=False) if data else None
        added = 0
        with self.transaction() as con:
            exists = con.execute(sql.SESSION_EXISTS, [session.id]).fetchall()[0][0]
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
                                                 info.time_created, *message_columns(info), payload])
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
        known_id(session_id, "session")
        with self.connection() as con:
            rows = con.execute(sql.SELECT_SESSION_DATA, [session_id]).fetchall()
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}
