"""Bringing the index up to date: which stores changed, and reading them.

Before each search every store's file signature (size and mtime of the ``.duckdb`` and its
``.wal``) is compared with the one recorded when it was last read; only stores that changed are
read again, through one in-memory DuckDB that attaches them read-only (this kernel's own store
through its own connection). A changed store's text parts are re-read from its ``time_updated``
watermark (every part write stamps it) and then checked against the store by count and a
checksum of ids; a mismatch (a deleted session, an imported old one) re-reads that store in full
(``rows.save``). Memories and session titles are few and re-read whole. The signature is taken
before reading, so a write during the read is seen next time.

Failures never fail a search: a changed store held by another kernel is waited for at most
``LOCK_WAIT`` (and not at all for ``BUSY_MEMORY`` seconds after that) and keeps its last indexed
rows (a store never indexed is left out with a ``HistoryWarning``, as ``open_history`` does); a
damaged store keeps its rows too; a store whose file is gone drops out; an index that cannot be
written (read-only, or another process refreshing it for more than ``file.BUSY_TIMEOUT_MS``)
makes the caller read the stores directly.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..history import _RETRYABLE, HistoryWarning, guess_notebook, open_history
from .file import lock
from .rows import Rows, atomically, drop, iso, save
from .sql import HASH_MOD, MEMORY_AND_SESSION_ROWS, NOTEBOOK_ROW, PART_CHECK, PART_ROWS, SESSION_ROWS

if TYPE_CHECKING:
    import duckdb

    from ...store import Store

log = logging.getLogger(__name__)

WATERMARK_SLACK = "5 seconds"
"""Parts updated this long before the last one read are read again (clock jitter, late commits)."""
LOCK_WAIT = 0.25
"""Seconds a changed store held by another kernel is waited for (a kernel releases its file soon
after its last write, within its ``idle_release``); then the search answers with its last indexed rows."""
BUSY_MEMORY = 5.0
"""Seconds after a store was found busy during which it is tried once, not waited for: typing
in the search box while another kernel streams an answer costs no wait per keystroke."""
BATCH_DOCS = 5000
"""Documents written per transaction when many stores are read (fewer, larger FTS5 segments)."""

_busy_until: dict[Path, float] = {}
"""Store -> the monotonic time until which it is not waited for (found busy lately)."""


def signature(path: str | Path) -> str | None:
    """Size and mtime of the store and its write-ahead log; None when the store is gone.

    Strings and ``os.stat``, not pathlib: this runs for every store before every search.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        wal = os.stat(f"{path}.wal")
        return f"{st.st_size}:{st.st_mtime_ns}/{wal.st_size}:{wal.st_mtime_ns}"
    except FileNotFoundError:
        return f"{st.st_size}:{st.st_mtime_ns}/-"


def refresh(con: sqlite3.Connection, paths: Sequence[Path], *, store: "Store | None" = None) -> dict[Path, int]:
    """Bring the index up to date for ``paths``; returns {path: store id} for those it holds rows of.

    ``store``: this kernel's own store (read through its connection, never attached).
    Stores gone from disk lose their rows; busy ones keep them.
    """
    with lock:
        # keyed by the path as text: Path objects for every store, twice per keystroke, are too slow
        known = {p: (i, sig) for i, p, sig in con.execute("SELECT id, path, signature FROM store")}
        current = {str(path): signature(str(path)) for path in paths}
        for key, (store_id, _) in list(known.items()):
            gone = current[key] is None if key in current else not os.path.exists(key)
            if gone:  # any store the index holds, not only these paths: the file is gone
                atomically(con, lambda: drop(con, store_id))
                del known[key]
        changed = [Path(k) for k, sig in current.items() if sig is not None and (k not in known or known[k][1] != sig)]
        own = store.path if store is not None else None
        if own in changed:
            import duckdb

            from ...errors import StoreError

            try:
                _refresh_own(con, store, current[str(own)], known)
            except (StoreError, duckdb.Error) as error:  # this kernel's store cannot be read now: it keeps its rows
                log.warning("history search index: %s not refreshed: %s", own, error)
        others = [p for p in changed if p != own]
        now, reasons = time.monotonic(), {}
        for waiting in (0.0, LOCK_WAIT):  # one try for all, then a short wait for the ones not busy lately
            if waiting:
                others = [p for p in others if _busy_until.get(p, 0.0) <= now]
            if others:
                others = _refresh_attached(con, others, current, known, waiting, reasons)
        for path in others:
            _busy_until[path] = time.monotonic() + BUSY_MEMORY
        held = dict(con.execute("SELECT path, id FROM store").fetchall())
        for path, reason in reasons.items():
            if str(path) not in held:  # a store indexed before keeps its rows silently
                warnings.warn(HistoryWarning(f"skipped the store {path}: {reason}", path), stacklevel=4)
        return {p: held[str(p)] for p in paths if str(p) in held}


