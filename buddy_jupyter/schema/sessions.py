"""Projects (one per notebook) and sessions (one conversation)."""

from __future__ import annotations

from datetime import datetime

from .parts import StoredModel


class Project(StoredModel):
    id: str
    """Project id (``prj_...``)."""
    path: str
    """The notebook's path when the store was created (or last seen)."""
    time_created: datetime
    time_updated: datetime


class Session(StoredModel):
    id: str
    """Session id (``ses_...``)."""
    project_id: str
    """The notebook it belongs to."""
    title: str = ""
    """A short title; taken from the first question when not given."""
    time_created: datetime
    time_updated: datetime
    time_archived: datetime | None = None
    """Set when archived: hidden from lists, never deleted."""
    parent_id: str | None = None
    """The session it was forked from."""
    message_count: int = 0
    """Running total, so that lists need no scan."""
    tokens_input: int = 0
    tokens_output: int = 0
    cost: float = 0.0
