"""Sidebar fixtures: a KernelBuddy on a real store in a temporary notebook folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from buddy_jupyter.config import Buddy
from buddy_jupyter.schema import AssistantMessage, TextPart, Tokens, UserMessage, new_id
from buddy_jupyter.state import KernelBuddy


def make_kb(notebook: Path) -> KernelBuddy:
    """A kernel's buddy serving ``notebook`` (its store at <folder>/.buddy/<name>.duckdb)."""
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.touch()
    return KernelBuddy(Buddy(idle_release=0.2, lock_timeout=20), user_ns={"__session__": str(notebook)})


def converse(store, title: str, question: str, answer: str, *, tokens=(40, 120), cost: float | None = 0.0012,
             seconds: float = 2.0) -> str:
    """A session with one question and its answer; returns the session id."""
    from datetime import timedelta

    session = store.create_session(title)
    qid, asked = new_id("message")
    store.append_message(UserMessage(id=qid, session_id=session.id, time_created=asked),
                         [TextPart(id=new_id("part")[0], session_id=session.id, message_id=qid, text=question)])
    aid, created = new_id("message")
    store.append_message(
        AssistantMessage(id=aid, session_id=session.id, time_created=created, parent_id=qid,
                         time_completed=created + timedelta(seconds=seconds), provider_id="offline", model_id="buddy",
                         tokens=Tokens(input=tokens[0], output=tokens[1]), cost=cost),
        [TextPart(id=new_id("part")[0], session_id=session.id, message_id=aid, text=answer)])
    return session.id


def wait_for(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "course"


@pytest.fixture
def kb(folder):
    buddy = make_kb(folder / "lesson.ipynb")
    yield buddy
    buddy.close()


@pytest.fixture
def open_sidebar_for():
    """Build sidebars that are closed (unsubscribed) after the test."""
    made = []

    def build(kernel_buddy, **options):
        from buddy_jupyter.sidebar.panel import BuddySidebar

        sidebar = BuddySidebar(kernel_buddy, **options)
        made.append(sidebar)
        return sidebar

    yield build
    for sidebar in made:
        sidebar.close()
