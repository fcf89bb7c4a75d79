"""Streaming text into a part without a write per token.

A ``StreamingText`` is the one writer of its part's text. Each delta is
published as an event at once; the part is written when it starts, again as soon
as its first text arrives (so a crash keeps the first words already shown), then
at most every ``flush_interval`` seconds while it grows (so a crash loses at most
that much), and when it ends.
"""

from __future__ import annotations

import time

from ..schema import ids
from ..schema.parts import ReasoningPart, TextPart, TimeSpan
from .store import Store


class StreamingText:
    def __init__(self, store: Store, part: TextPart | ReasoningPart, *, flush_interval: float = 1.0,
                 first: str = ""):
        """``first``: the delta that opens the part, written with it (one write, not two)."""
        self.store = store
        self.flush_interval = flush_interval
        self.flushes = 0
        """Writes made at the interval while streaming (start, first text and end excluded)."""
        self._chunks: list[str] = [part.text + first]
        self._part = part.model_copy(update={"text": self._chunks[0], "time": TimeSpan(start=ids.epoch_ms())})
        self._dirty = False
        self._first_written = bool(first)
        """A delta's text is in the store (until then the next delta is written at once)."""
        self.store.put_part(self._part)
        self._last_write = time.monotonic()
        if first:
            self.store.publish_delta(self._part.session_id, self._part.id, first)

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
        if not self._first_written:
            self.flush()  # the first words: written now, before anyone is shown them
        elif time.monotonic() - self._last_write >= self.flush_interval:
            self.flush()
            self.flushes += 1
        self.store.publish_delta(self._part.session_id, self._part.id, delta)

    def flush(self) -> None:
        if not self._dirty:
            return
        self._chunks = [self.text]
        self._part = self._part.model_copy(update={"text": self._chunks[0]})
        self.store.put_part(self._part)
        self._dirty = False
        self._first_written = True
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
