"""How answers appear in a cell: streamed, throttled, then final with a footer.

``LiveAnswer`` follows the store's events for one turn (the same events the
sidebar follows) and updates one display at most every ``interval`` seconds,
never once per token. The final ``Answer`` is a ``str`` (so it can be stored in
a variable and used as text) with Markdown and plain-text reprs and metadata
naming its session and message.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from .store import Event, Store

_CODE_BLOCK = re.compile(r"```[a-zA-Z0-9_+-]*\n(.*?)```", re.S)


class Answer(str):
    """The buddy's answer: text you can keep, rendered as Markdown with a footer."""

    session_id: str
    message_id: str
    footer: str
    fmt: str

    def __new__(cls, text: str, *, session_id: str, message_id: str, footer: str = "", fmt: str = "markdown"):
        self = super().__new__(cls, text)
        self.session_id, self.message_id, self.footer, self.fmt = session_id, message_id, footer, fmt
        return self

    @property
    def metadata(self) -> dict[str, Any]:
        return {"buddy": {"session_id": self.session_id, "message_id": self.message_id}}

    def _repr_markdown_(self):
        if self.fmt == "text":
            return None
        body = str(self)
        if self.fmt == "code" and not _CODE_BLOCK.search(body):
            from .transcript import fence

            body = fence(body, "python")
        tail = f"\n\n<sub>{self.footer}</sub>" if self.footer else ""
        return body + tail, self.metadata

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self) + (f"\n\n— {self.footer}" if self.footer else ""))


def code_of(text: str) -> str:
    """The code blocks of an answer, joined (the whole text when it has none)."""
    blocks = _CODE_BLOCK.findall(text)
    return "\n\n".join(block.rstrip() for block in blocks) if blocks else text.strip()


class LiveAnswer:
    """Streams one turn's answer into the cell output."""

    def __init__(self, store: Store, session_id: str, *, message_id: str | None = None, fmt: str = "markdown",
                 interval: float = 0.1):
        from IPython.display import display

        self.store = store
        self.session_id = session_id
        self.fmt = fmt
        self.interval = interval
        self.updates = 0
        """Display updates made (the benchmark checks the rate)."""
        self._message_id = message_id
        self._kinds: dict[str, str] = {}
        self._text: list[str] = []
        self._status: list[str] = []
        self._last = 0.0
        self._lock = threading.Lock()
        self._handle = display(self._render("_thinking…_"), display_id=True)
        self._unsubscribe = store.events.subscribe(self._on_event)

    def _render(self, body: str) -> Any:
        from IPython.display import Markdown, Pretty

        return Pretty(body) if self.fmt == "text" else Markdown(body)

    def _on_event(self, event: Event) -> None:
        if event.session_id != self.session_id:
            return
        if event.kind == "message.updated" and event.data.role == "assistant":
            self._message_id = event.data.id
        elif event.kind == "part.updated" and event.data.message_id == self._message_id:
            part = event.data
            self._kinds[part.id] = part.type
            if part.type == "tool":
                self._status = [f"_{part.tool}: {part.state.status}…_"] if part.state.status == "running" else []
        elif event.kind == "part.delta" and self._kinds.get(event.data["part_id"]) == "text":
            with self._lock:
                self._text.append(event.data["delta"])
            self._maybe_update()

    def _maybe_update(self) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        body = "".join(self._text)
        if self._status:
            body = "\n\n".join(self._status) + "\n\n" + body
        self._handle.update(self._render(body + " ▌"))
        self.updates += 1

    def finish(self, answer: Answer | None) -> None:
        self._unsubscribe()
        if answer is not None:
            self._handle.update(answer)
            self.updates += 1

    def close(self) -> None:
        self._unsubscribe()
