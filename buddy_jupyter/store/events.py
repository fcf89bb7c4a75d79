"""In-process events, published after each commit.

The display and the sidebar follow a store through these. Deltas of streamed
text are events only (never written per token). A failing subscriber is logged
and never breaks the writer.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal

log = logging.getLogger(__name__)

EventKind = Literal[
    "session.created",
    "session.updated",
    "session.deleted",
    "message.updated",
    "message.removed",
    "part.updated",
    "part.delta",
    "session.status",
]


@dataclass(frozen=True)
class Event:
    kind: EventKind
    session_id: str | None
    data: Any = None
    """The Session, Message or Part written; for part.delta a dict with part_id, field, delta;
    for session.status the string "busy" or "idle"."""


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Follow every event; returns the function that stops following."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", subscriber, event.kind)
