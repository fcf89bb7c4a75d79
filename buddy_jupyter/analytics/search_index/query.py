"""Searching the index: the ranked documents (the BM25 of ``memory.SEARCH_SQL``) and the hits' sessions."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Sequence

from .sql import SEARCH_SQL, SESSIONS_SQL


def search(con: sqlite3.Connection, store_ids: Sequence[int], terms: dict[str, list[str]], limit: int,
           k1: float, b: float) -> list[tuple]:
    """(notebook, session_id, message_id, doc_id, text, time_created, role, message_time, title, score), best first."""
    if not store_ids:
        return []
    stores = json.dumps(list(store_ids))
    n, chars = con.execute("SELECT coalesce(sum(docs), 0), coalesce(sum(chars), 0) FROM store "
                           "WHERE id IN (SELECT value FROM json_each(?))", [stores]).fetchone()
    if not n:
        return []
    params = {"terms": json.dumps([[v, t] for t, forms in terms.items() for v in forms]), "stores": stores,
              "n": n, "avg_size": chars / n, "k1": k1, "b": b, "limit": limit}
    return con.execute(SEARCH_SQL, params).fetchall()


def sessions(con: sqlite3.Connection, store_ids: Sequence[int], session_ids: Sequence[str]) -> list[tuple]:
    """(notebook, id, title, time_created, time_updated, time_archived, message_count) of those sessions."""
    rows = con.execute(SESSIONS_SQL, {"stores": json.dumps(list(store_ids)), "ids": json.dumps(list(session_ids))})
    return [(nb, sid, title, *map(parse_time, times), count) for nb, sid, title, *times, count in rows.fetchall()]


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