def _refresh_attached(con: sqlite3.Connection, paths: list[Path], current: dict, known: dict,
                      lock_wait: float, reasons: dict[Path, str]) -> list[Path]:
    """Attach the changed stores read-only and re-read them; returns the busy ones (they keep their rows).

    Two threads read stores (each through its own cursor) while this one writes the index.
    ``reasons``: filled with {store: why it could not be read}.
    """
    import duckdb

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with open_history(paths, lock_wait=lock_wait) as history:
            tables = _tables(history.con)
            work = [(alias, path) for alias, path in history.stores.items()
                    if {"part", "message", "session"} <= tables.get(alias, set())]  # else nothing to search
            watermarks = {path: _watermark_of(con, known, path) for _, path in work}

            def read(item: tuple[str, Path]) -> Rows | str:
                alias, path = item
                cursor = history.con.cursor()
                try:
                    return _read(cursor, f"{alias}.main.", watermarks[path], "memory" in tables[alias])
                except duckdb.Error as error:  # damaged, or not the shape a buddy store has
                    return str(error).splitlines()[0]
                finally:
                    cursor.close()

            # Stores are written in transactions of about BATCH_DOCS documents, one savepoint each. An
            # index held by another process's refresh for BUSY_TIMEOUT_MS raises: the caller reads directly.
            pending = 0
            with ThreadPoolExecutor(min(2, len(work)) or 1) as pool:
                try:
                    for (alias, path), rows in zip(work, pool.map(read, work)):
                        if isinstance(rows, str):
                            reasons[path] = rows
                            continue
                        if not con.in_transaction:
                            con.execute("BEGIN IMMEDIATE")
                        save(con, history.con, f"{alias}.main.", path, current[str(path)],
                             known.get(str(path), (None,))[0], history.notebooks.get(alias) or guess_notebook(path),
                             rows)
                        pending += len(rows.parts)
                        if pending >= BATCH_DOCS:
                            con.execute("COMMIT")
                            pending = 0
                finally:
                    if con.in_transaction:
                        con.execute("COMMIT")
            skipped = history.skipped
    busy = []
    for path, reason in skipped:
        reasons[path] = reason
        if any(sign in reason for sign in _RETRYABLE):
            busy.append(path)
    return busy


def _tables(duck: "duckdb.DuckDBPyConnection") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for alias, name in duck.execute(
        "SELECT database_name, table_name FROM duckdb_tables() WHERE schema_name = 'main'"
    ).fetchall():
        found.setdefault(alias, set()).add(name)
    return found


def _watermark_of(con: sqlite3.Connection, known: dict, path: Path) -> str | None:
    store_id = known.get(str(path), (None,))[0]
    if store_id is None:
        return None
    return con.execute("SELECT watermark FROM store WHERE id = ?", [store_id]).fetchone()[0]


def _read(duck: "duckdb.DuckDBPyConnection", db: str, watermark: str | None, has_memory: bool) -> Rows:
    """One store's parts (since ``watermark``), memories and session titles; a check when incremental."""
    since = f"AND p.time_updated >= TIMESTAMP '{watermark}' - INTERVAL '{WATERMARK_SLACK}'" if watermark else ""
    parts = duck.execute(PART_ROWS.format(db=db, since=since, mod=HASH_MOD)).fetchall()
    counted = tuple(duck.execute(PART_CHECK.format(db=db, mod=HASH_MOD)).fetchall()[0]) if watermark else None
    others = duck.execute((MEMORY_AND_SESSION_ROWS if has_memory else SESSION_ROWS).format(db=db, mod=HASH_MOD))
    memories, sessions = [], []
    for kind, key, text, created, h, updated, archived, count in others.fetchall():
        if kind == "session":
            sessions.append((key, text, iso(created), iso(updated), iso(archived), count))
        else:
            memories.append((key, text, created, h))
    return Rows(watermark, parts, counted, memories, sessions)


def _refresh_own(con: sqlite3.Connection, store: "Store", sig: str, known: dict) -> None:
    """This kernel's store, through its own connection (attaching it would conflict with it)."""
    with store.connection() as duck:
        row = duck.execute(NOTEBOOK_ROW.format(db="")).fetchall()
        notebook = row[0][0] if row and row[0][0] else guess_notebook(store.path)
        rows = _read(duck, "", _watermark_of(con, known, store.path), True)
        save(con, duck, "", store.path, sig, known.get(str(store.path), (None,))[0], notebook, rows)
