"""Figure 5 and the layouts beside it: what decides the file's size, and what each layout costs to use.

The real migrations decide the Store's layout (which tables keep a primary key, how ``part.data`` is
compressed); the same rows rebuilt in the layouts the schema went through, or might go to, show what each
choice costs in size and in reads and writes, so a migration changing it can be judged on figures.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from buddy_jupyter.schema import ids
from buddy_jupyter.store import sql as duck_sql

from store_profile import MS, Results, median


# The secondary indexes migration m001 creates (a later migration may drop them): a size variant shows their cost.
M001_INDEXES = {"message_by_session": "CREATE INDEX message_by_session ON message (session_id, time_created, id)",
                "part_by_session": "CREATE INDEX part_by_session ON part (session_id, time_created, id)",
                "part_by_message": "CREATE INDEX part_by_message ON part (message_id, id)"}
PK_ONLY = "m004's layout: a primary key on every table, data compressed"
WITH_M001 = "primary keys + m001's 3 secondary indexes"
# variant -> (file kept for the layout timings, its column label there); a variant equal to the Store's own
# layout is not built (the Store's file stands for it)
KEEP_LAYOUTS = {PK_ONLY: ("layout-pk.duckdb", "m004: PK, compressed"),
                WITH_M001: ("layout-m001.duckdb", "PK + m001's 3 indexes"),
                "primary keys only + data JSON USING COMPRESSION zstd": ("layout-pk-zstd.duckdb", "PK only + zstd data"),
                "primary keys only + data JSON USING COMPRESSION uncompressed": ("layout-pk-raw.duckdb",
                                                                               "PK only + raw data")}


def secondary_indexes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """name -> CREATE INDEX statement of the explicit indexes on the conversation tables (primary keys excluded)."""
    return dict(con.execute(
        "SELECT index_name, sql FROM duckdb_indexes() WHERE database_name = current_database()"
        " AND table_name IN ('session', 'message', 'part') AND NOT is_primary ORDER BY index_name").fetchall())


def describe_layout(con: duckdb.DuckDBPyConnection) -> str:
    """The Store's own layout in a few words: which tables have a primary key, how part.data is stored."""
    keyed = [t for (t,) in con.execute(
        "SELECT DISTINCT table_name FROM duckdb_constraints() WHERE database_name = current_database()"
        " AND constraint_type = 'PRIMARY KEY' AND table_name IN ('session', 'message', 'part') ORDER BY 1").fetchall()]
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
                      " AND table_name = 'part'").fetchall()[0][0]
    found = re.search(r"USING COMPRESSION (\w+)", ddl)
    data = found.group(1).lower() if found else "compressed"
    extra = secondary_indexes(con)
    return (f"PK on {'/'.join(keyed) or 'none'}" + (f" + {len(extra)} indexes" if extra else "")
            + f", part.data {data}")


def size_variants(duck_path: Path, folder: Path) -> dict[str, dict[str, float]]:
    """The same rows in other layouts: how much of the file the indexes and the string compression decide."""
    ddl = {
        "session": "id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, parent_id VARCHAR, title VARCHAR NOT NULL,"
                   " time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL, time_archived TIMESTAMP,"
                   " message_count INTEGER NOT NULL, tokens_input BIGINT NOT NULL, tokens_output BIGINT NOT NULL,"
                   " cost DOUBLE NOT NULL, data JSON",
        "message": "id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, seq INTEGER NOT NULL, role VARCHAR NOT NULL,"
                   " time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL, time_completed TIMESTAMP,"
                   " model_id VARCHAR, provider_id VARCHAR, tokens_input BIGINT, tokens_output BIGINT,"
                   " tokens_reasoning BIGINT, tokens_cache_read BIGINT, tokens_cache_write BIGINT, cost DOUBLE,"
                   " finish VARCHAR, error_name VARCHAR, data JSON NOT NULL",
        "part": "id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, message_id VARCHAR NOT NULL, seq INTEGER NOT NULL,"
                " type VARCHAR NOT NULL, time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL,"
                " data JSON NOT NULL",
    }
    src = duckdb.connect(str(duck_path), read_only=True)
    own = secondary_indexes(src)  # whatever the real migrations left
    own_ddl = dict(src.execute("SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database()"
                               " AND table_name IN ('session', 'message', 'part')").fetchall())
    own_layout = describe_layout(src)
    src.close()
    # name -> (the Store's own CREATE TABLEs?, no primary keys?, data compression, indexes)
    layouts: dict[str, tuple[bool, bool, str, list[str]]] = {
        f"the Store's own layout ({own_layout}), rebuilt": (True, False, "", list(own.values())),
        PK_ONLY: (False, False, "", []),
        WITH_M001: (False, False, "", list(M001_INDEXES.values())),
        "no indexes at all": (False, True, "", []),
        "primary keys only + data JSON USING COMPRESSION zstd": (False, False, "zstd", []),
        "primary keys only + data JSON USING COMPRESSION uncompressed": (False, False, "uncompressed", []),
    }
    out: dict[str, dict[str, float]] = {}
    for name, (as_store, no_pk, compression, indexes) in layouts.items():
        path = folder / "variant.duckdb"
        for f in (path, path.with_name(path.name + ".wal")):
            if f.exists():
                f.unlink()
        con = duckdb.connect(str(path))
        con.execute(f"ATTACH '{duck_path}' AS src (READ_ONLY)")
        for table, cols in ddl.items():
            if no_pk:
                cols = cols.replace(" PRIMARY KEY", "")
            if compression:
                cols = cols.replace("data JSON", f"data JSON USING COMPRESSION {compression}")
            con.execute(own_ddl[table] if as_store else f"CREATE TABLE {table} ({cols})")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
        for statement in indexes:
            con.execute(statement)
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
        con.close()
        out[name] = {"bytes": dir_size(path, path.with_name(path.name + ".wal"))}
        if name in KEEP_LAYOUTS:
            path.rename(folder / KEEP_LAYOUTS[name][0])
        for f in (path, path.with_name(path.name + ".wal")):
            if f.exists():
                f.unlink()
    return out


