"""Writing one store's rows into the index: documents, their words, memories and sessions.

Each store is written in one transaction (or one savepoint inside the caller's), so the index
never holds half of a store's refresh.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .sql import HASH_MOD, PART_ROWS

if TYPE_CHECKING:
    import duckdb


@dataclass
class Rows:
    """What one store holds for the index."""

    watermark: str | None
    """The ``time_updated`` parts were read from (None: all of them)."""
    parts: list[tuple]
    counted: tuple[int, int] | None
    """(count, checksum) of the store's visible text parts, when read from a watermark."""
    memories: list[tuple]
    sessions: list[tuple]


def save(con: sqlite3.Connection, duck: "duckdb.DuckDBPyConnection", db: str, path: Path, sig: str,
         store_id: int | None, notebook: str, rows: Rows) -> None:
    """Write one store's rows in one transaction; parts that do not add up are read again, all of them."""

    def write(check: bool) -> None:
        # Looked up again under the write lock: another kernel may have refreshed this store meanwhile.
        found = con.execute("SELECT id, watermark FROM store WHERE path = ?", [str(path)]).fetchone()
        if check and rows.watermark and (found is None or tuple(found) != (store_id, rows.watermark)):
            raise _Mismatch  # the rows read since the watermark do not apply to what the index holds now
        if found is None:
            sid = con.execute("INSERT INTO store (path, notebook, signature) VALUES (?, ?, '')",
                              [str(path), notebook]).lastrowid
        else:
            sid = found[0]
            if not rows.watermark:  # read whole: replaces whatever the index holds
                _delete_docs(con, "store_id = ? AND kind = 'part'", [sid])
        put_parts(con, sid, rows.parts, fresh=not rows.watermark)
        if check and rows.counted is not None and rows.counted != con.execute(
                "SELECT count(*), coalesce(sum(hash), 0) FROM doc WHERE store_id = ? AND kind = 'part'",
                [sid]).fetchone():
            raise _Mismatch
        _delete_docs(con, "store_id = ? AND kind = 'memory'", [sid])
        _insert_docs(con, [(sid, mid, "memory", None, mid, None, iso(created), None, len(text), h, text)
                           for mid, text, created, h in rows.memories])
        con.execute("DELETE FROM session WHERE store_id = ?", [sid])
        con.executemany("INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?)", [(sid, *row) for row in rows.sessions])
        newest = max((row[-1] for row in rows.parts), default=None)
        con.execute(
            "UPDATE store SET notebook = ?, signature = ?, watermark = coalesce(?, watermark),"
            " docs = (SELECT count(*) FROM doc WHERE store_id = ?),"
            " chars = (SELECT coalesce(sum(size), 0) FROM doc WHERE store_id = ?) WHERE id = ?",
            [notebook, sig, iso(newest) if newest else None, sid, sid, sid])

    try:
        atomically(con, lambda: write(True))
    except _Mismatch:  # rows deleted, or written with older times: read the whole store again
        rows.parts = duck.execute(PART_ROWS.format(db=db, since="", mod=HASH_MOD)).fetchall()
        rows.watermark = rows.counted = None
        atomically(con, lambda: write(False))


class _Mismatch(Exception):
    pass


def put_parts(con: sqlite3.Connection, store_id: int, parts: list[tuple], *, fresh: bool) -> None:
    """Insert the visible parts, replace the changed ones, drop the ones now hidden (ignored, emptied).

    ``fresh``: the store has no part rows in the index (read whole): nothing to compare with.
    """
    incoming: dict[str, tuple | None] = {}  # the part table has no primary key: the last row of an id wins
    for pid, sid, mid, created, text, shown, role, mtime, h, _ in parts:
        incoming[pid] = (store_id, pid, "part", sid, mid, role, iso(created), iso(mtime), len(text), h,
                         text) if shown else None
    stale, new = [], []
    if not fresh and incoming:
        held = con.execute("SELECT doc_id, rowid, session_id, role, message_time, text FROM doc"
                           " WHERE store_id = ? AND doc_id IN (SELECT value FROM json_each(?))",
                           [store_id, json.dumps(list(incoming))]).fetchall()
        for doc_id, rowid, *seen in held:
            row = incoming[doc_id]
            if row is not None and [row[3], row[5], row[7], row[10]] == seen:
                del incoming[doc_id]  # unchanged
            else:
                stale.append(rowid)
    new = [row for row in incoming.values() if row is not None]
    if stale:
        _delete_docs(con, "rowid IN (SELECT value FROM json_each(?))", [json.dumps(stale)])
    _insert_docs(con, new)


def _insert_docs(con: sqlite3.Connection, rows: list[tuple]) -> None:
    """Documents into ``doc`` and their words into ``doc_fts``, in two bulk statements.

    (Triggers would do the same row by row, at several times the CPU.)
    """
    if not rows:
        return
    last = con.execute("SELECT coalesce(max(rowid), 0) FROM doc").fetchone()[0]
    con.executemany("INSERT INTO doc (store_id, doc_id, kind, session_id, message_id, role, time_created,"
                    " message_time, size, hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO doc_fts (rowid, text) SELECT rowid, text FROM doc WHERE rowid > ?", [last])


def _delete_docs(con: sqlite3.Connection, where: str, params: list) -> None:
    """Documents out of ``doc_fts`` (given the text it indexed, as external content requires) and ``doc``."""
    con.execute(f"INSERT INTO doc_fts (doc_fts, rowid, text) SELECT 'delete', rowid, text FROM doc WHERE {where}",
                params)
    con.execute(f"DELETE FROM doc WHERE {where}", params)


def drop(con: sqlite3.Connection, store_id: int) -> None:
    _delete_docs(con, "store_id = ?", [store_id])
    con.execute("DELETE FROM session WHERE store_id = ?", [store_id])
    con.execute("DELETE FROM store WHERE id = ?", [store_id])


def atomically(con: sqlite3.Connection, work) -> None:
    """One transaction (taken for writing at once, so a concurrent refresher waits instead of failing),
    or a savepoint inside the caller's."""
    if con.in_transaction:
        con.execute("SAVEPOINT store_rows")
        try:
            work()
        except BaseException:
            con.execute("ROLLBACK TO store_rows")
            con.execute("RELEASE store_rows")
            raise
        con.execute("RELEASE store_rows")
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        work()
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(sep=" ", timespec="microseconds") if moment is not None else None
