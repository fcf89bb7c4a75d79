"""Transactions: the one place that begins, commits and rolls back, and what a transaction carries.

``atomic`` is the only code that writes BEGIN, COMMIT and ROLLBACK. ``Store.transaction()``
builds on it (and adds the events published after the commit); migrations and crash
recovery, which run while the store opens, use it directly.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from ..schema import ids
from . import sql

if TYPE_CHECKING:
    import duckdb


@contextmanager
def atomic(con: "duckdb.DuckDBPyConnection") -> Iterator["duckdb.DuckDBPyConnection"]:
    """Run the block in one transaction: committed when it ends, rolled back when it raises."""
    con.execute(sql.BEGIN)
    try:
        yield con
        con.execute(sql.COMMIT)
    except BaseException:
        con.execute(sql.ROLLBACK)
        raise


class WriteCache:
    """Ids a store wrote, so that hot writes need no lookups."""

    def __init__(self) -> None:
        self.message_seq: dict[str, int] = {}
        """session id -> the seq of its last message."""
        self.parts: set[str] = set()
        self.part_seq: dict[str, tuple[str, int]] = {}
        """message id -> (its session, the seq of its last part)."""
        self.titled: set[str] = set()
        """Sessions known to have a title (``title_if_untitled`` has nothing to do)."""

    def merge(self, other: "WriteCache") -> None:
        self.message_seq.update(other.message_seq)
        self.parts |= other.parts
        self.part_seq.update(other.part_seq)
        self.titled |= other.titled

    def forget_session(self, session_id: str) -> None:
        self.message_seq.pop(session_id, None)
        self.titled.discard(session_id)
        for message_id in [m for m, (s, _) in self.part_seq.items() if s == session_id]:
            del self.part_seq[message_id]


class SessionTotals:
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
