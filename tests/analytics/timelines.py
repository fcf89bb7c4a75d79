"""Scripted conversations and cell runs, written through the Store API at chosen times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
from buddy_jupyter.schema.parts import TextPart, TimeSpan, Tokens, ToolCompleted, ToolPart
from buddy_jupyter.store import Store
from buddy_jupyter.store import records

if TYPE_CHECKING:
    from buddy_jupyter.state import KernelBuddy

T0 = datetime(2024, 3, 4, 9, 0, 0)
"""A Monday, 09:00 UTC: scripted timelines are written relative to it."""


def us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def ms(moment: datetime) -> int:
    return us(moment) // 1000


class Script:
    """Writes a conversation through the Store API with the times a test chooses."""

    def __init__(self, store: Store):
        self.store = store

    def session(self, title: str, topics: list[str] | None = None, source: str = "learner") -> str:
        session = self.store.create_session(title)
        if topics:
            records.set_topics(self.store, session.id, topics, source)
        return session.id

    def turn(
        self,
        session_id: str,
        question: str,
        answer: str,
        at: datetime,
        *,
        seconds: float = 10.0,
        tokens: tuple[int, int] = (100, 50),
        cost: float = 0.001,
        model: str = "scripted-1",
        tool: tuple[str, dict, str] | None = None,
        error: bool = False,
    ) -> tuple[str, str]:
        """A question at ``at`` and its answer completed ``seconds`` later; returns both ids."""
        qid = ids.make_id("message", us(at))
        self.store.append_message(
            UserMessage(id=qid, session_id=session_id, time_created=at),
            [TextPart(id=ids.make_id("part", us(at)), session_id=session_id, message_id=qid, text=question)],
        )
        started = at + timedelta(milliseconds=1)
        done = at + timedelta(seconds=seconds)
        aid = ids.make_id("message", us(started))
        parts = []
        if tool is not None:
            name, args, output = tool
            tool_at = started + timedelta(milliseconds=1)
            parts.append(ToolPart(
                id=ids.make_id("part", us(tool_at)), session_id=session_id, message_id=aid, call_id="call_1", tool=name,
                state=ToolCompleted(input=args, output=output, title=name,
                                    time=TimeSpan(start=ms(tool_at), end=ms(tool_at) + 250)),
            ))
        text_at = started + timedelta(milliseconds=2)
        parts.append(TextPart(id=ids.make_id("part", us(text_at)), session_id=session_id, message_id=aid, text=answer,
                              time=TimeSpan(start=ms(text_at), end=ms(done))))
        message = AssistantMessage(
            id=aid, session_id=session_id, parent_id=qid, time_created=started, time_completed=done,
            model_id=model, provider_id="scripted", tokens=Tokens(input=tokens[0], output=tokens[1]), cost=cost,
            finish="stop",
        )
        if error:
            from buddy_jupyter.schema.messages import APIError

            message = message.model_copy(update={"error": APIError(message="boom", status_code=500), "finish": "error"})
        self.store.append_message(message, parts)
        return qid, aid

    def cells(self, *runs: tuple[datetime, int, str]) -> None:
        """Cell executions: (start, duration in ms, outcome)."""
        records.record_activity(self.store, [
            records.ActivityRow(time_start=start, duration_ms=duration, outcome=outcome, execution_count=n)
            for n, (start, duration, outcome) in enumerate(runs, start=1)
        ])


def open_store(folder: Path, name: str) -> Store:
    """``folder/name.ipynb``'s store, at ``folder/.buddy/name.duckdb``."""
    return Store(folder / ".buddy" / f"{name}.duckdb", notebook=str(folder / f"{name}.ipynb"),
                 idle_release=0.05, lock_timeout=20)


def kernel_with_history(root: Path) -> "KernelBuddy":
    """A kernel on ``root/lesson.ipynb`` whose history root is ``root``, with two notebooks' history:
    a groupby conversation with stated preferences and recurring NameErrors here, and in
    ``root/more/extra.ipynb`` a plotting conversation and a memory. The caller closes it."""
    from buddy_jupyter.config import Buddy
    from buddy_jupyter.state import KernelBuddy

    kb = KernelBuddy(Buddy(idle_release=0.05, history_root=str(root)), user_ns={"__session__": str(root / "lesson.ipynb")})
    script = Script(kb.store)
    groupby = script.session("groupby")
    script.turn(groupby, "I prefer short answers. How do I use groupby to get the mean per city?",
                "df.groupby('city').mean()", T0, seconds=20)
    script.turn(groupby, "My goal is to analyse my shop's sales data by month", "Group by the month.",
                T0 + timedelta(minutes=2), seconds=20)
    script.cells((T0 + timedelta(minutes=1), 100, "NameError"), (T0 + timedelta(minutes=3), 100, "NameError"),
                 (T0 + timedelta(minutes=4), 100, "NameError"), (T0 + timedelta(minutes=5), 100, "KeyError"))
    extra_store = open_store(root / "more", "extra")
    extra = Script(extra_store)
    records.add_memory(extra_store, "Call me Sam")
    plots = extra.session("plots", ["plotting"])
    extra.turn(plots, "How do I draw a histogram with matplotlib?", "plt.hist(x, bins=20)", T0 + timedelta(hours=1))
    extra_store.close()
    return kb
