"""Where the sidebar's rows come from.

This notebook's sessions (and its archived ones) come straight from the Store
API, one page at a time, so a long history opens as fast as a short one. Every notebook
of the folder comes from ``analytics.query.sql`` (one SQL over all stores
under the history root, paged in SQL), time spent from
``analytics.time_spent.time_spent(by="session")`` and search from
``analytics.memory.search_memory`` (BM25 over every message; over the folder it
reads the search index in the user's cache, which also gives the hits' sessions,
so a search attaches no store unless one changed). A conversation
of another notebook is read through a read-only ``Store`` of its file.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..schema import Session
    from ..analytics.scope import HistoryScope
    from ..store import Store

log = logging.getLogger(__name__)

SCOPES = ("notebook", "folder", "archived")
FOLDER_PAGE_SQL = (
    "SELECT notebook, id, title, time_created, time_updated, time_archived, message_count, count(*) OVER () AS total"
    " FROM session WHERE time_archived IS NULL ORDER BY time_updated DESC, id DESC LIMIT {limit} OFFSET {offset}"
)
SCOPE_LABELS = {"notebook": "This notebook", "folder": "Folder", "archived": "Archived"}
OTHER_STORE_LOCK_TIMEOUT = 2.0
"""Seconds to wait for another kernel's store before listing without it."""
SESSIONS_SQL = (
    "SELECT notebook, id, title, time_created, time_updated, time_archived, message_count FROM session"
    " WHERE id IN ({ids})"
)


@dataclass(frozen=True)
class SessionRow:
    """One line of the history list."""

    session_id: str
    title: str
    notebook: str
    """The notebook the conversation belongs to (a path)."""
    store_path: Path
    time_updated: datetime | None = None
    time_created: datetime | None = None
    message_count: int = 0
    archived: bool = False
    local: bool = True
    """In this kernel's own store (so it can be continued, renamed, archived, deleted)."""
    seconds: float | None = None
    """Time spent, where analytics can tell."""
    snippet: str = ""
    """The matching text, for a search hit."""
    parent_id: str | None = None
    """The session this one was forked from (shown as a branch)."""

    @property
    def notebook_name(self) -> str:
        return Path(self.notebook).name if self.notebook else ""


@dataclass
class Page:
    rows: list[SessionRow]
    total: int
    offset: int
    notices: list[str] = field(default_factory=list)


def row_from_session(session: "Session", store: "Store", *, local: bool) -> SessionRow:
    return SessionRow(
        session_id=session.id,
        title=session.title,
        notebook=store.notebook,
        store_path=store.path,
        time_updated=session.time_updated,
        time_created=session.time_created,
        message_count=session.message_count,
        archived=session.time_archived is not None,
        local=local,
        parent_id=session.parent_id,
    )


