"""Following a store while answers stream: events in, at most a few renders a second out.

Store events arrive on the writer's thread (the engine's), sometimes once per
token. The subscriber only queues the event and pokes a ``Throttle``; the
rendering runs on a timer thread at most once per ``interval`` seconds, never
on the writer's thread.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..store import Event


class Throttle:
    """Call ``fn`` soon after a poke, then at most once per ``interval`` seconds; pokes in between coalesce."""

    def __init__(self, fn: Callable[[], None], interval: float = 0.2):
        self.fn = fn
        self.interval = interval
        self.runs = 0
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._pending = False
        self._last = 0.0
        self._closed = False

    def __call__(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._pending = True
            if self._timer is not None:
                return
            delay = max(0.0, self._last + self.interval - time.monotonic())
            self._timer = threading.Timer(delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()

    def flush(self) -> None:
        """Run now if a poke is pending (tests and shutdown use this)."""
        with self._run_lock:
            with self._lock:
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
                if not self._pending or self._closed:
                    return
                self._pending = False
                self._last = time.monotonic()
            self.runs += 1
            self.fn()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class EventQueue:
    """Events waiting for the next render (a deque: safe between threads)."""

    def __init__(self) -> None:
        self._items: collections.deque["Event"] = collections.deque()

    def put(self, event: "Event") -> None:
        self._items.append(event)

    def drain(self) -> list["Event"]:
        out = []
        while True:
            try:
                out.append(self._items.popleft())
            except IndexError:
                return out
