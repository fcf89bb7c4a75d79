"""Schema migrations: an ordered list of small named functions.

Which migrations ran is recorded in the ``buddy_migrations`` table inside the
store, in the same transaction as the migration itself, never inferred from
whether a file exists. Opening a store runs every pending migration in one
transaction. A store that records a migration this version does not know was
written by a newer buddy_jupyter: it is opened read-only and never altered.

Never edit a migration once released; add a new one. DuckDB 2.0 cannot alter
or drop tables that have indexes or foreign keys, so the tables have no foreign
keys and a later change of a column type must create-copy-drop-rename.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import sql, views
from .transaction import atomic

if TYPE_CHECKING:
    import duckdb

Migration = Callable[["duckdb.DuckDBPyConnection"], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration, named after the function."""
    if any(name == fn.__name__ for name, _ in MIGRATIONS):
        raise ValueError(f"duplicate migration name {fn.__name__}")
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_conversation_tables(con: "duckdb.DuckDBPyConnection") -> None:
    con.execute(
        """
        CREATE TABLE project (
            id VARCHAR PRIMARY KEY,
            path VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            time_updated TIMESTAMP NOT NULL,
            data JSON
        );
        CREATE TABLE session (
            id VARCHAR PRIMARY KEY,
            project_id VARCHAR NOT NULL,
            parent_id VARCHAR,
            title VARCHAR NOT NULL DEFAULT '',
            time_created TIMESTAMP NOT NULL,
            time_updated TIMESTAMP NOT NULL,
            time_archived TIMESTAMP,
            message_count INTEGER NOT NULL DEFAULT 0,
            tokens_input BIGINT NOT NULL DEFAULT 0,
            tokens_output BIGINT NOT NULL DEFAULT 0,
            cost DOUBLE NOT NULL DEFAULT 0,
            data JSON
        );
        CREATE TABLE message (
            id VARCHAR PRIMARY KEY,
            session_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            role VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            time_updated TIMESTAMP NOT NULL,
            time_completed TIMESTAMP,
            model_id VARCHAR,
            provider_id VARCHAR,
            tokens_input BIGINT,
            tokens_output BIGINT,
            tokens_reasoning BIGINT,
            tokens_cache_read BIGINT,
            tokens_cache_write BIGINT,
            cost DOUBLE,
            finish VARCHAR,
            error_name VARCHAR,
            data JSON NOT NULL
        );
        CREATE TABLE part (
            id VARCHAR PRIMARY KEY,
            session_id VARCHAR NOT NULL,
            message_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            type VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            time_updated TIMESTAMP NOT NULL,
            data JSON NOT NULL
        );
        CREATE INDEX message_by_session ON message (session_id, time_created, id);
        CREATE INDEX part_by_session ON part (session_id, time_created, id);
        CREATE INDEX part_by_message ON part (message_id, id);
        """
    )


def ensure_ledger(con: "duckdb.DuckDBPyConnection") -> None:
    con.execute(sql.CREATE_LEDGER)


def applied(con: "duckdb.DuckDBPyConnection") -> list[str]:
    if not con.execute(sql.LEDGER_EXISTS).fetchall()[0][0]:
        return []
    return [row[0] for row in con.execute(sql.APPLIED_MIGRATIONS).fetchall()]


def unknown(names: list[str]) -> list[str]:
    """Applied migrations this version does not know: the store is newer."""
    known = {name for name, _ in MIGRATIONS}
    return [name for name in names if name not in known]


def pending(names: list[str]) -> list[tuple[str, Migration]]:
    done = set(names)
    return [(name, fn) for name, fn in MIGRATIONS if name not in done]


def migrate(con: "duckdb.DuckDBPyConnection") -> list[str]:
    """Run every pending migration in one transaction; return their names.

    A file that has tables or views but no ledger is not a store (someone's own DuckDB
    file at the store's path): it is refused, never altered. A view of the buddy found
    missing (dropped by hand) is created again."""
    names = applied(con)
    if not names:
        refuse_foreign(con)
    todo = pending(names)
    if not todo:
        repair_views(con, names)
        return []
    with atomic(con):
        ensure_ledger(con)
        for name, fn in todo:
            fn(con)
            con.execute(sql.RECORD_MIGRATION, [name])
    return [name for name, _ in todo]


