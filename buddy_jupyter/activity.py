"""Record when each cell runs, how long, and whether it failed: never its code or output.

Costs the learner's cell almost nothing: the two IPython hooks append a tuple
to a list in memory; a daemon thread writes the rows to the store in one batch
at most every ``flush_interval`` seconds (and at ``unregister`` and exit), so
the store file is opened off the cell's path and held only briefly.
``Buddy.activity = False`` records nothing (checked at every cell, so
``%config Buddy.activity = False`` takes effect at once).

Importing this module imports neither duckdb nor pandas.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import KernelBuddy

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 30.0
MAX_BUFFERED = 50_000
"""Rows kept while the store cannot be written (oldest dropped beyond that)."""


class ActivityRecorder:
    """Buffers cell executions and writes them to the kernel's store in the background."""

    def __init__(self, kernel_buddy: "KernelBuddy", *, flush_interval: float = FLUSH_INTERVAL):
        self.kernel_buddy = kernel_buddy
        self.flush_interval = flush_interval
        self.flushed = 0
        """Rows written so far (for status and tests)."""
        self._rows: list[tuple[datetime, int, str, Any, Any]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._started: list[tuple[datetime, float, Any] | None] = []
        """One entry per running cell (a cell may run cells: ``%run``, ``run_cell``)."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shells: list[Any] = []

    # -- IPython hooks (on the cell's path: keep them trivial) -----------------------

    def pre_run_cell(self, info: Any = None) -> None:
        if not self.kernel_buddy.config.activity:
            self._started.append(None)
            return
        self._started.append((datetime.now(timezone.utc).replace(tzinfo=None), time.perf_counter(),
                              getattr(info, "cell_id", None)))

    def post_run_cell(self, result: Any = None) -> None:
        started = self._started.pop() if self._started else None
        if started is None or not self.kernel_buddy.config.activity:
            return
        begun, t0, cell_id = started
        duration_ms = int((time.perf_counter() - t0) * 1000)
        with self._lock:
            self._rows.append((begun, duration_ms, outcome_of(result), getattr(result, "execution_count", None), cell_id))
            if len(self._rows) > MAX_BUFFERED:
                del self._rows[: len(self._rows) - MAX_BUFFERED]

    # -- lifecycle -----------------------------------------------------------------

    def register(self, shell: Any) -> None:
        """Follow ``shell``'s cells (idempotent) and start the background writer."""
        if shell in self._shells:
            return
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)
        self._shells.append(shell)
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="buddy-activity", daemon=True)
            self._thread.start()
            atexit.register(self.flush)

    def unregister(self, shell: Any) -> None:
        """Stop following ``shell``; writes what is buffered."""
        if shell in self._shells:
            for name, hook in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
                try:
                    shell.events.unregister(name, hook)
                except ValueError:
                    pass
            self._shells.remove(shell)
        if not self._shells:
            self._stop.set()
            self._wake.set()
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(timeout=10)
            self._thread = None
            atexit.unregister(self.flush)
        self.flush()

    @property
    def pending(self) -> int:
        """Rows recorded but not yet written."""
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write the buffered rows now (one transaction); returns how many were written.

        On failure (the store busy past its lock timeout, a read-only store) the rows
        stay buffered for the next attempt.
        """
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                from .store.records import ActivityRow, record_activity

                written = record_activity(self.kernel_buddy.store, [
                    ActivityRow(time_start=t, duration_ms=d, outcome=o, execution_count=n, cell_id=c)
                    for t, d, o, n, c in rows
                ])
            except Exception as error:  # never lose the rows, never disturb the notebook
                log.warning("could not write %d cell run(s) to the buddy store: %s", len(rows), error)
                with self._lock:
                    self._rows[:0] = rows
                return 0
            self.flushed += written
            return written

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.flush()


def outcome_of(result: Any) -> str:
    """``ok``, or the type name of the error that stopped the cell."""
    if result is None:
        return "ok"
    error = getattr(result, "error_before_exec", None) or getattr(result, "error_in_exec", None)
    return "ok" if error is None else type(error).__name__

