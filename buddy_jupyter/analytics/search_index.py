"""A derived search index over every store: one SQLite FTS5 file in the user's cache.

Why: the memory search over a folder attached 200 DuckDB stores and planned a
200-way union on every query (666 ms for 50,000 messages), too slow to search as
one types. Attaching is the cost, not the ranking, so the text is copied once into
one file that opens in well under a millisecond, and each query reads only the
index's postings for its words (``fts5vocab`` instances: term frequencies without
reading the documents).

The stores stay the only source of truth. The file holds, per store, its
searchable documents (the visible text parts and the remembered items, as
``memory.SEARCH_SQL`` defines them), their message's role and time, and the
sessions' titles; deleting it loses nothing: the next search rebuilds it.

Freshness: before each search every store's file signature (size and mtime of the
``.duckdb`` and its ``.wal``) is compared with the one recorded when it was last
read; only stores that changed are read again, through one in-memory DuckDB that
attaches them read-only (this kernel's own store through its own connection).
A changed store's text parts are re-read from its ``time_updated`` watermark (every
part write stamps it) and then checked against the store by count and a checksum
of ids; a mismatch (a deleted session, an imported old one) re-reads that store in
full. Memories and session titles are few and re-read whole. The signature is taken
before reading, so a write during the read is seen next time.

Failures never fail a search: a changed store held by another kernel is waited
for at most ``LOCK_WAIT`` (and not at all for ``BUSY_MEMORY`` seconds after that)
and keeps its last indexed rows (a store never indexed is left out with a
``HistoryWarning``, as ``open_history`` does); a damaged store keeps its rows too;
a store whose file is gone drops out; a cache file that SQLite cannot read is
deleted and rebuilt; an index that cannot be written (read-only, or another
process refreshing it for more than ``BUSY_TIMEOUT_MS``) makes the caller read
the stores directly, as before.

Tokens: SQLite's ``unicode61`` tokenizer with ``_`` as a word character and no
diacritics folding gives, for ASCII text, exactly the words the direct search's
RE2 ``\\b`` finds, so term frequencies, document frequencies, lengths (in
characters) and the BM25 formula are the same; scores agree to rounding. (Beyond
ASCII the index is the better one: RE2's ``\\b`` is ASCII-only, so the direct
search finds "caf" inside "café"; the index does not.)

The session table also keeps what the sidebar lists for a hit (title, times,
message count), so a folder search in the sidebar attaches no store at all.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sqlite3
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from .history import _RETRYABLE, HistoryWarning, guess_notebook, open_history

if TYPE_CHECKING:
    import duckdb

    from ..store import Store

log = logging.getLogger(__name__)

FORMAT = 3
"""Bumped when the tables change: an index of another format is rebuilt."""
BUSY_TIMEOUT_MS = 2000
"""How long a writer waits for another process refreshing the same file."""
WATERMARK_SLACK = "5 seconds"
"""Parts updated this long before the last one read are read again (clock jitter, late commits)."""
LOCK_WAIT = 0.25
"""Seconds a changed store held by another kernel is waited for (kernels release their file
0.05-3 s after their last write); then the search answers with its last indexed rows."""
BUSY_MEMORY = 5.0
"""Seconds after a store was found busy during which it is tried once, not waited for: typing
in the search box while another kernel streams an answer costs no wait per keystroke."""
MMAP_BYTES = 1 << 30
"""Memory-mapped reads: a query reads its postings from the OS page cache without copying pages."""
CACHE_KIB = 65536
"""SQLite's page cache while writing: FTS5 merges its segments with fewer reads."""
BATCH_DOCS = 5000
"""Documents written per transaction when many stores are read (fewer, larger FTS5 segments)."""
HASH_MOD = 2147483647
"""Ids are checksummed as DuckDB ``hash(id) % HASH_MOD``: sums fit SQLite's 64-bit integers."""

