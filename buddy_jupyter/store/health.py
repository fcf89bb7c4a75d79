"""File health: what the store finds wrong with its file when it opens, and what it does about it.

A file cut short or damaged is moved aside (kept, never deleted) and a new store is
started; a file in an older format is rewritten into the store's format; a file
written by a newer buddy_jupyter is opened read-only. The open hook raises
``OldFormat`` or ``NewerStore`` to ask ``Store`` for the rewrite or the read-only
reopen, which it can only do with the file closed.
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreCorrupt
from . import fileformat, sql

if TYPE_CHECKING:
    import duckdb

    from .lease import Lease

log = logging.getLogger(__name__)


class NewerStore(Exception):
    """Raised inside the open hook: reopen the file read-only."""


class OldFormat(Exception):
    """Raised inside the open hook: the file predates the store's format; rewrite it, then reopen."""


def check_whole(con: "duckdb.DuckDBPyConnection", path: Path) -> None:
    """A file cut short (a full disk, an interrupted copy) opens, and fails only when a read
    reaches a missing block: find that at open, from its size and the storage metadata
    (reading no data). Two checks, neither of which a crash mid-checkpoint can trip (its torn
    block lies beyond the committed ones): the blocks the tables' data live in are present,
    and no more blocks are missing at the end than the free list can account for (index and
    metadata blocks have no pragma of their own)."""
    block_size, total_blocks, free_blocks = con.execute(sql.BLOCKS).fetchall()[0]
    size = path.stat().st_size
    present = max(0, size - sql.FILE_HEADERS_BYTES) // block_size
    if present >= total_blocks:
        return  # every block is there: neither check can fail, and the storage metadata need not be read
    last = -1
    for (table,) in con.execute(sql.TABLES).fetchall():
        block = con.execute(sql.LAST_BLOCK, [table]).fetchall()[0][0]
        last = max(last, -1 if block is None else block)
    if present <= last or total_blocks - present > free_blocks:
        raise StoreCorrupt(f"the file is cut short: {size} bytes hold {present} of its {total_blocks} "
                           f"blocks ({free_blocks} free), and its tables use block {last}")


def move_aside(path: Path) -> Path:
    """Move a damaged store (and its write-ahead log) to ``<name>.corrupt-<time>``; where it went."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
    n = 1
    while target.exists() or Path(str(target) + ".wal").exists():  # never overwrite an earlier one
        n += 1
        target = path.with_name(f"{path.stem}.corrupt-{stamp}-{n}{path.suffix}")
    shutil.move(str(path), str(target))
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.move(str(wal), str(target) + ".wal")
    return target


def check_format(con: "duckdb.DuckDBPyConnection", path: Path) -> str | None:
    """Raise ``OldFormat`` when the open file should be rewritten now; a notice for the learner
    when it should be rewritten but is too large to do so unasked; else None."""
    size = fileformat.stored_bytes(path)
    if not fileformat.needs_rewrite(con, size):
        return None
    if size <= fileformat.AUTO_REWRITE_MAX:
        raise OldFormat()
    # a copy of this size takes a while: the learner chooses when
    return (f"the store {path} ({size / 2**20:,.0f} MiB) is in an older file format that DuckDB 1.x "
            "clients cannot read; %buddy compact rewrites it (about 1 s per 30 MiB)")


def rewrite(lease: "Lease", path: Path) -> dict[str, int]:
    """Copy the file into the store's format (every DuckDB from 1.4 reads it; blocks for its size)
    and swap it in, with the lease's connection closed meanwhile; its sizes and row counts."""
    with lease.suspended():
        before = fileformat.stored_bytes(path)
        counts = fileformat.rewrite(path)
    after = path.stat().st_size
    log.info("rewrote %s into the portable format: %d -> %d bytes", path, before, after)
    return {"bytes_before": before, "bytes_after": after, **counts}
