"""``%buddy sql``: the learner's own SQL over this notebook's history, or every notebook's.

Read-only by default: the query must be read statements only (SELECT, SHOW,
DESCRIBE, EXPLAIN: told by ``duckdb.extract_statements`` before anything runs),
and runs on a fresh cursor of the store's connection inside ``BEGIN TRANSACTION
READ ONLY``, rolled back afterwards; so no statement can change, drop or lock
the buddy's tables and views, and a ``BEGIN`` cannot leave the store in a
transaction. ``write=True`` (``%buddy sql --write``) runs writes in one
transaction, after saying what they change and copying the store file beside
it; it still refuses to drop or alter the buddy's own tables and views, and
transaction statements. With ``root`` the query runs in an in-memory DuckDB
where every store under ``root`` is attached read-only and the same names are
unions over all of them with a ``notebook`` column (see ``history.py``).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .history import RELATIONS, list_stores, open_history

if TYPE_CHECKING:
    import pandas

    from ..store import Store

__all__ = ["list_stores", "sql"]

READ_TYPES = ("SELECT", "EXPLAIN")
"""Statement types a read-only query may hold (SHOW, DESCRIBE, SUMMARIZE and FROM parse as SELECT)."""
PROTECTED = frozenset(RELATIONS) | {"buddy_migrations"}
"""The buddy's own tables and views: never dropped, altered or replaced from %buddy sql."""
_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def sql(
    query: str,
    *,
    store: "Store | None" = None,
    root: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] = "",
    lock_wait: float = 5.0,
    write: bool = False,
    say: Callable[[str], None] = print,
) -> "pandas.DataFrame":
    """Run ``query`` and return its result as a DataFrame.

    ``store`` alone: this notebook's store. ``root``: every store under ``root``
    (and in ``data_dir``), this kernel's ``store`` included; stores other kernels
    keep busy longer than ``lock_wait`` seconds are skipped with a
    ``HistoryWarning`` and listed in ``df.attrs["skipped"]``. ``write``: allow
    statements that change this notebook's store (``say`` tells what first).
    """
    import duckdb

    from ..errors import InvalidInput

    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("give a SQL query, e.g. SELECT role, count(*) FROM messages GROUP BY role")
    statements = _statements(query)
    try:
        if root is None:
            if store is None:
                raise InvalidInput("give a store, or a root folder to query every notebook under it")
            if write:
                return _write(store, statements, say)
            _check_read_only(statements)
            with store.connection() as con:
                cursor = con.cursor()
                try:
                    cursor.execute("BEGIN TRANSACTION READ ONLY")
                    try:
                        frame = _run_all(cursor, statements)
                    finally:
                        cursor.execute("ROLLBACK")
                finally:
                    cursor.close()
                return frame
        if write:
            raise InvalidInput("--write changes this notebook's store only; it does not go with --all")
        _check_read_only(statements)
        with open_history(list_stores(root, data_dir=data_dir), store=store, lock_wait=lock_wait) as history:
            history.define_for(query)
            cursor = history.con.cursor()
            try:
                cursor.execute("BEGIN TRANSACTION READ ONLY")
                frame = _run_all(cursor, statements)
                cursor.execute("ROLLBACK")
            finally:
                cursor.close()
            frame.attrs["skipped"] = [str(path) for path, _ in history.skipped]
            return frame
    except duckdb.Error as error:  # the learner's SQL mistake: one clean message, the cell fails
        raise InvalidInput(f"SQL error: {_one_line(error)}") from None


def _statements(query: str) -> list:
    import duckdb

    from ..errors import InvalidInput

    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("the SQL contains an unpaired surrogate character; it cannot be run") from None
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise InvalidInput(f"SQL error: {_one_line(error)}") from None
    if not statements:
        raise InvalidInput("give a SQL query, e.g. SELECT role, count(*) FROM messages GROUP BY role")
    return statements


def _check_read_only(statements: list) -> None:
    from ..errors import InvalidInput

    for statement in statements:
        kind = statement.type.name
        if kind not in READ_TYPES:
            raise InvalidInput(f"%buddy sql is read-only: {kind} is refused ({_short(statement.query)}); "
                               "use %buddy sql --write to change the store (a copy is kept)")


def _check_write(statements: list) -> None:
    from ..errors import InvalidInput

    for statement in statements:
        kind = statement.type.name
        if kind in ("TRANSACTION", "ATTACH", "DETACH", "COPY", "EXPORT", "LOAD", "SET", "VARIABLE_SET", "PRAGMA",
                    "CALL", "COPY_DATABASE", "MULTI"):
            raise InvalidInput(f"{kind} is refused in %buddy sql --write ({_short(statement.query)}); "
                               "the statements run in one transaction of their own")
        if kind in ("DROP", "ALTER", "CREATE"):
            names = {n.lower() for n in _NAMES.findall(statement.query)}
            touched = sorted(names & PROTECTED)
            if touched and (kind != "CREATE" or "replace" in names or "view" in names):
                raise InvalidInput(f"{kind} of the buddy's own {', '.join(touched)} is refused: the buddy needs "
                                   "them as they are (change rows with UPDATE or DELETE instead)")


def _write(store: "Store", statements: list, say: Callable[[str], None]) -> "pandas.DataFrame":
    from ..errors import InvalidInput

    _check_write(statements)
    if store.read_only:
        raise InvalidInput(store.read_only_reason or f"the store {store.path} is read-only")
    kinds = ", ".join(f"{s.type.name} ({_short(s.query)})" for s in statements)
    with store.connection() as con:  # held throughout: the copy and the writes see the same file
        con.execute("CHECKPOINT")
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        copy = store.path.with_name(f"{store.path.stem}.before-sql-{stamp}.duckdb.bak")
        shutil.copyfile(store.path, copy)
        say(f"changing the store {store.path.name}: {kinds}; a copy from before is at {copy}")
        cursor = con.cursor()
        try:
            cursor.execute("BEGIN TRANSACTION")
            try:
                frame = _run_all(cursor, statements)
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        finally:
            cursor.close()
    return frame


def _run_all(cursor, statements: list) -> "pandas.DataFrame":
    """Run each statement; the last one's result."""
    result = None
    for statement in statements:
        result = cursor.execute(statement.query)
    return _frame(result)


def _frame(result) -> "pandas.DataFrame":
    import pandas

    if result is None or result.description is None:  # a statement without a result
        return pandas.DataFrame()
    return result.df()


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[:3])[:500]
