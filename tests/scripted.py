"""A scripted model for conversation-logic tests (never for the store or the client path)."""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager
from typing import Iterable, Iterator

from buddy_jupyter.models import register_runner, unregister_runner
from buddy_jupyter.engine.events import ModelEvent, ModelRequest, StepFinish, StepStart, TextDelta, Usage


class ScriptedModel:
    """Plays queued scripts, one per question; records every request it got."""

    provider_id = "script"
    model_id = "scripted"

    def __init__(self) -> None:
        self.scripts: deque[list] = deque()
        self.requests: list[ModelRequest] = []
        self.on_start = None  # called with the request before the first event

    def answer(self, *events: ModelEvent | Exception | str) -> None:
        """Queue one answer: events, plain strings (text deltas), or an exception to raise."""
        self.scripts.append(list(events))

    def stream(self, request: ModelRequest, cancel: threading.Event) -> Iterable[ModelEvent]:
        self.requests.append(request)
        if self.on_start:
            self.on_start(request)
        script = self.scripts.popleft() if self.scripts else [StepStart(), "ok", StepFinish(usage=Usage(1, 1))]
        for item in script:
            if cancel.is_set():
                return
            if isinstance(item, BaseException):
                raise item
            if callable(item) and not isinstance(item, type):
                item()
                continue
            yield TextDelta(item) if isinstance(item, str) else item


@contextmanager
def scripted_model() -> Iterator[ScriptedModel]:
    """``script:...`` model names answer from a fresh ``ScriptedModel`` until the block ends."""
    model = ScriptedModel()
    register_runner("script", lambda name: model)
    try:
        yield model
    finally:
        unregister_runner("script")
