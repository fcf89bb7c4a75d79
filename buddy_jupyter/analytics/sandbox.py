"""Run a model's SQL over the history without letting it touch anything else.

The model's SQL is untrusted. Layers, each enough for most attacks and
checked together by tests/analytics/test_sandbox.py:

1. The text must be exactly one SELECT (``duckdb.extract_statements``): no
   stacked statements, no ATTACH, COPY, SET, PRAGMA, INSTALL, LOAD, EXPORT, DDL
   or DML. Its syntax tree (``json_serialize_sql``) must not call functions
   that read files, settings or run nested SQL, nor name a file as a table.
2. It runs in a fresh in-memory DuckDB where the stores are attached
   ``READ_ONLY`` and only then ``enable_external_access=false`` (no file or
   network access: read_csv, glob, replacement scans, COPY, ATTACH, INSTALL all
   fail) and ``lock_configuration=true`` (no SET can undo that); no temp
   directory, a memory limit, no extension auto-loading.
3. A fresh cursor inside ``BEGIN TRANSACTION READ ONLY``.
4. A row limit (rows are fetched lazily: a billion-row result costs nothing)
   and a time limit: a timer thread calls ``interrupt()``.

Refusals raise ``QueryRefused`` with a message the model can act on (the buddy's tool wrapper
hands it to the model as a tool error).
"""

from __future__ import annotations

import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..errors import InvalidInput
from .history import RELATIONS, open_history

if TYPE_CHECKING:
    import duckdb

    from ..store import Store


class QueryRefused(InvalidInput):
    """SQL the sandbox will not run, or that failed; the message says what to change."""

ROW_LIMIT = 200
TIME_LIMIT = 2.0
MEMORY_LIMIT = "256MB"

# Set when the connection opens: no disk spill, no extension downloads or auto-loading.
CONNECT_CONFIG = {
    "memory_limit": MEMORY_LIMIT,
    "temp_directory": "",
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "threads": 2,
}
# Set after the stores are attached (attaching a file needs external access).
LOCKDOWN = ("SET enable_external_access = false", "SET lock_configuration = true")

DENIED_FUNCTIONS = frozenset({
    "getenv", "current_setting", "getvariable", "query", "query_table", "glob", "sniff_csv", "checkpoint",
    "force_checkpoint", "which_secret", "load_extension", "install_extension", "duckdb_settings",
    "duckdb_secrets", "duckdb_extensions", "duckdb_temporary_files", "duckdb_memory", "pragma_version",
    "enable_profiling", "sqlite_scan", "sqlite_attach", "postgres_scan", "mysql_scan", "iceberg_scan", "delta_scan",
    "httpfs", "http_get", "http_post",
})
DENIED_PREFIXES = ("read_", "parquet_", "pragma_", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "json_execute")


@dataclass
class SandboxResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    """More rows existed than the limit."""
    skipped: list[str] = field(default_factory=list)
    """Stores that could not be read (busy in another program)."""


def check_select(query: str) -> str:
    """The query's text if it is one SELECT that calls nothing dangerous; else ``QueryRefused``."""
    import duckdb

    if not isinstance(query, str) or not query.strip():
        raise QueryRefused("give one SQL SELECT statement")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise QueryRefused(f"the SQL does not parse: {_first_line(error)}") from None
    if len(statements) != 1:
        raise QueryRefused(f"give exactly one SELECT statement (got {len(statements)}); no ';'-separated statements")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"only SELECT is allowed (this is {kind.name}); the history is read-only")
    text = statements[0].query.strip().rstrip(";")
    _check_tree(text)
    return text


def _check_tree(text: str) -> None:
    import duckdb

    with duckdb.connect(":memory:") as con:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0])
    if tree.get("error"):
        raise QueryRefused(f"the SQL could not be checked: {tree.get('error_message', 'unknown error')}")
    for node in _walk(tree):
        name = node.get("function_name")
        if isinstance(name, str):
            lowered = name.lower()
            if lowered in DENIED_FUNCTIONS or lowered.startswith(DENIED_PREFIXES):
                raise QueryRefused(f"the function {name}() is not allowed here; query the history views instead")
        if node.get("type") == "BASE_TABLE":
            table = str(node.get("table_name", ""))
            if any(sign in table for sign in ("/", "\\", ":", "~")) or "." in table:
                raise QueryRefused(f"{table!r} looks like a file; only the history's tables and views can be read")


def _walk(value: Any):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@contextmanager
def sandbox_cursor(
    paths: Sequence[str | os.PathLike[str]],
    *,
    store: "Store | None" = None,
    relations: Iterable[str] = RELATIONS,
    lock_wait: float = 3.0,
) -> Iterator[tuple["duckdb.DuckDBPyConnection", list[str]]]:
    """A locked-down cursor inside ``BEGIN TRANSACTION READ ONLY`` over the stores, and the stores skipped.

    Layers 2 and 3 only: callers check the text (``check_select``) and limit time and rows.
    """
    with open_history([Path(p) for p in paths], store=store, lock_wait=lock_wait, config=CONNECT_CONFIG) as history:
        history.define(relations)
        for statement in LOCKDOWN:
            history.con.execute(statement)
        cursor = history.con.cursor()
        try:
            cursor.execute("BEGIN TRANSACTION READ ONLY")
            yield cursor, [str(p) for p, _ in history.skipped]
        finally:
            cursor.close()


def run_sandboxed(
    query: str,
    *,
    paths: Sequence[str | os.PathLike[str]],
    store: "Store | None" = None,
    row_limit: int = ROW_LIMIT,
    time_limit: float = TIME_LIMIT,
    lock_wait: float = 3.0,
) -> SandboxResult:
    """Run untrusted ``query`` over the stores in ``paths`` (``store``: this kernel's, closed meanwhile).

    The history's names (``messages``, ``turns``, ``tool_calls``, ``timeline``,
    ``session``, ``message``, ``part``, ``activity``...) span every store, with a
    ``notebook`` column. Raises ``QueryRefused`` for anything refused or failed.
    """
    import duckdb

    from ..errors import StoreError

    text = check_select(query)
    mentioned = set(re.findall(r"[a-z_]+", text.lower()))
    try:
        with sandbox_cursor(paths, store=store, lock_wait=lock_wait,
                            relations=[r for r in RELATIONS if r in mentioned]) as (cursor, skipped):
            timer = threading.Timer(time_limit, cursor.interrupt)
            timer.daemon = True
            timer.start()
            try:
                result = cursor.execute(text)
                columns = [d[0] for d in result.description or []]
                rows = result.fetchmany(row_limit + 1)
            finally:
                timer.cancel()
            return SandboxResult(columns, rows[:row_limit], len(rows) > row_limit, skipped)
    except StoreError as error:  # e.g. this kernel is writing right now
        raise QueryRefused(f"the history is busy ({error}); try again in a moment") from None
    except duckdb.InterruptException:
        raise QueryRefused(f"the query ran longer than {time_limit:g} s and was stopped; "
                        "filter earlier, aggregate, or add LIMIT") from None
    except duckdb.OutOfMemoryException:
        raise QueryRefused(f"the query needs more than {MEMORY_LIMIT} of memory; aggregate or add LIMIT") from None
    except duckdb.Error as error:
        raise QueryRefused(f"the query failed: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[:3])[:500]
