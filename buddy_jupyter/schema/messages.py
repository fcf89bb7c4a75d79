"""Messages: a union on ``role`` (user, assistant) and the assistant error union."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from .parts import Part, StoredModel, Tokens


class ProviderAuthError(StoredModel):
    name: Literal["ProviderAuthError"] = "ProviderAuthError"
    message: str
    """What went wrong (never contains the key)."""
    provider_id: str = ""
    """The provider that refused."""


class APIError(StoredModel):
    name: Literal["APIError"] = "APIError"
    message: str
    """What went wrong."""
    status_code: int | None = None
    """HTTP status, where there was one."""
    retryable: bool = False
    """Whether trying again may succeed."""


class MessageAbortedError(StoredModel):
    name: Literal["MessageAbortedError"] = "MessageAbortedError"
    message: str = "aborted"
    """Why the answer stopped early (stopped by the learner, interrupted by a crash)."""


class MessageOutputLengthError(StoredModel):
    name: Literal["MessageOutputLengthError"] = "MessageOutputLengthError"
    message: str = "the answer reached the model's output limit"


class ContextOverflowError(StoredModel):
    name: Literal["ContextOverflowError"] = "ContextOverflowError"
    message: str = "the conversation is longer than the model's context"


class UnknownError(StoredModel):
    name: Literal["UnknownError"] = "UnknownError"
    message: str


AssistantError = Annotated[
    Union[ProviderAuthError, APIError, MessageAbortedError, MessageOutputLengthError, ContextOverflowError, UnknownError],
    Field(discriminator="name"),
]
AssistantErrorAdapter: TypeAdapter[AssistantError] = TypeAdapter(AssistantError)


class NotebookContext(StoredModel):
    cell_id: str | None = None
    """The id of the cell the question was asked from."""
    execution_count: int | None = None
    """The cell's execution count when asked."""


class MessageBase(StoredModel):
    id: str
    """Message id (``msg_...``)."""
    session_id: str
    """The session it belongs to."""
    time_created: datetime
    """When it was created (naive UTC)."""


class UserMessage(MessageBase):
    role: Literal["user"] = "user"
    model: str | None = None
    """The model the learner asked."""
    agent: str = "buddy"
    """The persona that answers."""
    system: str | None = None
    """Extra system text the learner gave for this question."""
    context: NotebookContext = Field(default_factory=NotebookContext)
    """Where in the notebook the question came from."""


class AssistantMessage(MessageBase):
    role: Literal["assistant"] = "assistant"
    parent_id: str
    """The user message it answers."""
    time_completed: datetime | None = None
    """When the answer finished; None while running (or after a crash, until recovered)."""
    model_id: str = ""
    """The model that answered."""
    provider_id: str = ""
    """The provider: offline, openai, anthropic, ..."""
    tokens: Tokens = Field(default_factory=Tokens)
    """Total usage over all steps."""
    cost: float | None = None
    """Total cost in USD, where known."""
    finish: str | None = None
    """Why it ended: stop, length, aborted, error."""
    error: AssistantError | None = None
    """Set when the answer failed or was stopped."""
    owner: str | None = None
    """host:pid of the process writing it while it runs (runtime only; cleared on completion)."""


Message = Annotated[Union[UserMessage, AssistantMessage], Field(discriminator="role")]
MessageAdapter: TypeAdapter[Message] = TypeAdapter(Message)


class MessageWithParts(StoredModel):
    info: Message
    """The message."""
    parts: list[Part] = Field(default_factory=list)
    """Its parts in order."""

    @property
    def text(self) -> str:
        """The visible text of the message (its non-ignored text parts)."""
        return "".join(p.text for p in self.parts if p.type == "text" and not p.ignored)
