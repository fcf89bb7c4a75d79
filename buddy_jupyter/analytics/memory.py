"""Search every past conversation (and the explicit memories) with BM25, in SQL.

DuckDB's fts extension cannot be installed offline, so the ranking is written
out. Documents are the visible text parts of messages (most messages have one)
and the remembered items; a message is listed once, with its best part. A
query term also matches its simple plural/singular. RE2 finds the documents
holding a query word (whole words, any case) and extracts those words from
them, so only the query's words are ever tokenised, and only the best few
documents are joined to their message and session; over a big folder most of
the time goes to attaching the stores and planning the union over all of them,
not to ranking. BM25 with k1 = 1.2, b = 0.75,
document length in characters, and the non-negative idf
``ln(1 + (N - df + 0.5) / (df + 0.5))``.

A search over a folder is answered from ``search_index`` (the same documents and
formula in one SQLite FTS5 file in the user's cache, refreshed for the stores that
changed), fast enough to search as one types; the SQL above answers one notebook,
and the folder too when the index cannot be used.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .history import list_stores, open_history

if TYPE_CHECKING:
    import pandas

    from ..store import Store

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
COLUMNS = ["notebook", "session_id", "session_title", "message_id", "role", "snippet", "score", "time_created"]

# Words that carry no topic; a query made only of them finds nothing rather than everything.
STOP_WORDS = frozenset("""
a about an and are as at be but by can could did do does doing for from get got had has have how i if in into is it
its me my of on or our so than that the their them then there these they this to too us was we were what when where
which who why will with would you your yes no not just like want please thanks thank ok okay use using used
""".split())

SEARCH_SQL = f"""
WITH terms AS (
    SELECT unnest($variants::VARCHAR[]) AS variant, unnest($terms::VARCHAR[]) AS term
),
docs AS (
    SELECT {{notebook}} AS notebook, session_id, message_id, id AS doc_id, data->>'text' AS text, time_created
    FROM part
    WHERE type = 'text' AND coalesce(data->>'ignored', 'false') <> 'true'
    UNION ALL
    SELECT {{notebook}}, NULL, id, id, text, time_created
    FROM memory WHERE time_deleted IS NULL
),
sized AS (
    SELECT *, length(text) AS size FROM docs WHERE text <> ''
),
corpus AS (
    SELECT count(*) AS n, avg(size) AS avg_size FROM sized
),
candidates AS (  -- RE2: the query's words in each document, whole words, any case
    SELECT *, regexp_extract_all(text, $pattern, 1) AS hits FROM sized WHERE regexp_matches(text, $pattern)
),
tf AS (
    SELECT found.doc_id, terms.term, count(*) AS tf
    FROM (SELECT doc_id, lower(unnest(hits)) AS hit FROM candidates) found
    JOIN terms ON found.hit = terms.variant
    GROUP BY ALL
),
df AS (
    SELECT term, count(DISTINCT doc_id) AS df FROM tf GROUP BY term
),
scored AS (
    SELECT tf.doc_id,
           sum(ln(1 + (corpus.n - df.df + 0.5) / (df.df + 0.5))
               * tf.tf * ({K1} + 1)
               / (tf.tf + {K1} * (1 - {B} + {B} * c.size / corpus.avg_size))) AS score
    FROM tf
    JOIN df USING (term)
    JOIN candidates c ON c.doc_id = tf.doc_id
    CROSS JOIN corpus
    GROUP BY tf.doc_id
),
best AS (
    SELECT c.notebook, c.session_id, c.message_id, c.doc_id, c.text, c.time_created, s.score
    FROM scored s JOIN candidates c USING (doc_id)
    QUALIFY row_number() OVER (PARTITION BY c.notebook, c.message_id ORDER BY s.score DESC) = 1
)
-- scores rounded for the order: equal documents tie whatever order the engine summed in
SELECT * FROM best ORDER BY round(score, 9) DESC, time_created DESC, doc_id LIMIT $limit
"""

# The best few documents' message and conversation, looked up afterwards in the stores they came
# from only (joining them inside the ranking scanned every store's tables a second time).
DETAILS_SQL = """
SELECT 'message' AS kind, id, role AS value, time_created FROM {message} WHERE id IN (SELECT unnest($messages::VARCHAR[]))
UNION ALL
SELECT 'session', id, title, NULL FROM {session} WHERE id IN (SELECT unnest($sessions::VARCHAR[]))
"""


def query_terms(query: str) -> dict[str, list[str]]:
    """{term: its spellings searched} for the words of ``query`` that are not stop words."""
    words = [w for w in re.split(r"\W+", query.lower()) if len(w) > 1 and w not in STOP_WORDS]
    return {w: _variants(w) for w in dict.fromkeys(words)}


def _variants(word: str) -> list[str]:
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    elif word.endswith("es") and len(word) > 4:
        forms += [word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    elif word.endswith("y") and len(word) > 3:
        forms += [word[:-1] + "ies", word + "s"]
    else:
        forms += [word + "s", word + "es"]
    return forms


def search_memory(
    query: str,
    *,
    store: "Store | None" = None,
    root: str | os.PathLike[str] | None = None,
    limit: int = 10,
    data_dir: str | os.PathLike[str] = "",
    cached: bool = True,
) -> "pandas.DataFrame":
    """The messages and remembered items that best match ``query``, best first.

    Columns: notebook, session_id, session_title, message_id, role (user,
    assistant or memory), snippet, score, time_created. ``store`` alone: this
    notebook; ``root``: every notebook under it, ``store`` included, answered
    from the search index in the user's cache (``search_index``), refreshed first
    for the stores that changed; ``cached=False`` reads every store directly.
    """
    import pandas

    terms = query_terms(query or "")
    if not terms:
        return pandas.DataFrame(columns=COLUMNS)
    variants = [v for forms in terms.values() for v in forms]
    params = {
        "variants": variants,
        "terms": [t for t, forms in terms.items() for _ in forms],
        # RE2: case-insensitive, whole words (\b is ASCII-only: letters beyond ASCII
        # at a word's edge may match inside a longer word).
        "pattern": r"(?i)\b(" + "|".join(re.escape(v) for v in variants) + r")\b",
        "limit": max(1, int(limit)),
    }
    if root is None:
        if store is None:
            raise InvalidInput("give a store, or a root folder to search every notebook under it")
        # One store's tables have no notebook column; the unions over every store add one.
        ranking = SEARCH_SQL.replace("{notebook}", "(SELECT path FROM project ORDER BY time_created LIMIT 1)")
        with store.connection() as con:
            best = con.execute(ranking, params).df()
            details = _details(con, best, "message", "session")
    else:
        paths = list_stores(root, data_dir=data_dir)
        found = _search_index(paths, store, terms, params["limit"]) if cached else None
        if found is not None:
            return found
        with open_history(paths, store=store) as history:
            history.define(("part", "memory"))
            best = history.con.execute(SEARCH_SQL.replace("{notebook}", "notebook"), params).df()
            aliases = [alias for alias, notebook in history.notebooks.items() if notebook in set(best["notebook"])]
            details = _details(history.con, best, *(
                "(" + " UNION ALL BY NAME ".join(f"SELECT * FROM {alias}.main.{table}" for alias in aliases) + ")"
                for table in ("message", "session")
            ))
    return _frame(best, details, [v for forms in terms.values() for v in forms])


def _search_index(paths: list, store: "Store | None", terms: dict[str, list[str]], limit: int):
    """The search over the index, as a DataFrame; None when the index cannot be used (then read the stores)."""
    import pandas

    from . import search_index

    rows = _with_index(paths, store, lambda con, ids: search_index.search(con, ids, terms, limit, K1, B))
    if rows is None:
        return None
    spellings = [v for forms in terms.values() for v in forms]
    frame = [
        (notebook, session_id, title if title is not None else ("remembered" if role is None else None), message_id,
         role or "memory", snippet(text, spellings), float(score),
         search_index.parse_time(message_time if role is not None else time_created))
        for notebook, session_id, message_id, _, text, time_created, role, message_time, title, score in rows
    ]
    return pandas.DataFrame(frame, columns=COLUMNS)


SESSION_COLUMNS = ["notebook", "id", "title", "time_created", "time_updated", "time_archived", "message_count"]


def session_rows(
    session_ids: list[str],
    *,
    root: str | os.PathLike[str],
    store: "Store | None" = None,
    data_dir: str | os.PathLike[str] = "",
) -> "pandas.DataFrame | None":
    """The sessions with these ids among every notebook under ``root`` (what the sidebar lists for
    search hits), from the search index; None when the index cannot be used."""
    import pandas

    from . import search_index

    rows = _with_index(list_stores(root, data_dir=data_dir), store,
                       lambda con, ids: search_index.sessions(con, ids, session_ids))
    return None if rows is None else pandas.DataFrame(rows, columns=SESSION_COLUMNS)


def _with_index(paths: list, store: "Store | None", work):
    """``work(connection, store ids)`` on the index refreshed for ``paths`` (and ``store``); None when
    the index cannot be used. A file SQLite cannot read is deleted and built again once."""
    import sqlite3

    from . import search_index

    wanted = [Path(p) for p in paths]
    if store is not None and store.path.exists() and store.path not in wanted:
        wanted.append(store.path)
    for attempt in (1, 2):
        try:
            with search_index.opened() as con:
                held = search_index.refresh(con, wanted, store=store)
                return work(con, [held[p] for p in wanted if p in held])
        except OSError as error:  # no cache folder
            log.warning("history search index unavailable (%s): reading the stores", error)
            return None
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as error:  # locked, full, read-only, a race
            log.warning("history search index unusable (%s): reading the stores", error)
            return None
        except sqlite3.DatabaseError as error:  # not a database, malformed: rebuild it
            log.warning("history search index damaged (%s): rebuilding it", error)
            search_index.remove()
            if attempt == 2:
                return None
    return None


def _details(con, best: "pandas.DataFrame", message: str, session: str) -> dict[tuple[str, str], tuple]:
    """{(kind, id): (role or title, time)} for the results; ``message``, ``session``: what to read them from."""
    if best.empty:
        return {}
    query = DETAILS_SQL.format(message=message, session=session)
    rows = con.execute(query, {"messages": best["message_id"].dropna().tolist(),
                               "sessions": best["session_id"].dropna().tolist()}).fetchall()
    return {(kind, key): (value, created) for kind, key, value, created in rows}


def _frame(best: "pandas.DataFrame", details: dict, spellings: list[str]) -> "pandas.DataFrame":
    import pandas

    rows = []
    for row in best.itertuples(index=False):
        role, created = details.get(("message", row.message_id), ("memory", row.time_created))
        title = details.get(("session", row.session_id), ("remembered" if role == "memory" else None, None))[0]
        rows.append((row.notebook, row.session_id, title, row.message_id, role, snippet(row.text, spellings),
                     float(row.score), created))
    return pandas.DataFrame(rows, columns=COLUMNS)


def snippet(text: str, words: list[str], width: int = 180) -> str:
    """About ``width`` characters of ``text`` around the first of ``words`` found, on one line."""
    lowered = text.lower()
    found = [m.start() for w in words for m in [re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered)] if m]
    at = min(found, default=0)
    start = max(0, at - width // 3)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > start - 20 else start
    piece = " ".join(text[start:start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
