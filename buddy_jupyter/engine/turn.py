"""One question and its answer, persisted as it happens.

The user message and its parts are stored before the model is called. The
assistant message then grows part by part from the model's events: steps,
reasoning and text (streamed through ``StreamingText``: deltas are events, the
part is written at start, at a bounded interval and at the end), tool calls,
retries, usage. The turn finishes with usage, or with the error recorded on the
message; an interrupt keeps the partial answer, marked aborted.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Iterable

from ..schema import ids
from ..schema.messages import (
    AssistantErrorAdapter, AssistantMessage, MessageAbortedError, NotebookContext, UserMessage,
)
from ..schema.parts import (
    Part, ReasoningPart, RetryPart, SnapshotPart, StepFinishPart, StepStartPart, TextPart, TimeSpan, Tokens, ToolCompleted,
    ToolErrored, ToolPart, ToolRunning,
)
from ..store import Store, StreamingText
from ..store.recovery import interrupted_tool, owner_tag
from .events import (
    HistoryMessage, ModelError, ModelEvent, ModelRequest, ModelRunner, ReasoningDelta, Retry, StepFinish,
    StepStart, TextDelta, ToolCall, ToolResult,
)


@dataclass
class TurnResult:
    session_id: str
    user: UserMessage
    assistant: AssistantMessage
    text: str
    elapsed: float
    error: ModelError | None = None
    interrupted: bool = False
    by_keyboard: bool = False
    """The kernel was interrupted (the stop button of the notebook), not the sidebar's Stop."""


_SURROGATES = re.compile("[\ud800-\udfff]")


def history_for_model(store: Store, session_id: str, limit: int) -> tuple[HistoryMessage, ...]:
    """The session so far, rebuilt from the store (so a session continues after a restart)."""
    history = []
    for item in store.get_messages(session_id):
        text = item.text
        if not text.strip():
            continue
        history.append(HistoryMessage(role=item.info.role, text=text))
    return tuple(history[-limit:]) if limit > 0 else ()


def title_from(question: str, limit: int = 60) -> str:
    """A short title from the first question: its first line, cut at a word."""
    first = " ".join(question.strip().split())
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut + "…"