SCHEMA = f"""
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS store (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    notebook TEXT NOT NULL,
    signature TEXT NOT NULL,
    watermark TEXT,
    docs INTEGER NOT NULL DEFAULT 0,
    chars INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doc (
    rowid INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'part' or 'memory'
    session_id TEXT,
    message_id TEXT NOT NULL,
    role TEXT,                     -- the message's role; NULL: no such message (a memory)
    time_created TEXT NOT NULL,    -- the document's, ISO with microseconds (sorts as time)
    message_time TEXT,             -- the message's
    size INTEGER NOT NULL,         -- characters
    hash INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (store_id, doc_id)
);
CREATE TABLE IF NOT EXISTS session (  -- what the sidebar lists for a hit
    store_id INTEGER NOT NULL, id TEXT NOT NULL, title TEXT, time_created TEXT, time_updated TEXT,
    time_archived TEXT, message_count INTEGER, PRIMARY KEY (store_id, id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(
    text, content = 'doc', content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_terms USING fts5vocab(doc_fts, instance);
INSERT OR IGNORE INTO meta VALUES ('format', '{FORMAT}');
"""

# -- reading a store (DuckDB; {db} is '' for a store's own connection, else 'alias.main.') ----------

PART_ROWS = """
SELECT p.id, p.session_id, p.message_id, p.time_created, p.data->>'text' AS text,
       coalesce(p.data->>'ignored', 'false') <> 'true' AND coalesce(p.data->>'text', '') <> '' AS visible,
       m.role, m.time_created, hash(p.id) % {mod}, p.time_updated
FROM {db}part p LEFT JOIN {db}message m ON m.id = p.message_id
WHERE p.type = 'text' {since}
"""
PART_CHECK = """
SELECT count(*), coalesce(sum(hash(id) % {mod}), 0) FROM (
    SELECT DISTINCT id FROM {db}part
    WHERE type = 'text' AND coalesce(data->>'ignored', 'false') <> 'true' AND coalesce(data->>'text', '') <> ''
)
"""
SESSION_ROWS = """
SELECT 'session' AS kind, id, title, time_created, NULL::BIGINT, time_updated, time_archived, message_count
FROM {db}session"""
MEMORY_AND_SESSION_ROWS = SESSION_ROWS + """
UNION ALL
SELECT 'memory', id, text, time_created, hash(id) % {mod}, NULL, NULL, NULL
FROM {db}memory WHERE time_deleted IS NULL AND text <> ''
"""
NOTEBOOK_ROW = "SELECT path FROM {db}project ORDER BY time_created LIMIT 1"

# -- the search (SQLite) ---------------------------------------------------------------------------

SEARCH_SQL = """
WITH terms(variant, term) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:terms)
),
tf AS MATERIALIZED (  -- the index's postings of the query's spellings: no document is read
    SELECT doc, term AS variant, count(*) AS tf
    FROM doc_terms WHERE term IN (SELECT variant FROM terms)
    GROUP BY doc, term
),
hits AS MATERIALIZED (
    SELECT tf.doc, t.term, sum(tf.tf) AS tf, d.size, d.store_id, d.message_id, d.time_created, d.doc_id
    FROM tf JOIN terms t USING (variant) JOIN doc d ON d.rowid = tf.doc
    WHERE d.store_id IN (SELECT value FROM json_each(:stores))
    GROUP BY tf.doc, t.term
),
df AS (
    SELECT term, count(*) AS df FROM hits GROUP BY term
),
scored AS MATERIALIZED (
    SELECT h.doc, h.store_id, h.message_id, h.time_created, h.doc_id,
           sum(ln(1 + (:n - df.df + 0.5) / (df.df + 0.5))
               * h.tf * (:k1 + 1) / (h.tf + :k1 * (1 - :b + :b * h.size / :avg_size))) AS score
    FROM hits h JOIN df USING (term)
    GROUP BY h.doc
),
best AS (  -- a message once, with its best document (SQLite takes the bare columns from the max row)
    SELECT max(score) AS score, doc, time_created, doc_id
    FROM scored JOIN store s ON s.id = scored.store_id
    GROUP BY s.notebook, scored.message_id
)
SELECT s.notebook, d.session_id, d.message_id, d.doc_id, d.text, d.time_created, d.role, d.message_time,
       (SELECT title FROM session WHERE store_id = d.store_id AND id = d.session_id) AS title, best.score
FROM (SELECT * FROM best ORDER BY round(score, 9) DESC, time_created DESC, doc_id LIMIT :limit) best
JOIN doc d ON d.rowid = best.doc JOIN store s ON s.id = d.store_id
ORDER BY round(best.score, 9) DESC, best.time_created DESC, best.doc_id  -- as memory.SEARCH_SQL
"""

