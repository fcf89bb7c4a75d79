"""The conversation data model: projects, sessions, messages and their parts."""

from .ids import new_id, now_us, utcnow
from .messages import (
    AssistantError,
    AssistantErrorAdapter,
    AssistantMessage,
    Message,
    MessageAdapter,
    MessageWithParts,
    UserMessage,
)
from .parts import PART_TYPES, Part, PartAdapter, PartListAdapter, TextPart, Tokens, ToolPart
from .sessions import Project, Session

__all__ = [
    "AssistantError", "AssistantErrorAdapter", "AssistantMessage", "Message", "MessageAdapter",
    "MessageWithParts", "PART_TYPES", "Part", "PartAdapter", "PartListAdapter", "Project", "Session",
    "TextPart", "Tokens", "ToolPart", "UserMessage", "new_id", "now_us", "utcnow",
]
