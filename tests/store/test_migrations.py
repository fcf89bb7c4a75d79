"""Migrations: from an empty store, from every older schema, and never onto a newer store.

Older schemas are built from frozen SQL in ``old_schemas/<migration name>.sql`` (the DDL as
released, plus its ledger row), so that an edit to a released migration is caught. A
migration with no frozen copy yet (one still being written) is built by running it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from buddy_jupyter.errors import StoreTooNew
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import UserMessage
from buddy_jupyter.store import Store, migrations

OLD = Path(__file__).parent / "old_schemas"
NAMES = [name for name, _ in migrations.MIGRATIONS]
SES, FORK = "ses_0001jx0000000100000000", "ses_0001jx0000000200000000"
Q, A = "msg_0001jx0000000300000000", "msg_0001jx0000000400000000"


def build_older(path: Path, upto: int) -> None:
    """A store file as a version whose last migration was ``NAMES[upto - 1]`` left it, with data
    written at m001 (so that every later migration has to carry it)."""
    con = duckdb.connect(str(path))
    try:
        for index, (name, fn) in enumerate(migrations.MIGRATIONS[:upto]):
            frozen = OLD / f"{name}.sql"
            if frozen.exists():
                con.execute(frozen.read_text())
            else:
                con.execute("BEGIN TRANSACTION")
                migrations.ensure_ledger(con)
                fn(con)
                con.execute("INSERT INTO buddy_migrations VALUES (?, TIMESTAMP '2025-01-01 00:00:00')", [name])
                con.execute("COMMIT")
            if index == 0:
                con.execute((OLD / "data_at_m001.sql").read_text())
    finally:
        con.close()


def schema_of(path: Path) -> dict[str, list]:
    """Tables with their columns, indexes and views: what a migration is supposed to produce."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "columns": con.execute(
                "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index"
            ).fetchall(),
            "indexes": con.execute(
                "SELECT table_name, index_name, expressions, is_unique FROM duckdb_indexes() "
                "WHERE database_name = current_database() ORDER BY index_name"
            ).fetchall(),
            "views": con.execute(
                "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
                "AND NOT internal ORDER BY view_name"
            ).fetchall(),
            "constraints": con.execute(
                "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
                "WHERE database_name = current_database() ORDER BY ALL"
            ).fetchall(),
        }
    finally:
        con.close()


