"""``%buddy sql``: the learner's own SQL over this notebook's history, or every notebook's.

On one notebook the query runs on the store's connection with full power (it is
the learner's own data; the views ``messages``, ``turns``, ``tool_calls`` and
``timeline`` are the readable entry points). With ``root`` it runs in an
in-memory DuckDB where every store under ``root`` is attached read-only and the
same names are unions over all of them with a ``notebook`` column (see
``history.py``): the same query answers for one notebook or for all.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .history import list_stores, open_history

if TYPE_CHECKING:
    import pandas

    from ..store import Store

__all__ = ["list_stores", "sql"]


def sql(
    query: str,
    *,
    store: "Store | None" = None,
    root: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] = "",
    lock_wait: float = 5.0,
) -> "pandas.DataFrame":
    """Run ``query`` and return its result as a DataFrame.

    ``store`` alone: this notebook's store. ``root``: every store under ``root``
    (and in ``data_dir``), this kernel's ``store`` included; stores other kernels
    keep busy longer than ``lock_wait`` seconds are skipped with a
    ``HistoryWarning`` and listed in ``df.attrs["skipped"]``.
    """
    import duckdb

    from ..errors import InvalidInput

    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("give a SQL query, e.g. SELECT role, count(*) FROM messages GROUP BY role")
    try:
        if root is None:
            if store is None:
                raise InvalidInput("give a store, or a root folder to query every notebook under it")
            with store.connection() as con:
                return _frame(con.execute(query))
        with open_history(list_stores(root, data_dir=data_dir), store=store, lock_wait=lock_wait) as history:
            history.define_for(query)
            frame = _frame(history.con.execute(query))
            frame.attrs["skipped"] = [str(path) for path, _ in history.skipped]
            return frame
    except duckdb.Error as error:  # the learner's SQL mistake: one clean message, the cell fails
        raise InvalidInput(f"SQL error: {error}") from None


def _frame(result) -> "pandas.DataFrame":
    import pandas

    if result.description is None:  # a statement without a result (the learner's CREATE, SET...)
        return pandas.DataFrame()
    return result.df()