_busy_until: dict[Path, float] = {}
"""Store -> the monotonic time until which it is not waited for (found busy lately)."""
_lock = threading.RLock()
"""One refresh or search at a time in this process (the sidebar and a magic may search together)."""
_connections: dict[Path, tuple[sqlite3.Connection, tuple[int, int]]] = {}
"""Index file -> this process's open connection to it and the file's (device, inode)."""


def index_path() -> Path:
    from ..tutor.index import cache_dir

    return cache_dir() / f"history-search-{FORMAT}.sqlite"


def signature(path: str | Path) -> str | None:
    """Size and mtime of the store and its write-ahead log; None when the store is gone.

    Strings and ``os.stat``: 400 of these per search cost about 1 ms, pathlib about 10.
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


def connect(path: Path | None = None) -> sqlite3.Connection:
    """The index, created if missing; a file SQLite cannot read (or of another format) is rebuilt."""
    path = path or index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # a new format: the files of older ones would stay forever
        for old in range(1, FORMAT):
            remove(path.with_name(f"history-search-{old}.sqlite"))
    try:
        return _open(path)
    except sqlite3.DatabaseError as error:
        log.warning("rebuilding the history search index %s: %s", path, error)
        remove(path)
        return _open(path)


@contextmanager
def opened(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """This process's connection to the index, for one refresh and search at a time.

    Kept open between searches: its page cache stays warm and no close checkpoints the
    log each time (25 ms). Reopened when the file was replaced or removed.
    """
    path = path or index_path()
    with _lock:
        cached = _connections.get(path)
        try:
            st = path.stat()
            same = cached is not None and cached[1] == (st.st_dev, st.st_ino) and _current(cached[0])
        except FileNotFoundError:
            same = False
        if not same:
            if cached is not None:
                cached[0].close()
            con = connect(path)
            st = path.stat()
            cached = _connections[path] = (con, (st.st_dev, st.st_ino))
        try:
            yield cached[0]
        finally:
            if cached[0].in_transaction:  # never leave a half-written refresh open
                cached[0].execute("ROLLBACK")


def _current(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == (str(FORMAT),)


@atexit.register
def close() -> None:
    """Close this process's connections to the index."""
    with _lock:
        while _connections:
            _connections.popitem()[1][0].close()


def remove(path: Path | None = None) -> None:
    """Delete the index (its connection in this process is closed first)."""
    path = path or index_path()
    with _lock:
        cached = _connections.pop(path, None)
        if cached is not None:
            cached[0].close()
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            file.unlink(missing_ok=True)


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        con.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        found = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").fetchone()[0]
        if found and con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() != (str(FORMAT),):
            raise sqlite3.DatabaseError(f"not format {FORMAT}")
        if not found or con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'doc_terms'").fetchone()[0] == 0:
            con.executescript(SCHEMA)
        return con
    except BaseException:
        con.close()
        raise


# -- refreshing ------------------------------------------------------------------------------------

