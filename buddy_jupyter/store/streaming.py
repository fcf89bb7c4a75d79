"""Streaming text into a part without a write per token.

A ``StreamingText`` is the one writer of its part's text. Each delta is
published as an event at once; the part is written when it starts, at most
every ``flush_interval`` seconds while it grows (so a crash loses at most that
much), and when it ends.
"""

from __future__ import annotations

import time

from ..schema import ids
from ..schema.parts import ReasoningPart, TextPart, TimeSpan
from .store import Store


class StreamingText:
    def __init__(self, store: Store, part: TextPart | ReasoningPart, *, flush_interval: float = 1.0):
        self.store = store
        self.flush_interval = flush_interval
        self.flushes = 0
        """Writes made while streaming (start and end excluded)."""
        self._chunks: list[str] = [part.text]
        self._part = part.model_copy(update={"time": TimeSpan(start=ids.epoch_ms())})
        self._dirty = False
        self.store.put_part(self._part)
        self._last_write = time.monotonic()

    @property
    def text(self) -> str:
        return "".join(self._chunks)

    @property
    def part(self) -> TextPart | ReasoningPart:
        return self._part.model_copy(update={"text": self.text})

    def append(self, delta: str) -> None:
        if not delta:
            return
        self._chunks.append(delta)
        self._dirty = True
        self.store.publish_delta(self._part.session_id, self._part.id, delta)
        if time.monotonic() - self._last_write >= self.flush_interval:
            self.flush()
            self.flushes += 1

    def flush(self) -> None:
        if not self._dirty:
            return
        self._chunks = [self.text]
        self._part = self._part.model_copy(update={"text": self._chunks[0]})
        self.store.put_part(self._part)
        self._dirty = False
        self._last_write = time.monotonic()

    def finish(self) -> TextPart | ReasoningPart:
        """Write the whole text with its end time; returns the final part."""
        assert self._part.time is not None
        self._part = self._part.model_copy(update={
            "text": self.text, "time": TimeSpan(start=self._part.time.start, end=ids.epoch_ms()),
        })
        self.store.put_part(self._part)
        self._dirty = False
        return self._part
