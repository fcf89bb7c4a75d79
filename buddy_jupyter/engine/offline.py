"""The offline buddy: no key, no network, deterministic, and still a tutor.

It answers from the tutor's sources (teaching notes, Python's own reference, the
docstrings of what is installed), leads with the facts the diagnosis read from
the live notebook when the question is about an error, and points to the
learner's own related past answers. It emits the same events a real model does
(steps, reasoning, a history-search tool call, streamed text, usage flagged as
estimated), so everything downstream is exercised without a provider.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from ..errors import BuddyError
from .events import (
    ModelEvent, ModelRequest, ReasoningDelta, StepFinish, StepStart, TextDelta, ToolCall, ToolResult, Usage,
)

if TYPE_CHECKING:
    from ..tutor.tutor import Tutor, TutorAnswer

log = logging.getLogger(__name__)

Related = Callable[[str], Sequence[tuple[str, str]]]
"""Query -> [(session title, snippet)] of the learner's past answers."""

_ERROR_LINE = re.compile(r"^([A-Z][A-Za-z]*(?:Error|Exception|Warning|Interrupt|Exit)):?(.*)$", re.M)
# Words that make a question about the notebook's error rather than a concept.
_ERROR_WORDS = re.compile(
    r"\b(errors?|warnings?|exceptions?|traceback|wrong|fail(s|ed|ing)?|broken|crash(es|ed)?|fix|bug|"
    r"doesn'?t work|does not work|not working|won'?t run|raised?)\b", re.I)
CONFIGURE_HINT = ("_Offline buddy: answers from notes and the documentation installed here. "
                  "`%buddy models` shows how to use a real model._")


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class OfflineBuddy:
    provider_id = "offline"
    model_id = "buddy"

    def __init__(self, related: Related | None = None, *, tutor: Callable[[], "Tutor"] | None = None,
                 namespace: Mapping[str, Any] | None = None, delay: float = 0.0, chunk_words: int = 4):
        self.related = related
        self.tutor = tutor
        self.namespace = namespace
        self.delay = delay
        self.chunk_words = chunk_words

    def stream(self, request: ModelRequest, cancel: threading.Event) -> Iterator[ModelEvent]:
        context = request.system
        prompt_tokens = estimate_tokens(context + request.prompt + "".join(m.text for m in request.history))
        error = _last_error(context)
        about_error = bool(error) and asks_about_error(request.prompt, error)
        diagnosis = context_section(context, "Diagnosis") if about_error else ""
        previous = [m.text for m in request.history if m.role == "user"]
        # About the error: the note to recall is the error's own (its kind and message), not "error" or "fix"
        question = f"{error.split(':')[0]} {error.partition(':')[2][:100]}" if about_error else request.prompt
        kind = error.split(":")[0].strip().lower()
        found = self._ask_tutor(question, previous, [f"teacher:error-{kind}", f"note:error-{kind}"] if about_error else [])

        yield StepStart()
        if found is not None and found.hits:
            yield ReasoningDelta("Sources ranked: " + ", ".join(h.document.id for h in found.hits[:3]) + ". ")
        if found is not None and found.query.follow_up:
            yield ReasoningDelta("A follow-up: it continues the previous question's topic. ")
        if error:
            yield ReasoningDelta(f"The notebook's last error was {error.splitlines()[0][:120]}. ")

        related: Sequence[tuple[str, str]] = ()
        if self.related is not None:
            query = " ".join(found.query.terms[:8]) if found is not None else _keywords(request.prompt)
            call_id = "offline-search-1"
            yield ToolCall(call_id, "search_history", {"query": query})
            related = [r for r in self._related(query) if not _same_question(r[1], request.prompt)]
            listed = "\n".join(f"- {title}: {snippet}" for title, snippet in related) or "no related past answers"
            yield ToolResult(call_id, "search_history", output=listed)
            yield StepFinish(reason="tool-calls", usage=Usage(input=prompt_tokens, output=estimate_tokens(query)),
                             estimated=True)
            yield StepStart()

        answer = _compose(found, error, about_error, diagnosis, related)
        for chunk in _chunks(answer, self.chunk_words):
            if cancel.is_set():
                return
            yield TextDelta(chunk)
            if self.delay:
                time.sleep(self.delay)
        yield StepFinish(reason="stop", usage=Usage(input=prompt_tokens, output=estimate_tokens(answer)), estimated=True)

    def _related(self, query: str) -> Sequence[tuple[str, str]]:
        """Past answers, when the history can be read now (a busy store must not hold up the answer)."""
        if not query or self.related is None:
            return ()
        try:
            return self.related(query)
        except BuddyError as error:
            log.info("past answers not searched: %s", error)
            return ()

    def _ask_tutor(self, question: str, previous: Sequence[str], prefer: Sequence[str] = ()) -> "TutorAnswer | None":
        if self.tutor is None:
            return None
        try:
            return self.tutor().answer(question, previous=previous, namespace=self.namespace, prefer=prefer)
        except Exception as error:  # the tutor is a help, never a reason to fail a question
            log.warning("the tutor could not answer: %s", error)
            return None