class Turn:
    """Runs one question through a model and persists everything it produces."""

    def __init__(self, store: Store, session_id: str, runner: ModelRunner, *, flush_interval: float = 1.0):
        self.store = store
        self.session_id = session_id
        self.runner = runner
        self.flush_interval = flush_interval
        self._open: StreamingText | None = None
        self._open_kind = ""
        self._tools: dict[str, ToolPart] = {}
        self._steps: list[StepFinish] = []
        self._text: list[str] = []

    # -- the two messages ----------------------------------------------------------

    def store_question(self, question: str, *, context: str = "", model: str | None = None,
                       cell_id: str | None = None, execution_count: int | None = None) -> UserMessage:
        mid, created = ids.new_id("message")
        user = UserMessage(id=mid, session_id=self.session_id, time_created=created, model=model,
                           context=NotebookContext(cell_id=cell_id, execution_count=execution_count))
        parts: list[Part] = [TextPart(id=self._part_id(), session_id=self.session_id, message_id=mid, text=question)]
        if context:
            # the notebook's text as context: an unpaired surrogate in some cell (a refused command
            # the learner typed) must not make every later question unstorable
            context = _SURROGATES.sub("\ufffd", context)
            parts.append(SnapshotPart(id=self._part_id(), session_id=self.session_id, message_id=mid, snapshot=context))
        aid, created = ids.new_id("message")
        self.assistant = AssistantMessage(
            id=aid, session_id=self.session_id, time_created=created, parent_id=mid,
            model_id=self.runner.model_id, provider_id=self.runner.provider_id, owner=owner_tag(),
        )
        with self.store.transaction():  # the question and the (empty) answer: one commit
            self.store.append_message(user, parts)
            self.store.title_if_untitled(self.session_id, title_from(question))
            self.store.append_message(self.assistant)
        return user

    def run(self, user: UserMessage, request: ModelRequest, cancel: threading.Event) -> TurnResult:
        started = time.monotonic()
        self.store.set_status(self.session_id, "busy")
        error: ModelError | None = None
        unexpected: Exception | None = None
        interrupted = by_keyboard = False
        events = self.runner.stream(request, cancel)
        try:
            for event in events:
                self._apply(event)
                if cancel.is_set():
                    interrupted = True
                    break
        except KeyboardInterrupt:
            cancel.set()
            interrupted = by_keyboard = True
        except ModelError as failure:
            error = failure
        except Exception as failure:  # recorded on the message, then raised: never a silent half-answer
            unexpected = failure
            error = ModelError(f"{type(failure).__name__}: {failure}")
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # cancels a model run still going on its own thread
            interrupted = interrupted or cancel.is_set()
            final = self._finish(error, interrupted)
            self.store.set_status(self.session_id, "idle")
        if unexpected is not None:
            raise unexpected
        return TurnResult(self.session_id, user, final, "".join(self._text), time.monotonic() - started,
                          error=error, interrupted=interrupted and error is None, by_keyboard=by_keyboard)

    # -- events to parts -------------------------------------------------------------

    def _part_id(self) -> str:
        return ids.new_id("part")[0]

    def _apply(self, event: ModelEvent) -> None:
        if isinstance(event, TextDelta):
            self._stream("text", event.text)
        elif isinstance(event, ReasoningDelta):
            self._stream("reasoning", event.text)
        elif self._open is None:
            self._apply_step(event)  # one write: the store commits it on its own
        else:
            with self.store.transaction():  # ending the open part and starting the next: one commit
                self._apply_step(event)

    def _apply_step(self, event: ModelEvent) -> None:
        if isinstance(event, StepStart):
            self._close_stream()
            self.store.put_part(StepStartPart(id=self._part_id(), session_id=self.session_id, message_id=self.assistant.id))
        elif isinstance(event, ToolCall):
            self._close_stream()
            part = ToolPart(id=self._part_id(), session_id=self.session_id, message_id=self.assistant.id,
                            call_id=event.call_id, tool=event.tool_name,
                            state=ToolRunning(input=event.args, time=TimeSpan(start=ids.epoch_ms())))
            self._tools[event.call_id] = part
            self.store.put_part(part)
        elif isinstance(event, ToolResult):
            self._tool_result(event)
        elif isinstance(event, StepFinish):
            self._close_stream()
            self._steps.append(event)
            self.store.put_part(StepFinishPart(
                id=self._part_id(), session_id=self.session_id, message_id=self.assistant.id,
                reason=event.reason, tokens=_tokens([event]), cost=event.cost))
        elif isinstance(event, Retry):
            error = {"name": "APIError", "message": event.error, "status_code": event.status_code, "retryable": True}
            self.store.put_part(RetryPart(id=self._part_id(), session_id=self.session_id, message_id=self.assistant.id,
                                          attempt=event.attempt, error=error, time={"created": ids.epoch_ms()}))

    def _stream(self, kind: str, delta: str) -> None:
        if self._open is None or self._open_kind != kind:
            self._close_stream()
            cls = TextPart if kind == "text" else ReasoningPart
            part = cls(id=self._part_id(), session_id=self.session_id, message_id=self.assistant.id)
            # the part is written with its first words at once: a crash keeps what was shown
            self._open = StreamingText(self.store, part, flush_interval=self.flush_interval, first=delta)
            self._open_kind = kind
        else:
            self._open.append(delta)
        if kind == "text":
            self._text.append(delta)

    def _close_stream(self) -> None:
        if self._open is not None:
            self._open.finish()
            self._open = None

    def _tool_result(self, event: ToolResult) -> None:
        part = self._tools.get(event.call_id)
        if part is None:
            return
        start = part.state.time.start  # type: ignore[union-attr]
        span = TimeSpan(start=start, end=ids.epoch_ms())
        if event.error is not None:
            state = ToolErrored(input=part.state.input, error=event.error, time=span)
        else:
            state = ToolCompleted(input=part.state.input, output=event.output, title=event.tool_name, time=span)
        part = part.model_copy(update={"state": state})
        self._tools[event.call_id] = part
        self.store.put_part(part)

    def _finish(self, error: ModelError | None, interrupted: bool) -> AssistantMessage:
        """End open parts and complete the message, all in one transaction."""
        now = ids.utcnow()
        end_ms = ids.epoch_ms(now)
        if error is not None:
            recorded = AssistantErrorAdapter.validate_python(_error_payload(error, self.runner.provider_id))
            finish = "error"
        elif interrupted:
            recorded = MessageAbortedError(message="stopped by the learner")
            finish = "aborted"
        else:
            recorded, finish = None, (self._steps[-1].reason if self._steps else "stop")
        with self.store.transaction():
            self._close_stream()
            for part in self._tools.values():
                ended = interrupted_tool(part, end_ms)
                if ended is not None:
                    self.store.put_part(ended)
            final = self.assistant.model_copy(update={
                "time_completed": now, "tokens": _tokens(self._steps), "finish": finish, "error": recorded,
                "cost": _cost(self._steps), "owner": None,
            })
            self.store.update_message(final)
        self.assistant = final
        return final


def _tokens(steps: Iterable[StepFinish]) -> Tokens:
    steps = list(steps)
    total = Tokens(
        input=sum(s.usage.input for s in steps), output=sum(s.usage.output for s in steps),
        reasoning=sum(s.usage.reasoning for s in steps), estimated=any(s.estimated for s in steps),
    )
    total.cache.read = sum(s.usage.cache_read for s in steps)
    total.cache.write = sum(s.usage.cache_write for s in steps)
    return total


def _cost(steps: Iterable[StepFinish]) -> float | None:
    costs = [s.cost for s in steps if s.cost is not None]
    return sum(costs) if costs else None


def _error_payload(error: ModelError, provider_id: str) -> dict:
    payload: dict = {"name": error.name, "message": error.message}
    if error.name == "APIError":
        payload.update(status_code=error.status_code, retryable=error.retryable)
    elif error.name == "ProviderAuthError":
        payload.update(provider_id=provider_id)
    return payload