def refuse_foreign(con: "duckdb.DuckDBPyConnection") -> None:
    from ..errors import ForeignFile

    if applied(con):
        return
    found = [row[0] for row in con.execute(sql.TABLES_AND_VIEWS).fetchall()]
    if found:
        raise ForeignFile(f"this file is not a buddy store (it holds {', '.join(sorted(found)[:5])} and no "
                          "buddy_migrations); it was left as it is")


BUDDY_VIEWS = views.NAMES


def repair_views(con: "duckdb.DuckDBPyConnection", names: list[str]) -> bool:
    """Create the buddy's views again when one is missing; True if it did."""
    if "m003_analytics_views" not in names:
        return False
    present = {row[0] for row in con.execute(sql.VIEW_NAMES).fetchall()}
    if set(BUDDY_VIEWS) <= present:
        return False
    con.execute(VIEWS_M003)
    return True


def schema_version(con: "duckdb.DuckDBPyConnection") -> str:
    names = applied(con)
    return names[-1] if names else "empty"


@migration
def m002_activity_topics_memory_curriculum(con: "duckdb.DuckDBPyConnection") -> None:
    """The learner's side of the history: cell runs, topics, explicit memories, a curriculum.

    ``activity`` holds when a cell ran, how long and whether it failed: never its code or
    output. No foreign keys and no index on ``activity`` (append-only, scanned whole).
    """
    con.execute(
        """
        CREATE TABLE activity (
            id VARCHAR NOT NULL,
            time_start TIMESTAMP NOT NULL,
            duration_ms BIGINT NOT NULL,
            outcome VARCHAR NOT NULL,
            execution_count INTEGER,
            cell_id VARCHAR
        );
        CREATE TABLE session_topic (
            session_id VARCHAR NOT NULL,
            topic VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            PRIMARY KEY (session_id, topic)
        );
        CREATE TABLE memory (
            id VARCHAR PRIMARY KEY,
            text VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            time_deleted TIMESTAMP
        );
        CREATE TABLE curriculum (
            position INTEGER NOT NULL,
            topic VARCHAR NOT NULL,
            goal VARCHAR NOT NULL DEFAULT '',
            time_created TIMESTAMP NOT NULL
        );
        """
    )


# The views users query (``%buddy sql``) and analytics build on, as m003 created them: the text
# comes from the definition the folder-wide history shares (views.py), and a test pins it.
VIEWS_M003 = views.STORE_VIEWS


@migration
def m003_analytics_views(con: "duckdb.DuckDBPyConnection") -> None:
    """Readable views over the conversation: messages, turns, tool_calls, timeline."""
    con.execute(VIEWS_M003)


@migration
def m004_drop_unused_indexes(con: "duckdb.DuckDBPyConnection") -> None:
    """DuckDB 2.0 answers every read here with a scan (its ART indexes serve point lookups
    only), so the three secondary indexes served no read and took a large share of the
    file. Primary keys stay."""
    con.execute(
        "DROP INDEX IF EXISTS message_by_session; DROP INDEX IF EXISTS part_by_session; "
        "DROP INDEX IF EXISTS part_by_message;"
    )


@migration
def m005_part_rows_for_fast_session_reads(con: "duckdb.DuckDBPyConnection") -> None:
    """Store ``part.data`` uncompressed, and drop the primary key of ``part``.

    A long session's parts are spread across the table (they interleave with every other
    session's); DuckDB decodes whole compressed vectors to read them, so loading a long
    session from a large store spent most of its time decoding other sessions' JSON.
    Uncompressed, the session's rows are read without decoding the rest. The primary key's
    index is dropped for the room it took: part ids stay unique by construction (minted from
    one monotonic clock with random bits; a part is inserted only by the process that writes
    its message, and the Store looks for an existing row whenever it did not write the
    message). DuckDB 2.0 cannot alter a column's compression or drop a key, so the table is
    copied in its physical order, dropped and renamed.
    """
    con.execute(
        """
        CREATE TABLE part_m005 (
            id VARCHAR NOT NULL,
            session_id VARCHAR NOT NULL,
            message_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            type VARCHAR NOT NULL,
            time_created TIMESTAMP NOT NULL,
            time_updated TIMESTAMP NOT NULL,
            data JSON NOT NULL USING COMPRESSION uncompressed
        );
        INSERT INTO part_m005
            SELECT id, session_id, message_id, seq, type, time_created, time_updated, data FROM part ORDER BY rowid;
        DROP TABLE part;
        ALTER TABLE part_m005 RENAME TO part;
        """
    )