def ledger(path: Path) -> list[tuple[str, datetime]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT name, applied_at FROM buddy_migrations ORDER BY name").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory) -> dict[str, list]:
    path = tmp_path_factory.mktemp("fresh") / "fresh.duckdb"
    store = Store(path, idle_release=0)
    store.create_session("x")
    store.close()
    return schema_of(path)


def test_migration_names_are_ordered_and_unique():
    assert NAMES == sorted(NAMES) and len(set(NAMES)) == len(NAMES)
    assert NAMES[0] == "m001_conversation_tables"
    with pytest.raises(ValueError, match="duplicate"):
        migrations.migration(migrations.MIGRATIONS[0][1])


@pytest.mark.parametrize("frozen", sorted(p.stem for p in OLD.glob("m[0-9][0-9][0-9]_*.sql")))
def test_released_migrations_were_not_edited(frozen, tmp_path):
    """Running a migration from the package gives exactly the schema of its frozen copy."""
    index = NAMES.index(frozen)
    by_sql, by_code = tmp_path / "sql.duckdb", tmp_path / "code.duckdb"
    con = duckdb.connect(str(by_sql))
    for name, fn in migrations.MIGRATIONS[:index]:
        con.execute((OLD / f"{name}.sql").read_text()) if (OLD / f"{name}.sql").exists() else fn(con)
    con.execute((OLD / f"{frozen}.sql").read_text())
    con.close()
    con = duckdb.connect(str(by_code))
    migrations.ensure_ledger(con)
    for name, fn in migrations.MIGRATIONS[: index + 1]:
        fn(con)
    con.close()
    assert schema_of(by_sql) == schema_of(by_code)


def test_a_new_store_gets_every_migration_in_one_transaction(store, store_path, fresh_schema):
    store.create_session("hello")
    store.close()
    rows = ledger(store_path)
    assert [name for name, _ in rows] == NAMES
    assert len({applied_at for _, applied_at in rows}) == 1  # current_timestamp is the transaction's start
    assert schema_of(store_path) == fresh_schema
    assert Store(store_path, idle_release=0).schema_version() == NAMES[-1]


def test_an_existing_empty_duckdb_file_is_migrated(store_path, fresh_schema):
    store_path.parent.mkdir(parents=True)
    duckdb.connect(str(store_path)).close()  # e.g. made by the DuckDB CLI: a database with no tables
    store = Store(store_path, idle_release=0)
    assert store.list_sessions() == []
    store.create_session("first")
    assert [name for name, _ in ledger(store_path)] == NAMES
    assert schema_of(store_path) == fresh_schema


@pytest.mark.parametrize("upto", range(1, len(NAMES)), ids=lambda k: f"from-{NAMES[k - 1]}")
def test_every_older_schema_migrates_with_its_data(upto, store_path, fresh_schema):
    store_path.parent.mkdir(parents=True)
    build_older(store_path, upto)
    before = ledger(store_path)
    assert [name for name, _ in before] == NAMES[:upto]

    store = Store(store_path, notebook="/course/lesson.ipynb", idle_release=0)
    assert store.schema_version() == NAMES[-1]
    after = ledger(store_path)
    assert [name for name, _ in after] == NAMES
    assert after[:upto] == before  # what ran before is left as it was
    assert len({applied_at for _, applied_at in after[upto:]}) == 1  # the rest: one transaction
    assert schema_of(store_path) == fresh_schema

    # the m001 conversation is whole
    assert [s.id for s in store.list_sessions()] == [SES]
    assert [s.id for s in store.list_sessions(archived=None)] == [SES, FORK]
    session = store.get_session(SES)
    assert (session.title, session.message_count, session.tokens_input, session.tokens_output) == \
        ("Why does merge drop rows?", 2, 120, 45)
    assert store.get_session(FORK).parent_id == SES
    history = store.get_messages(SES)
    assert [item.info.id for item in history] == [Q, A]
    question, answer = history
    assert question.info.context.cell_id == "c-7" and question.text == "Why does my merge drop rows? '); DROP TABLE message; --"
    assert [p.type for p in answer.parts] == ["tool", "text", "step-finish"]
    assert answer.parts[0].state.output == "3 rows"
    assert answer.text == "An inner join keeps only keys found in both frames. 🐼"
    assert answer.info.tokens.input == 120 and answer.info.finish == "stop" and answer.info.time_completed
    assert store.project.id == "prj_0001jx0000000000000000"

    # and the store goes on working, views included
    mid, created = ids.new_id("message")
    store.append_message(UserMessage(id=mid, session_id=SES, time_created=created))
    assert store.get_session(SES).message_count == 3
    with store.connection() as con:
        for (view,) in fresh_schema["views"]:
            con.execute(f'SELECT count(*) FROM "{view}"').fetchall()
    store.close()


def test_part_rows_are_stored_for_fast_session_reads(store, store_path):
    """m005's layout, which the load figure of bench/bench_store.py depends on: part.data is
    stored uncompressed, and part has no primary key (its index would take the room back)."""
    session = store.create_session("x")
    mid, created = ids.new_id("message")
    store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created))
    with store.connection() as con:
        con.execute("CHECKPOINT")
        compression = con.execute("SELECT DISTINCT compression FROM pragma_storage_info('part')"
                                  " WHERE column_name = 'data' AND segment_type <> 'VALIDITY'").fetchall()
        keys = con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
                           " AND table_name IN ('session', 'message', 'part') ORDER BY 1").fetchall()
    assert compression in ([], [("Uncompressed",)])  # no part yet: no segment
    assert keys == [("message",), ("session",)]
    from buddy_jupyter.schema.parts import TextPart
    store.put_part(TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid, text="t " * 5000))
    with store.connection() as con:
        con.execute("CHECKPOINT")
        assert con.execute("SELECT DISTINCT compression FROM pragma_storage_info('part')"
                           " WHERE column_name = 'data' AND segment_type <> 'VALIDITY'").fetchall() == [("Uncompressed",)]


def test_a_failing_migration_leaves_the_store_as_it_was(store_path, monkeypatch):
    """All pending migrations run in one transaction: one failure, and none of them happened."""
    store_path.parent.mkdir(parents=True)
    build_older(store_path, 1)
    before_schema, before_ledger = schema_of(store_path), ledger(store_path)

    def m999_broken(con):
        con.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("m999_broken", m999_broken)])
    with pytest.raises(RuntimeError, match="migration bug"):
        Store(store_path, idle_release=0).list_sessions()
    assert schema_of(store_path) == before_schema and ledger(store_path) == before_ledger
    assert sorted(p.name for p in store_path.parent.iterdir()) == [store_path.name]  # not moved aside

    monkeypatch.undo()
    assert [s.id for s in Store(store_path, idle_release=0).list_sessions()] == [SES]


def test_a_store_from_a_newer_version_is_read_only_and_untouched(store, store_path):
    session = store.create_session("written by the newer version")
    mid, created = ids.new_id("message")
    store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created))
    store.close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO buddy_migrations (name) VALUES ('m900_from_the_future')")
    con.execute("CHECKPOINT")
    con.close()
    folder = store_path.parent
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    newer = Store(store_path, idle_release=0)
    assert [s.id for s in newer.list_sessions()] == [session.id]  # reads work
    assert newer.get_messages(session.id)[0].info.id == mid
    assert newer.read_only
    assert any("newer" in notice for notice in newer.notices)
    writes = [
        lambda: newer.create_session("x"),
        lambda: newer.set_title(session.id, "y"),
        lambda: newer.archive_session(session.id),
        lambda: newer.delete_session(session.id),
        lambda: newer.append_message(UserMessage(id=ids.new_id("message")[0], session_id=session.id,
                                                 time_created=created)),
    ]
    for write in writes:
        with pytest.raises(StoreTooNew) as caught:
            write()
        assert "newer buddy_jupyter" in str(caught.value) and "read-only" in str(caught.value)
        assert "upgrade" in str(caught.value)
    newer.close()
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert after == before  # byte for byte, and no new files (no .wal left behind)
    assert [name for name, _ in ledger(store_path)] == [*NAMES, "m900_from_the_future"]
