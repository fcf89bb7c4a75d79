"""Write verbs for the learner's side of the history: activity, topics, memories, curriculum.

Each function is one transaction through ``Store.transaction()`` (or joins the
caller's). Analytics read these tables; only this module writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Sequence, Union

from ..errors import InvalidInput, NotFound
from ..schema import ids
from . import sql
from .store import Store

TOPIC_SOURCES = ("learner", "model", "auto")
"""Who tagged a session; a learner's tag is never replaced by a model's or an automatic one."""


@dataclass(frozen=True)
class ActivityRow:
    """One cell execution: when, how long, how it ended. Never the code or the output."""

    time_start: datetime
    """When the cell started (naive UTC)."""
    duration_ms: int
    """How long it ran."""
    outcome: str = "ok"
    """``ok`` or the exception's type name (``NameError``...)."""
    execution_count: int | None = None
    """The cell's ``In[n]``."""
    cell_id: str | None = None
    """The front end's cell id, when it sends one."""
    id: str = ""
    """Left empty, an id is minted from ``time_start``."""


ActivityLike = Union[ActivityRow, Mapping[str, object]]


def record_activity(store: Store, rows: Iterable[ActivityLike]) -> int:
    """Insert cell executions in one transaction (one statement, however many rows); returns the count."""
    batch = [_activity(row) for row in rows]
    if not batch:
        return 0
    columns = [list(col) for col in zip(*(
        (r.id or activity_id(r.time_start), r.time_start, int(r.duration_ms), r.outcome, r.execution_count, r.cell_id)
        for r in batch
    ))]
    with store.transaction() as con:
        con.execute(sql.INSERT_ACTIVITY, columns)
    return len(batch)


def activity_id(moment: datetime) -> str:
    """An ``act_...`` id carrying ``moment``."""
    us = (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    return ids.make_id("activity", us)


def set_topics(store: Store, session_id: str, topics: Sequence[str], source: str = "learner") -> list[str]:
    """Replace ``session_id``'s topics from ``source`` with ``topics``; returns them, cleaned.

    Topics from other sources stay; where two sources name the same topic the
    stronger one keeps it (learner over model over auto).
    """
    if source not in TOPIC_SOURCES:
        raise InvalidInput(f"unknown topic source {source!r}; use one of {', '.join(TOPIC_SOURCES)}")
    cleaned = list(dict.fromkeys(clean_topic(t) for t in topics if clean_topic(t)))
    now = ids.utcnow()
    with store.transaction() as con:
        if not con.execute(sql.SESSION_EXISTS, [session_id]).fetchall()[0][0]:
            raise NotFound(f"no session {session_id!r} in {store.path.name}")
        con.execute(sql.DELETE_TOPICS_FROM, [session_id, source])
        for topic in cleaned:
            con.execute(sql.UPSERT_TOPIC, [session_id, topic, source, now])
    return cleaned


def clean_topic(topic: str) -> str:
    """Topics are compared in lower case with single spaces."""
    if not isinstance(topic, str):
        raise InvalidInput(f"a topic must be text, not {type(topic).__name__}")
    return " ".join(topic.lower().split())[:80]


def add_memory(store: Store, text: str) -> str:
    """Remember ``text`` explicitly (``%buddy remember``); returns the memory's id."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("nothing to remember: give the text")
    memory_id, created = ids.new_id("memory")
    with store.transaction() as con:
        con.execute(sql.INSERT_MEMORY, [memory_id, text.strip(), created])
    return memory_id


def forget_memory(store: Store, memory_id: str) -> str:
    """Hide a memory (it is kept, never deleted); a unique start or end of the id is enough.

    Returns the full id hidden.
    """
    fragment = memory_id.strip()
    if not fragment:
        raise InvalidInput("give the memory's id")
    with store.transaction() as con:
        rows = con.execute(sql.FIND_MEMORIES, [fragment, fragment, fragment]).fetchall()
        if not rows:
            raise NotFound(f"no remembered item {fragment!r}")
        if len(rows) > 1:
            raise InvalidInput(f"{fragment!r} matches several memories; give more of the id")
        con.execute(sql.HIDE_MEMORY, [ids.utcnow(), rows[0][0]])
    return rows[0][0]


CurriculumItem = Union[str, Sequence[str], Mapping[str, str]]


def set_curriculum(store: Store, items: Iterable[CurriculumItem]) -> list[tuple[str, str]]:
    """Replace the curriculum with ``items`` in order; returns [(topic, goal)].

    An item is a topic, a ``(topic, goal)`` pair or ``{"topic": ..., "goal": ...}``.
    """
    cleaned = [_curriculum_item(item) for item in items]
    now = ids.utcnow()
    with store.transaction() as con:
        con.execute(sql.CLEAR_CURRICULUM)
        for position, (topic, goal) in enumerate(cleaned, start=1):
            con.execute(sql.INSERT_CURRICULUM_ITEM, [position, topic, goal, now])
    return cleaned


def _curriculum_item(item: CurriculumItem) -> tuple[str, str]:
    if isinstance(item, str):
        topic, goal = item, ""
    elif isinstance(item, Mapping):
        topic, goal = str(item.get("topic", "")), str(item.get("goal", "") or "")
    else:
        topic, goal = (list(item) + ["", ""])[:2]
    topic = clean_topic(str(topic))
    if not topic:
        raise InvalidInput(f"a curriculum item needs a topic: {item!r}")
    return topic, " ".join(str(goal).split())


def _activity(row: ActivityLike) -> ActivityRow:
    if isinstance(row, ActivityRow):
        result = row
    else:
        result = ActivityRow(**dict(row))  # type: ignore[arg-type]
    if not isinstance(result.time_start, datetime) or result.time_start.tzinfo is not None:
        raise InvalidInput("activity time_start must be a naive UTC datetime")
    if not result.outcome:
        raise InvalidInput("activity outcome must be 'ok' or an error type name")
    return result
