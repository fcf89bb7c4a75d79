"""The offline buddy: no key, no network, deterministic, and still useful.

It explains common Python and pandas errors from built-in notes, points to the
learner's own related past answers, and says how to configure a real model.
It emits the same events a real model does (steps, reasoning, a history-search
tool call, streamed text, usage flagged as estimated), so everything downstream
is exercised without a provider.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Callable, Iterator, Sequence

from .events import (
    ModelEvent, ModelRequest, ReasoningDelta, StepFinish, StepStart, TextDelta, ToolCall, ToolResult, Usage,
)
from .knowledge import match_notes

Related = Callable[[str], Sequence[tuple[str, str]]]
"""Query -> [(session title, snippet)] of the learner's past answers."""

_ERROR_LINE = re.compile(r"^([A-Z][A-Za-z]*(?:Error|Exception|Warning)):?(.*)$", re.M)
CONFIGURE_HINT = (
    "_I am the offline buddy: built-in notes and your own history, no AI model. For full answers set a "
    "model, e.g. `%config Buddy.model = \"openai:gpt-4o-mini\"` with `OPENAI_API_KEY` set, "
    "`%buddy model ollama:llama3.2` for a local Ollama, or any OpenAI-compatible server with "
    "`%config Buddy.base_url = \"http://127.0.0.1:8000/v1\"`._"
)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class OfflineBuddy:
    provider_id = "offline"
    model_id = "buddy"

    def __init__(self, related: Related | None = None, *, delay: float = 0.0, chunk_words: int = 4):
        self.related = related
        self.delay = delay
        self.chunk_words = chunk_words

    def stream(self, request: ModelRequest, cancel: threading.Event) -> Iterator[ModelEvent]:
        context = request.system
        prompt_tokens = estimate_tokens(context + request.prompt + "".join(m.text for m in request.history))
        error = _last_error(context)
        notes = match_notes(request.prompt + "\n" + error, limit=2)

        yield StepStart()
        topics = ", ".join(note.topic for note in notes) or "no built-in note"
        yield ReasoningDelta(f"Question matched: {topics}. ")
        if error:
            yield ReasoningDelta(f"The notebook's last error was {error.splitlines()[0][:120]}. ")

        related: Sequence[tuple[str, str]] = ()
        if self.related is not None:
            query = _keywords(request.prompt + " " + " ".join(n.topic for n in notes))
            call_id = "offline-search-1"
            yield ToolCall(call_id, "search_history", {"query": query})
            related = self.related(query) if query else ()
            found = "\n".join(f"- {title}: {snippet}" for title, snippet in related) or "no related past answers"
            yield ToolResult(call_id, "search_history", output=found)
            yield StepFinish(reason="tool-calls", usage=Usage(input=prompt_tokens, output=estimate_tokens(query)),
                             estimated=True)
            yield StepStart()

        answer = _compose(request.prompt, error, notes, related, bool(request.history))
        diagnosis = context_section(context, "Diagnosis")
        if diagnosis:  # facts read from the live objects beat any general note: they come first
            answer = diagnosis + "\n\n" + answer
        for chunk in _chunks(answer, self.chunk_words):
            if cancel.is_set():
                return
            yield TextDelta(chunk)
            if self.delay:
                time.sleep(self.delay)
        yield StepFinish(reason="stop", usage=Usage(input=prompt_tokens, output=estimate_tokens(answer)), estimated=True)


def context_section(context: str, name: str) -> str:
    """The body of the ``## name`` section of the notebook context, or ''."""
    match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", context, re.M | re.S)
    return match.group(1).strip() if match else ""


def _last_error(context: str) -> str:
    section = context.split("## Last error", 1)
    if len(section) < 2:
        return ""
    match = _ERROR_LINE.search(section[1])
    return match.group(0).strip() if match else ""


def _keywords(text: str) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", text.lower())
    stop = {"what", "why", "how", "does", "the", "and", "for", "with", "this", "that", "when", "can", "are",
            "you", "your", "mean", "means", "explain", "there", "from", "have", "into", "about", "which", "not",
            "doesn", "isn", "don", "its", "use", "using", "get", "error", "note"}
    seen: list[str] = []
    for word in words:
        if word not in stop and word not in seen:
            seen.append(word)
    return " ".join(seen[:8])


def _compose(prompt: str, error: str, notes, related, follow_up: bool) -> str:
    lines: list[str] = []
    if error and any(note.topic.lower() in error.lower() for note in notes):
        lines.append(f"Your last cell raised **{error.split(':')[0]}**.")
        lines.append("")
    if notes:
        for note in notes:
            lines.append(f"**{note.topic}.** {note.text}")
            lines.append("")
    else:
        lines.append(
            "I have no built-in note on that. A good way forward: make the smallest example that shows the "
            "problem in a fresh cell, print the types and shapes of the values involved (`type(x)`, "
            "`df.shape`, `df.dtypes`), and read the last line of any traceback first: it names the error."
        )
        lines.append("")
    if related:
        lines.append("**From your past sessions:**")
        lines.extend(f"- _{title}_: {snippet}" for title, snippet in related)
        lines.append("")
    elif follow_up:
        lines.append("(This continues our earlier conversation in this session.)")
        lines.append("")
    lines.append(CONFIGURE_HINT)
    return "\n".join(lines)


def _chunks(text: str, words: int) -> Iterator[str]:
    pieces = re.findall(r"\S+\s*|\s+", text)
    for start in range(0, len(pieces), words):
        yield "".join(pieces[start:start + words])
