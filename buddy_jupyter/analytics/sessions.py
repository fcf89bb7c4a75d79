"""The list of sessions (``%buddy sessions``, ``buddy sessions``): one notebook, or every one under a folder.

One query over the ``session`` table, so the magic and the command line print the same
rows; ``parent`` names the session a fork continues from. Over a folder the stores are
attached read-only together (``history.open_history``) and a ``notebook`` column comes first.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .history import reading

if TYPE_CHECKING:
    import pandas

    from ..store import Store

COLUMNS = ["id", "title", "parent", "messages", "updated", "created", "archived", "tokens", "cost"]

SESSIONS_SQL = """
SELECT {notebook}id, title, parent_id AS parent, message_count AS messages, time_updated AS updated,
       time_created AS created, time_archived IS NOT NULL AS archived,
       CAST(tokens_input + tokens_output AS BIGINT) AS tokens, cost
FROM session
{where}
ORDER BY time_updated DESC, id DESC
LIMIT $limit
"""

_WHERE = {False: "WHERE time_archived IS NULL", True: "WHERE time_archived IS NOT NULL", None: ""}


def session_rows(
    store: "Store | None" = None,
    *,
    root: str | os.PathLike[str] | None = None,
    limit: int = 50,
    archived: bool | None = False,
    data_dir: str | os.PathLike[str] = "",
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows, newest activity first (no pandas: the command line prints them as they are).

    ``archived``: False hides archived sessions, True shows only them, None shows all."""
    query = SESSIONS_SQL.format(notebook="notebook, " if root is not None else "", where=_WHERE[archived])
    with reading(store, root, relations=("session",), data_dir=data_dir) as con:
        result = con.execute(query, {"limit": max(0, int(limit))})
        columns = [d[0] for d in result.description]
        return columns, result.fetchall()


def sessions(
    store: "Store | None" = None,
    *,
    root: str | os.PathLike[str] | None = None,
    limit: int = 50,
    archived: bool | None = False,
    current: str | None = None,
    data_dir: str | os.PathLike[str] = "",
) -> "pandas.DataFrame":
    """The sessions as a DataFrame; ``current``: the kernel's current session, marked in a ``current`` column."""
    import pandas

    columns, rows = session_rows(store, root=root, limit=limit, archived=archived, data_dir=data_dir)
    frame = pandas.DataFrame(rows, columns=columns)
    if current is not None or root is None:
        frame["current"] = frame["id"] == current
    return frame
