"""The kernel's buddy: settings, the notebook's store, the current session, the running answer.

One ``KernelBuddy`` per IPython shell, created when the extension loads and
cheap to create: the store opens (and duckdb is imported) on first use. The
magics, the sidebar and the activity recorder all share it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .config import Buddy
from .locate import notebook_path, store_path

if TYPE_CHECKING:
    from .analytics.scope import HistoryScope
    from .schema import Session
    from .store import Store


class KernelBuddy:
    def __init__(self, config: Buddy | None = None, user_ns: Mapping[str, Any] | None = None):
        self.config = config or Buddy()
        self.user_ns = user_ns if user_ns is not None else {}
        self.current_session_id: str | None = None
        self._store: Store | None = None
        self._store_key: Path | None = None
        self._cancel: threading.Event | None = None
        self._runners: Any = None
        self.pending: Any = None
        """Questions kept in a private store while another program held this one (``engine/pending.py``)."""
        self.activity: Any = None
        """The cell-activity recorder, when the extension registered one."""
        self._lock = threading.Lock()

    # -- where things are ------------------------------------------------------------

    @property
    def notebook(self) -> Path | None:
        return notebook_path(self.user_ns)

    @property
    def store_path(self) -> Path:
        return store_path(self.notebook, self.config.data_dir)

    @property
    def history_root(self) -> Path:
        """The folder whose stores --all, memory search and the sidebar span."""
        if self.config.history_root:
            return Path(self.config.history_root).expanduser().resolve()
        notebook = self.notebook
        return notebook.parent if notebook is not None else Path(os.getcwd()).resolve()

    def history_scope(self, everywhere: bool = True) -> "HistoryScope":
        """What analytics, the buddy's tools and the sidebar read: this notebook's store and, when
        ``everywhere``, every store under the history root."""
        from .analytics.scope import HistoryScope

        return HistoryScope(store=self.store, root=self.history_root if everywhere else None,
                            data_dir=self.config.data_dir, idle_threshold=self.config.idle_threshold)

    @property
    def store(self) -> "Store":
        """This notebook's store, opened lazily; follows a change of data_dir or notebook."""
        path = self.store_path
        with self._lock:
            if self._store is None or self._store_key != path:
                from .store import Store

                if self._store is not None:
                    self._store.close()
                notebook = self.notebook
                self._store = Store(
                    path,
                    notebook=str(notebook) if notebook else f"{Path(os.getcwd()).resolve()} (IPython)",
                    idle_release=self.config.idle_release,
                    max_hold=self.config.max_hold,
                    lock_timeout=self.config.lock_timeout,
                )
                self._store_key = path
                self.current_session_id = None
            return self._store

    def close(self) -> None:
        self.close_runner()
        with self._lock:
            if self._store is not None:
                self._store.close()

    # -- sessions --------------------------------------------------------------------

    def current_session(self, create: bool = True, title: str = "") -> "Session | None":
        """The session ``%buddy`` talks in: the chosen one, else the latest, else a new one."""
        store = self.store
        if self.current_session_id is not None:
            try:
                return store.get_session(self.current_session_id)
            except KeyError:
                self.current_session_id = None
        latest = store.list_sessions(limit=1)
        if latest:
            self.current_session_id = latest[0].id
            return latest[0]
        if not create:
            return None
        session = store.create_session(title)
        self.current_session_id = session.id
        return session

    def switch(self, session_id: str) -> "Session":
        session = self.store.find_session(session_id)
        self.current_session_id = session.id
        return session

    # -- models ------------------------------------------------------------------------

    @property
    def runners(self) -> Any:
        """The real model's runner kept between questions (``engine.providers.RunnerCache``)."""
        if self._runners is None:
            from .engine.providers import RunnerCache

            self._runners = RunnerCache()
        return self._runners

    def close_runner(self) -> None:
        if self._runners is not None:
            self._runners.close()

    # -- the running answer ------------------------------------------------------------

    def begin_answer(self) -> threading.Event:
        """Register a running answer; returns the event that cancels it."""
        self._cancel = threading.Event()
        return self._cancel

    def end_answer(self) -> None:
        self._cancel = None

    @property
    def answering(self) -> bool:
        return self._cancel is not None

    def cancel_answer(self) -> bool:
        """Stop the running answer (the sidebar's stop button); False when none runs."""
        cancel = self._cancel
        if cancel is None:
            return False
        cancel.set()
        return True