def asks_about_error(question: str, error: str, *, contentless: bool = True) -> bool:
    """The question is about the notebook's error: it names it, quotes it, or asks what went wrong;
    with ``contentless``, also a question with no topic of its own ("why?") once the error is in view."""
    kind = error.split(":")[0].strip()
    lowered = question.lower()
    if kind and kind.lower() in lowered:
        return True
    message = error.partition(":")[2].strip().lower()
    if message and len(message) >= 4 and message[:40] in lowered:
        return True
    if _ERROR_WORDS.search(question):
        return True
    if not contentless:
        return False
    from ..tutor.query import STOPWORDS

    # "why?", "what happened?": no topic of its own, so it is about what just went wrong
    return not [w for w in re.findall(r"[a-z]+", lowered) if w not in STOPWORDS and w not in ("happen", "happened")]


def context_section(context: str, name: str) -> str:
    """The body of the ``## name`` section of the notebook context, or ''."""
    match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", context, re.M | re.S)
    return match.group(1).strip() if match else ""


def _last_error(context: str) -> str:
    section = context_section(context, "Last error")
    match = _ERROR_LINE.search(section) if section else None
    return match.group(0).strip() if match else ""


def _same_question(snippet: str, question: str) -> bool:
    norm = lambda text: " ".join(re.findall(r"\w+", text.lower()))  # noqa: E731
    return norm(snippet.removeprefix("you asked: ")).strip("…") == norm(question)


def _keywords(text: str) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", text.lower())
    return " ".join(list(dict.fromkeys(words))[:8])


def _compose(found: "TutorAnswer | None", error: str, about_error: bool, diagnosis: str,
             related: Sequence[tuple[str, str]]) -> str:
    sections: list[str] = []
    if diagnosis:
        sections.append(diagnosis)
    elif about_error:
        sections.append(f"Your last cell raised **{error.split(':')[0]}**.")
    if found is not None:
        if diagnosis and found.confident:  # the facts came first: the general note is only a reminder
            best = found.hits[0].document
            from ..tutor.compose import relevant_text

            sections.append(f"**{best.title}.** {relevant_text(best, found.query, 60)}\n\n_Source: {best.source}._")
        elif not (diagnosis and not found.confident):
            sections.append(found.text)
    elif not diagnosis:
        sections.append("The documentation index is not available right now; `%buddy status` says why.")
    if related:
        sections.append("**From your past sessions:**\n" + "\n".join(f"- _{t}_: {s}" for t, s in related[:2]))
    if error and not about_error:
        sections.append(f"_Your last cell raised {error.split(':')[0]}: `%buddy explain` looks into it._")
    sections.append(CONFIGURE_HINT)
    return "\n\n".join(sections)


def _chunks(text: str, words: int) -> Iterator[str]:
    pieces = re.findall(r"\S+\s*|\s+", text)
    for start in range(0, len(pieces), words):
        yield "".join(pieces[start:start + words])
