"""Questions kept while the notebook's store is busy: never refused, written at the next chance.

When another program holds the store past ``Buddy.lock_timeout`` (a DuckDB client left open on it,
a hung kernel), the question still gets its answer: the turn runs against a private store in a
temporary folder (a real DuckDB file, so the answer streams, displays and survives like any other),
and is copied into the notebook's store at the next chance: the next question that reaches the
store, or the kernel's exit. The copy goes through ``Store.import_session``, by id, in one
transaction per session: copying twice adds nothing, and a failed copy leaves both stores as they
were, so nothing is lost either way.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BuddyError

if TYPE_CHECKING:
    from ..schema import Session
    from ..store import Store

log = logging.getLogger(__name__)


class PendingTurns:
    def __init__(self, notebook: str):
        self.notebook = notebook
        self._store: "Store | None" = None
        self._folder: Path | None = None
        self._lock = threading.Lock()
        atexit.register(self._at_exit)
        self.target: "Store | None" = None
        """The notebook's store, to copy into at exit."""

    @property
    def waiting(self) -> bool:
        return self._store is not None

    def store(self) -> "Store":
        from ..store import Store

        if self._store is None:
            self._folder = Path(tempfile.mkdtemp(prefix="buddy-pending-"))
            self._store = Store(self._folder / "pending.duckdb", notebook=self.notebook, idle_release=60.0)
        return self._store

    def session(self, session_id: str | None) -> "Session":
        """The question's session here: the same id as in the notebook's store, so the copy joins it."""
        from ..schema import Session, ids

        store = self.store()
        if session_id is None:
            return store.create_session()
        try:
            return store.get_session(session_id)
        except KeyError:
            now = ids.utcnow()
            stub = Session(id=session_id, project_id=store.project.id, time_created=now, time_updated=now)
            store.import_session(stub, [])
            return store.get_session(session_id)

    def flush(self, target: "Store") -> int:
        """Copy every kept turn into ``target``; returns the messages added. Raises when ``target`` is busy."""
        with self._lock:
            if self._store is None:
                return 0
            added = 0
            for session in self._store.list_sessions(limit=100_000, archived=None):
                added += target.import_session(session, self._store.get_messages(session.id))
            self._discard()
            return added

    def _discard(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _at_exit(self) -> None:
        if self._store is None or self.target is None:
            return
        try:
            self.flush(self.target)
        except (BuddyError, OSError) as error:  # still busy: say where the turns are, never delete them
            log.warning("questions kept while the store was busy are still in %s: %s", self._folder, error)
