"""A turn through the real engine with a scripted model: how the benchmarks measure one chat turn.

The engine's ``Turn`` decides which writes a turn makes, in which order and how they are grouped into
transactions; a benchmark that wrote them by hand would measure its own idea of the engine. A scripted
model emits its events at once (or ``pace`` seconds apart), so a timed turn is the store's cost plus the
engine's bookkeeping and nothing of a model library.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator, Sequence

from buddy_jupyter.engine.events import (
    ModelEvent, ModelRequest, ReasoningDelta, StepFinish, StepStart, TextDelta, ToolCall, ToolResult,
)
from buddy_jupyter.engine.turn import Turn, TurnResult

SNAPSHOT = "df = pd.read_csv('sales.csv')\nmerged = df.merge(regions, on='region')\nlen(merged)"
"""The cell the learner asks about, stored with the question as its snapshot part."""


class ScriptedModel:
    """One model step of streamed reasoning, then, with ``tool``, the tool call and its result ending that
    step and a second step starting; then the streamed answer and ``finish``."""

    provider_id, model_id = "bench", "scripted"

    def __init__(self, reasoning: Sequence[str], answer: Sequence[str], finish: StepFinish, *,
                 tool: tuple[ToolCall, ToolResult, StepFinish] | None = None, pace: float = 0.0):
        self.reasoning, self.answer, self.finish = reasoning, answer, finish
        self.tool = tool
        self.pace = pace

    def stream(self, request: ModelRequest, cancel: threading.Event) -> Iterator[ModelEvent]:
        yield StepStart()
        yield from self._deltas(ReasoningDelta, self.reasoning)
        if self.tool is not None:
            yield from self.tool
            yield StepStart()
        yield from self._deltas(TextDelta, self.answer)
        yield self.finish

    def _deltas(self, kind: type[ReasoningDelta] | type[TextDelta], texts: Sequence[str]) -> Iterator[ModelEvent]:
        for text in texts:
            if self.pace:
                time.sleep(self.pace)
            yield kind(text)


def ask(store: Any, session_id: str, model: ScriptedModel, question: str, *, context: str = "") -> TurnResult:
    """One question as the kernel asks it: stored with the empty answer first, then answered."""
    turn = Turn(store, session_id, model)
    user = turn.store_question(question, context=context, cell_id="a1b2c3d4", execution_count=7)
    return turn.run(user, ModelRequest(prompt=question), threading.Event())
