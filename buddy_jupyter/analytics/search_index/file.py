"""The index file and this process's one connection to it.

A file SQLite cannot read, or of another format, is deleted and rebuilt; the files of older
formats are removed. The connection is kept open between searches and reopened when the file
was replaced or removed.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .sql import FORMAT, SCHEMA

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 2000
"""How long a writer waits for another process refreshing the same file."""
MMAP_BYTES = 1 << 30
"""Memory-mapped reads: a query reads its postings from the OS page cache without copying pages."""
CACHE_KIB = 65536
"""SQLite's page cache while writing: FTS5 merges its segments with fewer reads."""

lock = threading.RLock()
"""One refresh or search at a time in this process (the sidebar and a magic may search together)."""
_connections: dict[Path, tuple[sqlite3.Connection, tuple[int, int]]] = {}
"""Index file -> this process's open connection to it and the file's (device, inode)."""


def index_path() -> Path:
    from ...tutor.index import cache_dir

    return cache_dir() / f"history-search-{FORMAT}.sqlite"


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
    log each time. Reopened when the file was replaced or removed.
    """
    path = path or index_path()
    with lock:
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
    with lock:
        while _connections:
            _connections.popitem()[1][0].close()


def remove(path: Path | None = None) -> None:
    """Delete the index (its connection in this process is closed first)."""
    path = path or index_path()
    with lock:
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
