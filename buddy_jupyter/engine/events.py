"""What a model run emits, independent of any model library.

Every model (the offline buddy, pydantic-ai providers, a scripted test model) is
a ``ModelRunner``: it turns a ``ModelRequest`` into an iterator of the small
events below. ``engine/turn.py`` turns those events into stored parts; nothing
outside ``engine/`` sees a model library's own types.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal, Protocol, Union


@dataclass(frozen=True)
class HistoryMessage:
    """One earlier message of the conversation, rebuilt from the store."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class Tool:
    """A plain Python function the model may call.

    ``function`` takes keyword arguments matching ``parameters`` (a JSON schema
    object) and returns a string; it raises ``ToolError`` for an error the model
    should see and correct.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    function: Callable[..., str]


class ToolError(Exception):
    """A tool failure reported back to the model instead of ending the run."""


@dataclass(frozen=True)
class ModelRequest:
    """Everything a model needs for one answer."""

    prompt: str
    system: str = ""
    history: tuple[HistoryMessage, ...] = ()
    tools: tuple[Tool, ...] = ()


@dataclass(frozen=True)
class Usage:
    input: int = 0
    output: int = 0
    reasoning: int = 0
    cache_read: int = 0
    cache_write: int = 0


@dataclass(frozen=True)
class StepStart:
    """A model request begins (one per round trip; tool calls cause more)."""


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class ToolCall:
    """The model asked for a tool; its result follows as ``ToolResult``."""

    call_id: str
    tool_name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    tool_name: str
    output: str = ""
    error: str | None = None


@dataclass(frozen=True)
class StepFinish:
    """A model request ended, with the usage it reported (or an estimate)."""

    reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None
    estimated: bool = False


@dataclass(frozen=True)
class Retry:
    """A provider call failed and is being tried again."""

    attempt: int
    error: str
    status_code: int | None = None


ModelEvent = Union[StepStart, TextDelta, ReasoningDelta, ToolCall, ToolResult, StepFinish, Retry]


class ModelError(Exception):
    """A run that failed; ``name`` is the assistant error union's tag."""

    name: str = "UnknownError"

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retryable = retryable


class ProviderAuthError(ModelError):
    name = "ProviderAuthError"


class APIError(ModelError):
    name = "APIError"


class ContextOverflowError(ModelError):
    name = "ContextOverflowError"


class MessageOutputLengthError(ModelError):
    name = "MessageOutputLengthError"


class ModelRunner(Protocol):
    """Streams one answer. Iterate on the calling thread; set ``cancel`` to stop.

    After ``cancel`` is set the iterator ends within about a second, without
    raising; whatever was emitted before stays valid (the turn keeps it).
    """

    provider_id: str
    model_id: str

    def stream(self, request: ModelRequest, cancel: threading.Event) -> Iterator[ModelEvent]: ...