def refresh(con: sqlite3.Connection, paths: Sequence[Path], *, store: "Store | None" = None) -> dict[Path, int]:
    """Bring the index up to date for ``paths``; returns {path: store id} for those it holds rows of.

    ``store``: this kernel's own store (read through its connection, never attached).
    Stores gone from disk lose their rows; busy ones keep them.
    """
    with _lock:
        # keyed by the path as text: pathlib for 200 stores twice per keystroke showed in profiles
        known = {p: (i, sig) for i, p, sig in con.execute("SELECT id, path, signature FROM store")}
        current = {str(path): signature(str(path)) for path in paths}
        for key, (store_id, _) in list(known.items()):
            gone = current[key] is None if key in current else not os.path.exists(key)
            if gone:  # any store the index holds, not only these paths: the file is gone
                _write(con, lambda: _drop(con, store_id))
                del known[key]
        changed = [Path(k) for k, sig in current.items() if sig is not None and (k not in known or known[k][1] != sig)]
        own = store.path if store is not None else None
        if own in changed:
            import duckdb

            from ..errors import StoreError

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

            def read(item: tuple[str, Path]) -> _Rows | str:
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
                        _save(con, history.con, f"{alias}.main.", path, current[str(path)],
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


@dataclass
class _Rows:
    """What one store holds for the index."""

    watermark: str | None
    """The ``time_updated`` parts were read from (None: all of them)."""
    parts: list[tuple]
    counted: tuple[int, int] | None
    """(count, checksum) of the store's visible text parts, when read from a watermark."""
    memories: list[tuple]
    sessions: list[tuple]


def _watermark_of(con: sqlite3.Connection, known: dict, path: Path) -> str | None:
    store_id = known.get(str(path), (None,))[0]
    if store_id is None:
        return None
    return con.execute("SELECT watermark FROM store WHERE id = ?", [store_id]).fetchone()[0]


def _read(duck: "duckdb.DuckDBPyConnection", db: str, watermark: str | None, has_memory: bool) -> _Rows:
    """One store's parts (since ``watermark``), memories and session titles; a check when incremental."""
    since = f"AND p.time_updated >= TIMESTAMP '{watermark}' - INTERVAL '{WATERMARK_SLACK}'" if watermark else ""
    parts = duck.execute(PART_ROWS.format(db=db, since=since, mod=HASH_MOD)).fetchall()
    counted = tuple(duck.execute(PART_CHECK.format(db=db, mod=HASH_MOD)).fetchall()[0]) if watermark else None
    others = duck.execute((MEMORY_AND_SESSION_ROWS if has_memory else SESSION_ROWS).format(db=db, mod=HASH_MOD))
    memories, sessions = [], []
    for kind, key, text, created, h, updated, archived, count in others.fetchall():
        if kind == "session":
            sessions.append((key, text, _iso(created), _iso(updated), _iso(archived), count))
        else:
            memories.append((key, text, created, h))
    return _Rows(watermark, parts, counted, memories, sessions)


def _refresh_own(con: sqlite3.Connection, store: "Store", sig: str, known: dict) -> None:
    """This kernel's store, through its own connection (attaching it would conflict with it)."""
    with store.connection() as duck:
        row = duck.execute(NOTEBOOK_ROW.format(db="")).fetchall()
        notebook = row[0][0] if row and row[0][0] else guess_notebook(store.path)
        rows = _read(duck, "", _watermark_of(con, known, store.path), True)
        _save(con, duck, "", store.path, sig, known.get(str(store.path), (None,))[0], notebook, rows)


def _save(con: sqlite3.Connection, duck: "duckdb.DuckDBPyConnection", db: str, path: Path, sig: str,
          store_id: int | None, notebook: str, rows: _Rows) -> None:
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
        _put_parts(con, sid, rows.parts, fresh=not rows.watermark)
        if check and rows.counted is not None and rows.counted != con.execute(
                "SELECT count(*), coalesce(sum(hash), 0) FROM doc WHERE store_id = ? AND kind = 'part'",
                [sid]).fetchone():
            raise _Mismatch
        _delete_docs(con, "store_id = ? AND kind = 'memory'", [sid])
        _insert_docs(con, [(sid, mid, "memory", None, mid, None, _iso(created), None, len(text), h, text)
                           for mid, text, created, h in rows.memories])
        con.execute("DELETE FROM session WHERE store_id = ?", [sid])
        con.executemany("INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?)", [(sid, *row) for row in rows.sessions])
        newest = max((row[-1] for row in rows.parts), default=None)
        con.execute(
            "UPDATE store SET notebook = ?, signature = ?, watermark = coalesce(?, watermark),"
            " docs = (SELECT count(*) FROM doc WHERE store_id = ?),"
            " chars = (SELECT coalesce(sum(size), 0) FROM doc WHERE store_id = ?) WHERE id = ?",
            [notebook, sig, _iso(newest) if newest else None, sid, sid, sid])

    try:
        _write(con, lambda: write(True))
    except _Mismatch:  # rows deleted, or written with older times: read the whole store again
        rows.parts = duck.execute(PART_ROWS.format(db=db, since="", mod=HASH_MOD)).fetchall()
        rows.watermark = rows.counted = None
        _write(con, lambda: write(False))


class _Mismatch(Exception):
    pass


def _put_parts(con: sqlite3.Connection, store_id: int, parts: list[tuple], *, fresh: bool) -> None:
    """Insert the visible parts, replace the changed ones, drop the ones now hidden (ignored, emptied).

    ``fresh``: the store has no part rows in the index (read whole): nothing to compare with.
    """
    incoming: dict[str, tuple | None] = {}  # the part table has no primary key: the last row of an id wins
    for pid, sid, mid, created, text, shown, role, mtime, h, _ in parts:
        incoming[pid] = (store_id, pid, "part", sid, mid, role, _iso(created), _iso(mtime), len(text), h,
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

    (Triggers did the same row by row at 3.5 times the CPU: 2.1 against 0.6 s for 50,000 documents.)
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


def _drop(con: sqlite3.Connection, store_id: int) -> None:
    _delete_docs(con, "store_id = ?", [store_id])
    con.execute("DELETE FROM session WHERE store_id = ?", [store_id])
    con.execute("DELETE FROM store WHERE id = ?", [store_id])


def _write(con: sqlite3.Connection, work) -> None:
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


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(sep=" ", timespec="microseconds") if moment is not None else None


# -- searching -------------------------------------------------------------------------------------

def search(con: sqlite3.Connection, store_ids: Sequence[int], terms: dict[str, list[str]], limit: int,
           k1: float, b: float) -> list[tuple]:
    """(notebook, session_id, message_id, doc_id, text, time_created, role, message_time, title, score), best first."""
    if not store_ids:
        return []
    stores = json.dumps(list(store_ids))
    n, chars = con.execute("SELECT coalesce(sum(docs), 0), coalesce(sum(chars), 0) FROM store "
                           "WHERE id IN (SELECT value FROM json_each(?))", [stores]).fetchone()
    if not n:
        return []
    params = {"terms": json.dumps([[v, t] for t, forms in terms.items() for v in forms]), "stores": stores,
              "n": n, "avg_size": chars / n, "k1": k1, "b": b, "limit": limit}
    return con.execute(SEARCH_SQL, params).fetchall()


SESSIONS_SQL = """
SELECT s.notebook, x.id, x.title, x.time_created, x.time_updated, x.time_archived, x.message_count
FROM session x JOIN store s ON s.id = x.store_id
WHERE x.store_id IN (SELECT value FROM json_each(:stores)) AND x.id IN (SELECT value FROM json_each(:ids))
"""


def sessions(con: sqlite3.Connection, store_ids: Sequence[int], session_ids: Sequence[str]) -> list[tuple]:
    """(notebook, id, title, time_created, time_updated, time_archived, message_count) of those sessions."""
    rows = con.execute(SESSIONS_SQL, {"stores": json.dumps(list(store_ids)), "ids": json.dumps(list(session_ids))})
    return [(nb, sid, title, *map(parse_time, times), count) for nb, sid, title, *times, count in rows.fetchall()]


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
