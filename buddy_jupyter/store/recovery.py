"""Crash recovery: answers left running by a process that stopped.

A running answer records the process writing it (``owner_tag``: host and pid), so that
another process opening the store does not take it for one a crash left behind. When a
store opens, an unfinished answer whose writer is gone is marked interrupted, in one
transaction: its open text ends where it was last written, a tool still running becomes
an errored tool (``interrupted_tool``, the same rule the engine applies when a turn stops),
and the message is completed as aborted.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING, Callable

from ..schema import ids
from ..schema.messages import AssistantMessage, Message, MessageAbortedError, MessageAdapter
from ..schema.parts import Part, PartListAdapter, TimeSpan, ToolErrored
from . import codec, sql
from .queue import process_alive
from .transaction import atomic

if TYPE_CHECKING:
    import duckdb

    WritePart = Callable[["duckdb.DuckDBPyConnection", Part, str], None]

log = logging.getLogger(__name__)


def owner_tag() -> str:
    """Who is writing a running answer: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process: we cannot tell, assume gone
    return process_alive(int(pid))


def with_owner(message: Message) -> Message:
    """A running answer records the process writing it; a completed one records none."""
    if isinstance(message, AssistantMessage):
        if message.time_completed is None and not message.owner:
            return message.model_copy(update={"owner": owner_tag()})
        if message.time_completed is not None and message.owner is not None:
            return message.model_copy(update={"owner": None})
    return message


def interrupted_tool(part: Part, end_ms: int) -> Part | None:
    """A tool still pending or running when its answer stopped, as an errored tool ending at
    ``end_ms`` (a pending one never started: it starts there too); None for any other part."""
    if part.type != "tool" or part.state.status not in ("pending", "running"):
        return None
    start = part.state.time.start if part.state.status == "running" else end_ms
    return part.model_copy(update={"state": ToolErrored(
        input=part.state.input, error="interrupted", time=TimeSpan(start=start, end=end_ms))})


def recover(con: "duckdb.DuckDBPyConnection", write_part: "WritePart") -> list[str]:
    """Mark answers left running by a process that is gone as aborted; their ids.

    ``write_part``: the store's way of writing a part's row (one row per part)."""
    recovered = []
    for row in con.execute(sql.SELECT_UNFINISHED_ANSWERS).fetchall():
        message = MessageAdapter.validate_json(codec.message_json(row))
        if owner_alive(getattr(message, "owner", None)):
            continue
        recovered.append(mark_interrupted(con, message, write_part))
    return recovered


def mark_interrupted(con: "duckdb.DuckDBPyConnection", message: AssistantMessage, write_part: "WritePart") -> str:
    """End ``message`` as aborted where it was last written, with its open parts ended there too."""
    parts = PartListAdapter.validate_json(codec.json_array(
        map(codec.part_json, con.execute(sql.SELECT_MESSAGE_PARTS, [message.id]).fetchall())
    ))
    last = con.execute(sql.LAST_PART_UPDATE, [message.id]).fetchall()[0][0]
    ended = last or message.time_created
    end_ms = ids.epoch_ms(ended)
    with atomic(con):
        for part in parts:
            changed = interrupted_tool(part, end_ms)
            if part.type in ("text", "reasoning") and part.time is not None and part.time.end is None:
                changed = part.model_copy(update={"time": TimeSpan(start=part.time.start, end=end_ms)})
            if changed is not None:
                write_part(con, changed, codec.dump_part(changed))
        done = message.model_copy(update={
            "time_completed": ended, "finish": "aborted", "owner": None,
            "error": MessageAbortedError(message="interrupted: the kernel stopped before the answer finished"),
        })
        con.execute(sql.UPDATE_MESSAGE, [ids.utcnow(), *codec.message_columns(done), codec.dump_message(done), done.id])
        con.execute(sql.REFRESH_SESSION_TOTALS, [ids.utcnow(), done.session_id, done.session_id])
    return message.id
