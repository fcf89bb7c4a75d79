"""The store's file format: readable by every DuckDB client from 1.4 on, small while it is small.

DuckDB fixes two things when it creates a file: its storage version (a file written
by DuckDB 2.x with default settings is ``v2.0.0+``, which the DuckDB CLI 1.4/1.5,
DBeaver and older notebooks refuse) and its block size (256 KiB by default, which
makes even an empty store large). New stores are created as ``STORAGE_VERSION`` with
``BLOCK_SIZE`` (16 KiB) blocks. Small blocks slow scans once a store is large, so a
store that grows past ``LARGE_AT`` is rewritten with ``LARGE_BLOCK_SIZE`` blocks.

A store in another format (made before, or grown past ``LARGE_AT``) is rewritten
once when it opens (and on ``%buddy compact``): copied into a new file, its row
counts compared, then swapped in, the old file kept until the swap is done. A swap
cut short (a crash between the two renames) is undone the next time the store opens.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError
from . import sql

if TYPE_CHECKING:
    import duckdb

STORAGE_VERSION = "v1.4.0"
"""The oldest DuckDB that reads the store (every migration up to m005 works on it)."""
BLOCK_SIZE = 16 * 1024
"""DuckDB's smallest block, for new stores: most stores hold a few sessions, and every table and
index takes whole blocks."""
LARGE_BLOCK_SIZE = 256 * 1024
"""DuckDB's default block, for large stores: scans (a session's parts, the analytics) run as before."""
LARGE_AT = 16 * 2**20
"""A store of 16 KiB blocks larger than this is rewritten with large blocks."""
AUTO_REWRITE_MAX = 128 * 2**20
"""A store up to this size is rewritten when it opens (the learner waits for the copy); a larger one
when the learner runs ``%buddy compact`` (a notice says so)."""
SMALL_AT = 4 * 2**20
"""``compact`` goes back to small blocks below this (a gap, so that a store never goes back and forth)."""

_NEW = ".rewrite"
"""Suffix of the copy being written (not a ``.duckdb`` name: history never lists it)."""
_OLD = ".before-rewrite"
"""Suffix of the old file while the copy is swapped in."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _options(block: int = BLOCK_SIZE) -> str:
    return sql.FILE_OPTIONS.format(block=block, version=STORAGE_VERSION)


def stored_bytes(path: Path) -> int:
    """The file and its write-ahead log."""
    return sum(p.stat().st_size for p in (path, _wal(path)) if p.exists())


def block_size_for(size: int, current: int | None = None) -> int:
    """The block size a store of ``size`` bytes should have (``current``: keep it within the gap)."""
    if size > LARGE_AT:
        return LARGE_BLOCK_SIZE
    if size < SMALL_AT:
        return BLOCK_SIZE
    return current if current in (BLOCK_SIZE, LARGE_BLOCK_SIZE) else BLOCK_SIZE


def create(path: Path) -> None:
    """Create an empty store file at ``path`` in the store's format (the caller then connects to it)."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute(sql.ATTACH_NEW_STORE.format(path=_quote(str(path)), options=_options()))
        con.execute(sql.DETACH_NEW_STORE)
    finally:
        con.close()


def current_format(con: "duckdb.DuckDBPyConnection") -> tuple[str, int]:
    """The open file's storage version (``v1.4.0+``) and block size, from the catalog (no data read)."""
    version = con.execute(sql.SELECT_STORAGE_VERSION).fetchall()[0][0]
    block = con.execute(sql.SELECT_BLOCK_SIZE).fetchall()[0][0]
    return str(version or ""), int(block)


def needs_rewrite(con: "duckdb.DuckDBPyConnection", size: int = 0) -> bool:
    """True when the open file is not in the store's format: made before it, or in blocks that no
    longer suit its ``size`` (small blocks past ``LARGE_AT``; a block size we never write)."""
    version, block = current_format(con)
    if version.rstrip("+") != STORAGE_VERSION or block not in (BLOCK_SIZE, LARGE_BLOCK_SIZE):
        return True
    return block == BLOCK_SIZE and size > LARGE_AT


def finish_interrupted_swap(path: Path) -> str | None:
    """Undo a swap cut short: the old file is put back when no store is at ``path``.

    Returns what was done (for the learner's notices), or None."""
    old, new = _sibling(path, _OLD), _sibling(path, _NEW)
    note = None
    if old.exists() and not path.exists():
        os.replace(old, path)
        _move_wal(old, path)
        note = f"a rewrite of {path.name} was interrupted; the store was put back as it was"
    elif old.exists():
        _unlink(old)  # the swap was done: the old file was kept only until then
    if new.exists():
        _unlink(new)
    return note


def rewrite(path: Path, block: int | None = None) -> dict[str, int]:
    """Copy the store at ``path`` into a new file in the store's format and swap it in.

    ``block``: the new file's block size (default: what its size calls for, ``block_size_for``).

    The caller must not hold the file (its lease suspended). While the copy runs the
    old file stays attached read-write, so no other process can write to it meanwhile.
    Returns the row count of each table (the same in both files, or nothing changed).
    """
    import duckdb

    old, new = _sibling(path, _OLD), _sibling(path, _NEW)
    _unlink(new)
    con = duckdb.connect(":memory:")
    try:
        con.execute(sql.NO_PROGRESS_BAR)
        con.execute(sql.ATTACH_SOURCE.format(path=_quote(str(path))))
        try:
            con.execute(sql.CHECKPOINT_SOURCE)
            if block is None:
                current = con.execute(sql.SOURCE_BLOCK_SIZE).fetchall()[0][0]
                block = block_size_for(stored_bytes(path), current)
            con.execute(sql.ATTACH_COPY.format(path=_quote(str(new)), options=_options(block)))
            try:
                con.execute(sql.COPY_SOURCE)
                counts = _counts(con, "src")
                copied = _counts(con, "dst")
                if counts != copied:
                    raise StoreError(f"rewriting {path.name} copied different row counts ({copied} for {counts}); "
                                     "the store was left as it was")
                con.execute(sql.CHECKPOINT_COPY)
            finally:
                con.execute(sql.DETACH_COPY)
            _unlink(_wal(new))
            os.replace(path, old)  # the old file stays until the new one is in place
            os.replace(new, path)
        finally:
            con.execute(sql.DETACH_SOURCE)
    except BaseException:
        _unlink(new)
        _unlink(_wal(new))
        if old.exists() and not path.exists():
            os.replace(old, path)
        raise
    finally:
        con.close()
    _unlink(_wal(old))
    _unlink(old)
    return counts


def _counts(con: "duckdb.DuckDBPyConnection", database: str) -> dict[str, int]:
    tables = [row[0] for row in con.execute(sql.TABLES_OF, [database]).fetchall()]
    return {table: con.execute(sql.COUNT_ROWS.format(database=database, table=table)).fetchall()[0][0]
            for table in tables}


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _move_wal(source: Path, target: Path) -> None:
    if _wal(source).exists():
        os.replace(_wal(source), _wal(target))


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