class Sources:
    """The sidebar's queries over a kernel's history scope (asked for anew each time: the notebook's
    store follows a change of ``data_dir`` or notebook)."""

    def __init__(self, scope: Callable[[], "HistoryScope"]):
        self.history_scope = scope
        self._others: dict[Path, "Store"] = {}
        self._lock = threading.Lock()

    # -- stores ----------------------------------------------------------------------

    @property
    def store(self) -> "Store":
        return self.history_scope().store

    def store_for(self, row: SessionRow) -> "Store":
        """The store holding ``row``: this kernel's, or another notebook's opened read-only."""
        own = self.store
        if Path(row.store_path) == own.path:
            return own
        return self._other_store(Path(row.store_path), row.notebook)

    def _other_store(self, path: Path, notebook: str | None = None) -> "Store":
        from ..store import Store

        path = path.resolve()
        with self._lock:
            store = self._others.get(path)
            if store is None:
                store = Store(path, notebook=notebook, read_only=True, idle_release=0.3,
                              lock_timeout=OTHER_STORE_LOCK_TIMEOUT)
                self._others[path] = store
        if notebook:
            store.notebook = notebook
        return store

    def close(self) -> None:
        with self._lock:
            others, self._others = list(self._others.values()), {}
        for store in others:
            store.close()

    # -- pages -----------------------------------------------------------------------

    def page(self, scope: str, offset: int = 0, limit: int = 25) -> Page:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
        if scope == "folder":
            page = self._folder_page(offset, limit)
        else:
            archived = scope == "archived"
            store = self.store
            total = store.count_sessions(archived=archived)
            offset = _clamp_offset(offset, total, limit)
            sessions = store.list_sessions(limit=limit, offset=offset, archived=archived)
            page = Page([row_from_session(s, store, local=True) for s in sessions], total, offset)
        return self._with_time_spent(scope, page)

    def _folder_page(self, offset: int, limit: int) -> Page:
        """Newest first over every store under the history root (this one included), via analytics."""
        from ..analytics import query

        offset, limit = max(0, int(offset)), int(limit)
        scope = self.history_scope()
        frame = query.sql(FOLDER_PAGE_SQL.format(limit=limit, offset=offset), **scope.where())
        if len(frame) == 0 and offset > 0:  # past the end (sessions were deleted): show the last page
            total = int(query.sql("SELECT count(*) AS n FROM session WHERE time_archived IS NULL",
                                  **scope.where())["n"].iloc[0])
            offset = _clamp_offset(offset, total, limit)
            frame = query.sql(FOLDER_PAGE_SQL.format(limit=limit, offset=offset), **scope.where())
        total = int(frame["total"].iloc[0]) if len(frame) else 0
        rows = [self._row_from_record(record, scope) for record in frame.to_dict("records")]
        notices = [f"{Path(p).name} skipped (busy or unreadable)" for p in frame.attrs.get("skipped", [])]
        return Page(rows, total, offset, notices)

    def _row_from_record(self, record: dict[str, Any], scope: "HistoryScope") -> SessionRow:
        """A folder query's row; ``scope`` is read once per page, not once per row."""
        notebook = str(record.get("notebook") or "")
        own = scope.store
        local = _same_notebook(notebook, own.notebook)
        path = own.path if local else store_path_for(notebook, scope.data_dir)
        return SessionRow(
            session_id=record["id"], title=record["title"] or "", notebook=notebook, store_path=path,
            time_updated=_py(record["time_updated"]), time_created=_py(record["time_created"]),
            message_count=int(record["message_count"] or 0), archived=_py(record["time_archived"]) is not None,
            local=local,
        )

    def _with_time_spent(self, scope: str, page: Page) -> Page:
        """The page with time spent per row; the list still shows (with a notice) if analytics fails."""
        if not page.rows:
            return page
        try:
            spent = self.time_spent_by_session(scope)
        except Exception as error:
            from .errors import one_line

            log.exception("time spent per session failed")
            page.notices.append(f"time spent unavailable: {one_line(error)}")
            return page
        page.rows = [replace(r, seconds=spent.get(r.session_id, r.seconds)) for r in page.rows]
        return page

    def time_spent_by_session(self, scope: str) -> dict[str, float]:
        """Active seconds per session id (analytics' time spent, by conversation)."""
        from ..analytics.time_spent import time_spent

        where = self.history_scope()
        if scope != "folder":
            where = where.this_notebook()
        frame = time_spent(by="session", idle_threshold=where.idle_threshold, **where.where())
        return {str(sid): float(sec) for sid, sec in zip(frame["session_id"], frame["active_seconds"])
                if sid is not None and sec == sec}

    # -- search ----------------------------------------------------------------------

    def search(self, scope: str, text: str, limit: int = 25) -> list[SessionRow]:
        """Sessions whose conversation matches ``text`` (the memory search), best first, one row each."""
        from ..analytics.memory import search_memory

        text = text.strip()
        if not text:
            return []
        folder = scope == "folder"
        where = self.history_scope() if folder else self.history_scope().this_notebook()
        frame = search_memory(text, limit=limit * 4, **where.where())
        hits: dict[str, str] = {}
        for record in frame.to_dict("records"):
            sid = record["session_id"]
            if isinstance(sid, str) and sid:  # remembered items belong to no conversation
                hits.setdefault(sid, str(record["snippet"] or ""))
        rows = self._sessions(list(hits)[: limit * 2], folder)
        wanted = {"archived": True, "notebook": False}.get(scope)
        rows = [replace(r, snippet=hits[r.session_id]) for r in rows if wanted is None or r.archived == wanted]
        return rows[:limit]

    def _sessions(self, ids: list[str], folder: bool) -> list[SessionRow]:
        """Rows for session ids, in the order given (ids no longer there are left out)."""
        if not ids:
            return []
        if not folder:
            store, rows = self.store, []
            for sid in ids:
                try:
                    rows.append(row_from_session(store.get_session(sid), store, local=True))
                except KeyError:
                    continue  # deleted since it was indexed
            return rows
        from ..analytics import query
        from ..analytics.memory import session_rows

        scope = self.history_scope()
        frame = session_rows(ids, **scope.where())  # from the search index: no store is attached
        if frame is None:
            frame = query.sql(SESSIONS_SQL.format(ids=", ".join(_quote(i) for i in ids)), **scope.where())
        found = {r.session_id: r for r in (self._row_from_record(rec, scope) for rec in frame.to_dict("records"))}
        return [found[sid] for sid in ids if sid in found]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _py(value: Any) -> Any:
    """pandas' NaT/NaN as None, Timestamps as datetimes."""
    if value is None:
        return None
    try:
        import pandas

        if pandas.isna(value):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _clamp_offset(offset: int, total: int, limit: int) -> int:
    if total <= 0:
        return 0
    last = ((total - 1) // limit) * limit
    return max(0, min(int(offset), last))


def _same_notebook(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, ValueError):
        return a == b


def store_path_for(notebook: str, data_dir: str | os.PathLike[str] = "") -> Path:
    """The store file of a notebook listed by analytics: in this kernel's data_dir, else beside it.

    When neither exists (the notebook moved since), the default place is returned and
    opening it says so.
    """
    from ..locate import store_path

    terminal = " (IPython)"  # how a terminal IPython store names its "notebook" (see state.py)
    if notebook.endswith(terminal):
        path, cwd = None, notebook[: -len(terminal)]
    else:
        path, cwd = Path(notebook), None
    candidates = [store_path(path, data_dir, cwd=cwd) for data_dir in dict.fromkeys((data_dir, ""))]
    return next((c for c in candidates if c.exists()), candidates[-1])