def dir_size(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


def file_sizes(res: Results, duck: Path, lite: Path, counts: dict, variants: dict | None = None) -> None:
    dsize = dir_size(duck, duck.with_name(duck.name + ".wal"))
    lsize = dir_size(lite, lite.with_name(lite.name + "-wal"), lite.with_name(lite.name + "-shm"))
    ratio = dsize / lsize
    con = duckdb.connect(str(duck), read_only=True)
    own = secondary_indexes(con)  # what the real migrations left
    res.add(f"5 file size {counts['session']:,} / {counts['message']:,} / {counts['part']:,} "
            f"(DuckDB {describe_layout(con)})",
            f"{dsize / 2**20:,.0f} MiB", f"{lsize / 2**20:,.0f} MiB",
            f"<= 60% of SQLite ({ratio:.0%})", ratio <= 0.60)
    comp = con.execute(
        "SELECT column_name, compression, count(*) AS segments FROM pragma_storage_info('part')"
        " WHERE column_name = 'data' AND segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY segments DESC").fetchall()
    blocks = con.execute("SELECT total_blocks, block_size, free_blocks FROM pragma_database_size()").fetchall()[0]
    payload = con.execute("SELECT sum(strlen(data::VARCHAR)) FROM part").fetchall()[0][0] + con.execute(
        "SELECT sum(strlen(data::VARCHAR)) FROM message").fetchall()[0][0]
    con.close()
    lcon = sqlite3.connect(str(lite))
    try:
        idx = lcon.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'sqlite_autoindex%' OR name LIKE '%_idx'"
                           ).fetchall()[0][0]
    except sqlite3.Error:
        idx = None
    lcon.close()
    res.notes.append(
        f"size: DuckDB secondary indexes (from the migrations): {', '.join(own) or 'none'}; "
        f"JSON payload bytes (message+part data) {payload / 2**20:,.0f} MiB; DuckDB part.data compression "
        f"{', '.join(f'{c} x{n}' for _, c, n in comp)}; DuckDB blocks {blocks[0]:,} x {blocks[1]:,} B, free {blocks[2]:,}"
        + (f"; SQLite indexes {idx / 2**20:,.0f} MiB" if idx else ""))
    for name, v in (variants or {}).items():
        timings = ", ".join(f"{k} {x:.1f} ms" for k, x in v.items() if k != "bytes")
        res.notes.append(f"layout '{name}': {v['bytes'] / 2**20:,.0f} MiB ({v['bytes'] / lsize:.0%} of SQLite)"
                         + (f"; {timings}" if timings else ""))


def bench_layouts(files: dict[str, Path], big_sid: str, reps: int = 25) -> list[str]:
    """Reads and writes on the same rows in other layouts, round-robin (ms, medians)."""
    cons = {name: duckdb.connect(str(path)) for name, path in files.items()}
    con0 = next(iter(cons.values()))
    # the session's first part (the statement benchmark added part-less messages at its end)
    mid, pid = con0.execute("SELECT message_id, id FROM part WHERE session_id = ? ORDER BY time_created LIMIT 1",
                            [big_sid]).fetchall()[0]
    payload = json.dumps({"type": "text", "text": "y" * 1500, "synthetic": False, "ignored": False,
                          "time": {"start": 1, "end": None}}, separators=(",", ":"))

    def load(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(duck_sql.SELECT_MESSAGE_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id",
                    [big_sid]).fetchall()
        con.execute(duck_sql.SELECT_PART_JSON + " WHERE session_id = ? ORDER BY time_created, seq, id",
                    [big_sid]).fetchall()

    def listing(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(duck_sql.SELECT_SESSIONS + " WHERE time_archived IS NULL ORDER BY time_updated DESC, id DESC"
                    " LIMIT 50").fetchall()

    def insert(con: duckdb.DuckDBPyConnection) -> None:
        now = ids.utcnow()
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO part (id, session_id, message_id, seq, type, time_created, time_updated, data)"
                    " VALUES (?, ?, ?, 99, 'text', ?, ?, ?)", [ids.new_id("part")[0], big_sid, mid, now, now, payload])
        con.execute("COMMIT")

    def update(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE part SET time_updated = ?, data = ? WHERE id = ?", [ids.utcnow(), payload, pid])
        con.execute("COMMIT")

    def max_seq(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("SELECT coalesce(max(seq), 0) + 1 FROM part WHERE message_id = ?", [mid]).fetchall()

    ops = {"load 500-message session (SQL only)": load, "list 50 sessions (SQL only)": listing,
           "INSERT part + commit": insert, "UPDATE part by id + commit": update, "max(seq) by message_id": max_seq}
    got: dict[tuple[str, str], list[float]] = defaultdict(list)
    for name, con in cons.items():
        for fn in ops.values():
            fn(con)  # warm
    for _ in range(reps):
        for op, fn in ops.items():
            for name, con in cons.items():
                t = time.perf_counter()
                fn(con)
                got[(name, op)].append(time.perf_counter() - t)
    for con in cons.values():
        con.close()
    width = max(len(op) for op in ops)
    lines = ["    " + " " * width + "  " + "  ".join(f"{name:>24}" for name in cons)]
    for op in ops:
        lines.append(f"    {op:<{width}}  " + "  ".join(f"{median(got[(name, op)]) * MS:>21.2f} ms" for name in cons))
    return lines
