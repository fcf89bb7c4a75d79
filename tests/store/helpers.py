"""Helpers for the store tests: a conversation builder, direct reads, and child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
from buddy_jupyter.schema.parts import TextPart

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")


def question(store, session_id: str, text: str = "Why?") -> tuple[UserMessage, TextPart]:
    mid, created = ids.new_id("message")
    message = UserMessage(id=mid, session_id=session_id, time_created=created)
    part = TextPart(id=ids.new_id("part")[0], session_id=session_id, message_id=mid, text=text)
    store.append_message(message, [part])
    return message, part


def answer(store, user: UserMessage, text: str = "Because.", *, complete: bool = True, **fields: Any) -> AssistantMessage:
    mid, created = ids.new_id("message")
    message = AssistantMessage(id=mid, session_id=user.session_id, time_created=created, parent_id=user.id,
                               model_id="offline", provider_id="offline", **fields)
    part = TextPart(id=ids.new_id("part")[0], session_id=user.session_id, message_id=mid, text=text)
    store.append_message(message, [part])
    if complete:
        message = message.model_copy(update={"time_completed": ids.utcnow(), "finish": "stop"})
        store.update_message(message)
    return message


def rows(path: Path, query: str, params: list | None = None) -> list[tuple]:
    """Read the file directly with DuckDB (read-only), as a user's CLI would."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def spawn(command: str, *args: Any, **popen: Any) -> subprocess.Popen:
    """Run ``worker.py <command> <args as JSON>`` in a new Python process."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), command, json.dumps(list(args))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(), **popen,
    )


def wait_for_line(proc: subprocess.Popen, expected: str, timeout: float = 20) -> str:
    """Read the child's stdout until a line starting with ``expected`` (the child's handshake)."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(expected):
            return line.strip()
    proc.kill()
    raise AssertionError(f"child never said {expected!r}; stderr: {proc.stderr.read()[-3000:]}")
