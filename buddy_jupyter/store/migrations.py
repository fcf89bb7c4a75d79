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
    con.execute(
        "CREATE TABLE IF NOT EXISTS buddy_migrations ("
        " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )


def applied(con: "duckdb.DuckDBPyConnection") -> list[str]:
    tables = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'buddy_migrations'"
    ).fetchall()[0][0]
    if not tables:
        return []
    return [row[0] for row in con.execute("SELECT name FROM buddy_migrations ORDER BY name").fetchall()]


def unknown(names: list[str]) -> list[str]:
    """Applied migrations this version does not know: the store is newer."""
    known = {name for name, _ in MIGRATIONS}
    return [name for name in names if name not in known]


def pending(names: list[str]) -> list[tuple[str, Migration]]:
    done = set(names)
    return [(name, fn) for name, fn in MIGRATIONS if name not in done]


def migrate(con: "duckdb.DuckDBPyConnection") -> list[str]:
    """Run every pending migration in one transaction; return their names."""
    todo = pending(applied(con))
    if not todo:
        return []
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_ledger(con)
        for name, fn in todo:
            fn(con)
            con.execute("INSERT INTO buddy_migrations (name) VALUES (?)", [name])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [name for name, _ in todo]


def schema_version(con: "duckdb.DuckDBPyConnection") -> str:
    names = applied(con)
    return names[-1] if names else "empty"
