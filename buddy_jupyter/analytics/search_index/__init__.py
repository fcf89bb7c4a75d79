"""The folder's search cache: one SQLite FTS5 file in the user's cache, derived from every store.

Why: a memory search over a folder that attaches every notebook's DuckDB store and plans one
union over all of them per query is too slow to search as one types over hundreds of notebooks.
Attaching is the cost, not the ranking, so the text is copied once into one file that opens at
once, and each query reads only the index's postings for its words (``fts5vocab`` instances: term
frequencies without reading the documents).

The stores stay the only source of truth. The file holds, per store, its searchable documents
(the visible text parts and the remembered items, as ``memory.SEARCH_SQL`` defines them), their
message's role and time, and the sessions' titles; deleting it loses nothing: the next search
rebuilds it. The session table also keeps what the sidebar lists for a hit (title, times,
message count), so a folder search in the sidebar attaches no store at all.

``sql``: the index's tables and every statement; ``file``: the file and this process's connection
to it; ``freshness``: which stores changed, and reading them; ``rows``: writing one store's rows;
``query``: the ranked search and the hits' sessions.
"""

from __future__ import annotations

from .file import close, connect, index_path, opened, remove
from .freshness import LOCK_WAIT, refresh, signature
from .query import parse_time, search, sessions
from .sql import FORMAT

__all__ = ["FORMAT", "LOCK_WAIT", "close", "connect", "index_path", "opened", "parse_time", "refresh", "remove",
           "search", "sessions", "signature"]
