"""The model's SQL: escape attempts refused or limited, with no effect on the store or the disk."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

import pytest

from buddy_jupyter.analytics import sandbox
from buddy_jupyter.analytics.sandbox import run_sandboxed, sandbox_cursor
from buddy_jupyter.analytics.sandbox import QueryRefused

from .timelines import T0, Script, open_store

TAG = uuid.uuid4().hex[:10]
TMP = Path("/tmp")
OUT = {name: TMP / f"buddy-escape-{TAG}-{name}" for name in ("csv", "parquet", "db", "dir", "db2", "json")}

FILE_READS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_json_objects('/etc/passwd')",
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM parquet_scan('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    'SELECT * FROM "/etc/passwd"',
    "FROM '/etc/passwd'",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x",
    "SELECT (SELECT count(*) FROM read_text('/etc/hostname')) AS n",
    "SELECT * FROM messages WHERE text IN (SELECT content FROM read_text('/etc/passwd'))",
    "SELECT * FROM sqlite_scan('/etc/passwd', 'x')",
]
# Blocked by the text check alone (they read no file; settings and nested SQL stay out of reach).
META = [
    "SELECT getenv('HOME')",
    "SELECT current_setting('home_directory')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM query('DROP TABLE message')",
    "SELECT * FROM query_table('message')",
]
STATEMENTS = [
    f"COPY message TO '{OUT['csv']}'",
    f"COPY (SELECT * FROM message) TO '{OUT['parquet']}' (FORMAT parquet)",
    f"ATTACH '{OUT['db']}' AS evil",
    "ATTACH ':memory:' AS scratch",
    "DETACH nb0",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "PRAGMA enable_profiling",
    "PRAGMA database_list",
    "CALL pragma_version()",
    "CREATE TABLE evil AS SELECT 1",
    "CREATE TEMP TABLE scratch AS SELECT * FROM message",
    "CREATE MACRO evil(x) AS x",
    "INSERT INTO message SELECT * FROM message",
    "UPDATE session SET title = 'pwned'",
    "DELETE FROM part",
    "DROP TABLE message",
    "ALTER TABLE session RENAME TO s2",
    "SELECT 1; DROP TABLE message",
    f"SELECT 1; ATTACH '{OUT['db2']}'",
    f"EXPORT DATABASE '{OUT['dir']}'",
    f"IMPORT DATABASE '{OUT['dir']}'",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "USE nb0",
    "EXPLAIN ANALYZE SELECT 1",
    "",
]


def snapshot(store) -> tuple[str, dict]:
    """The store file's bytes (closed) and every table's rows."""
    tables = {}
    with store.connection() as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
        for name in sorted(names):
            tables[name] = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
    store.close()
    return hashlib.sha256(store.path.read_bytes()).hexdigest(), tables


def file_hash(store) -> str:
    store.close()
    return hashlib.sha256(store.path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store for the module (built once); its tables are compared whole at the end."""
    store = open_store(tmp_path_factory.mktemp("sandbox"), "lesson")
    script = Script(store)
    session = script.session("sandbox")
    for i in range(3):
        script.turn(session, f"question {i}", f"answer {i}", T0.replace(minute=i))
    script.cells((T0, 10, "ok"))
    before = snapshot(store)
    yield store
    assert snapshot(store) == before, "the store changed"
    store.close()


@pytest.fixture
def history(shared_store):
    """The store, checked unchanged (file bytes) and no file written after each test."""
    before = file_hash(shared_store)
    yield shared_store
    assert file_hash(shared_store) == before, "the store changed"
    assert not [p for p in OUT.values() if p.exists()], "a file was written"
    assert not list(TMP.glob(f"buddy-escape-{TAG}*"))


@pytest.mark.parametrize("query", FILE_READS + META + STATEMENTS)
def test_escape_attempts_are_refused(history, query):
    with pytest.raises(QueryRefused):
        run_sandboxed(query, paths=[history.path], store=history)


@pytest.mark.parametrize("query", FILE_READS)
def test_file_access_is_blocked_even_past_the_text_check(history, monkeypatch, query):
    monkeypatch.setattr(sandbox, "_check_tree", lambda text: None)  # layer 1's tree check off
    with pytest.raises(QueryRefused):
        run_sandboxed(query, paths=[history.path], store=history)


@pytest.mark.parametrize("statement", [s for s in STATEMENTS if s and ";" not in s and not s.startswith(
    ("DETACH", "ATTACH ':memory:'", "CREATE TEMP", "USE", "CHECKPOINT", "EXPLAIN", "BEGIN", "VACUUM", "PRAGMA database_list",
     "CALL", "IMPORT"))])
def test_writes_and_escapes_fail_on_the_locked_connection_itself(history, statement):
    """Layers 2 and 3 without layer 1: configuration and the read-only transaction refuse them."""
    import duckdb

    with sandbox_cursor([history.path], store=history, relations=("message", "session", "part")) as (cursor, _):
        with pytest.raises(duckdb.Error):
            cursor.execute(statement)


def test_huge_results_are_cut_at_the_row_limit(history):
    result = run_sandboxed("SELECT * FROM range(1000000000) t(i)", paths=[history.path], store=history)
    assert len(result.rows) == sandbox.ROW_LIMIT and result.truncated
    small = run_sandboxed("SELECT role, count(*) AS n FROM messages GROUP BY role ORDER BY role",
                          paths=[history.path], store=history)
    assert small.rows == [("assistant", 3), ("user", 3)] and not small.truncated
    assert small.columns == ["role", "n"]


def test_endless_queries_are_interrupted(history):
    started = time.monotonic()
    with pytest.raises(QueryRefused, match="longer than"):
        run_sandboxed("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
                      paths=[history.path], store=history, time_limit=0.5)
    assert time.monotonic() - started < 5


def test_the_kernels_store_works_again_after_a_sandboxed_query(history):
    run_sandboxed("SELECT count(*) FROM part", paths=[history.path], store=history)
    assert history.count_sessions() == 1  # the lease reopens the file


def test_there_are_at_least_thirty_escape_attempts():
    assert len(FILE_READS + META + [s for s in STATEMENTS if s]) >= 30
