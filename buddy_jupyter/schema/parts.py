"""The 12 kinds of message part, a union on ``type``.

Wire names follow OpenCode's message model, in snake case. Times
inside parts are epoch milliseconds. Models allow extra fields so that a
payload written by a newer version keeps its fields when we rewrite it, and
every field added later needs a default so that older payloads still load.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class StoredModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TimeSpan(StoredModel):
    start: int
    """When it began (epoch ms)."""
    end: int | None = None
    """When it ended (epoch ms); None while it is still streaming."""


class Tokens(StoredModel):
    class Cache(StoredModel):
        read: int = 0
        write: int = 0

    input: int = 0
    """Prompt tokens."""
    output: int = 0
    """Completion tokens (text and tool calls)."""
    reasoning: int = 0
    """Thinking tokens, where the provider reports them."""
    cache: Cache = Field(default_factory=Cache)
    """Prompt-cache reads and writes."""
    estimated: bool = False
    """True when the tokens were estimated, not reported by the provider."""


class PartBase(StoredModel):
    id: str
    """Part id (``prt_...``)."""
    session_id: str
    """The session the part belongs to."""
    message_id: str
    """The message the part belongs to."""


class TextPart(PartBase):
    type: Literal["text"] = "text"
    text: str = ""
    """The visible text: the question or the answer."""
    synthetic: bool = False
    """Written by the system rather than typed by the learner or the model."""
    ignored: bool = False
    """Kept in the history but not sent to the model."""
    time: TimeSpan | None = None
    """When the text started and finished streaming."""


class ReasoningPart(PartBase):
    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    """The model's thinking."""
    time: TimeSpan | None = None
    """When thinking started and finished."""


class FilePart(PartBase):
    type: Literal["file"] = "file"
    mime: str
    """Media type, e.g. ``image/png``."""
    filename: str | None = None
    """Display name."""
    url: str
    """A ``data:`` or ``file:`` URL."""
    source: dict[str, Any] | None = None
    """Where the file came from (a variable, a path, a cell output)."""


class ToolPending(StoredModel):
    status: Literal["pending"] = "pending"
    input: dict[str, Any] = Field(default_factory=dict)
    """Arguments parsed so far."""
    raw: str = ""
    """The raw argument text as streamed."""


class ToolRunning(StoredModel):
    status: Literal["running"] = "running"
    input: dict[str, Any] = Field(default_factory=dict)
    """The arguments the tool runs with."""
    title: str | None = None
    """A short description of what it is doing."""
    time: TimeSpan
    """When it started."""


class ToolCompleted(StoredModel):
    status: Literal["completed"] = "completed"
    input: dict[str, Any] = Field(default_factory=dict)
    """The arguments the tool ran with."""
    output: str = ""
    """What the tool returned to the model."""
    title: str = ""
    """A short description of what it did."""
    time: TimeSpan
    """When it started and ended."""


class ToolErrored(StoredModel):
    status: Literal["error"] = "error"
    input: dict[str, Any] = Field(default_factory=dict)
    """The arguments the tool was called with."""
    error: str
    """What went wrong, as the model saw it."""
    time: TimeSpan
    """When it started and ended."""


ToolState = Annotated[Union[ToolPending, ToolRunning, ToolCompleted, ToolErrored], Field(discriminator="status")]


class ToolPart(PartBase):
    type: Literal["tool"] = "tool"
    call_id: str
    """The provider's id for this call."""
    tool: str
    """The tool's name."""
    state: ToolState
    """pending -> running -> completed | error."""


class StepStartPart(PartBase):
    type: Literal["step-start"] = "step-start"
    snapshot: str | None = None
    """A snapshot id taken when the step started."""


class StepFinishPart(PartBase):
    type: Literal["step-finish"] = "step-finish"
    reason: str = "stop"
    """Why the step ended: stop, tool-calls, length, aborted, error."""
    tokens: Tokens = Field(default_factory=Tokens)
    """Usage of this step."""
    cost: float | None = None
    """Cost of this step in USD, where known."""


class SnapshotPart(PartBase):
    type: Literal["snapshot"] = "snapshot"
    snapshot: str
    """The cell or notebook content the question was about."""


class PatchPart(PartBase):
    type: Literal["patch"] = "patch"
    hash: str
    """Identifies the change."""
    files: list[str] = Field(default_factory=list)
    """What it touched (cells or files)."""


class AgentPart(PartBase):
    type: Literal["agent"] = "agent"
    name: str
    """The persona or agent mentioned."""
    source: dict[str, Any] | None = None
    """Where in the text it was mentioned."""


class RetryPart(PartBase):
    type: Literal["retry"] = "retry"
    attempt: int
    """1 for the first retry."""
    error: dict[str, Any]
    """The failure that caused the retry (an assistant error payload)."""
    time: dict[str, int] = Field(default_factory=dict)
    """``{"created": epoch ms}``."""


class CompactionPart(PartBase):
    type: Literal["compaction"] = "compaction"
    auto: bool = True
    """Made automatically rather than on request."""
    overflow: bool | None = None
    """Made because the context overflowed."""
    summary: str = ""
    """The summary that replaces the older history for the model."""


class SubtaskPart(PartBase):
    type: Literal["subtask"] = "subtask"
    prompt: str
    """What the sub-task was asked."""
    description: str = ""
    """A short description."""
    agent: str = ""
    """Who runs it."""
    model: str | None = None
    """The model it runs on, when different."""


Part = Annotated[
    Union[
        TextPart,
        ReasoningPart,
        FilePart,
        ToolPart,
        StepStartPart,
        StepFinishPart,
        SnapshotPart,
        PatchPart,
        AgentPart,
        RetryPart,
        CompactionPart,
        SubtaskPart,
    ],
    Field(discriminator="type"),
]

PART_TYPES = (
    "text", "reasoning", "file", "tool", "step-start", "step-finish",
    "snapshot", "patch", "agent", "retry", "compaction", "subtask",
)

PartAdapter: TypeAdapter[Part] = TypeAdapter(Part)
PartListAdapter: TypeAdapter[list[Part]] = TypeAdapter(list[Part])
