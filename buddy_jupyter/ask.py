"""The use case: ask a question in a kernel.

Picks the session and the model, applies the course's mode, gathers the notebook's context and
the tutor's sources, runs the engine's turn and shows the answer as it streams. This is the one
place that wires the layers together, and the one path from ``%buddy`` (and the sidebar) to a model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .engine.context import gather, last_error
from .engine.events import ModelError, ModelRequest, ModelRunner, Tool
from .engine.turn import Turn, TurnResult, history_for_model
from .errors import InvalidInput

if TYPE_CHECKING:
    from .display import Answer
    from .schema import Session
    from .state import KernelBuddy
    from .store import Store

log = logging.getLogger(__name__)

SYSTEM_PROMPT = """\
You are Buddy, a patient learning companion for someone learning Python and data analysis in a \
Jupyter notebook. Explain the idea first, then show a small runnable example; point out the cause of \
errors before the fix; keep answers short and use Markdown with fenced code blocks. When earlier \
conversations or the learner's profile are relevant, build on them. You may search the learner's \
past conversations with the search_history and query_history tools, and read the documentation \
installed on the learner's machine with lookup_docs: prefer it to memory, and cite it."""


def _tutor_of(kb: "KernelBuddy") -> Callable[[], Any]:
    """The tutor for this kernel's settings, opened on first use (its notes folder can change)."""
    def tutor():
        from .tutor.tutor import get_tutor

        return get_tutor(kb.config.notes_path or None)
    return tutor


def _offline_buddy(kb: "KernelBuddy") -> ModelRunner:
    from .engine.offline import OfflineBuddy
    from .engine.recall import related_answers

    return OfflineBuddy(
        lambda query: related_answers(kb.store, query, exclude_session=kb.current_session_id or ""),
        tutor=_tutor_of(kb), namespace=kb.user_ns,
    )


def _runner_for(model: str, kb: "KernelBuddy") -> ModelRunner:
    from .engine.providers import runner_for

    try:
        return runner_for(model, offline=lambda: _offline_buddy(kb), cache=kb.runners,
                          base_url=kb.config.base_url or None)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _real_model_extras(kb: "KernelBuddy", runner: ModelRunner) -> tuple[str, tuple[Tool, ...]]:
    """The learner profile and the history tools, for real models only (they cost imports)."""
    if runner.provider_id == "offline":
        return "", ()
    profile, tools = "", ()
    try:
        from .analytics.profile import profile_for_prompt
        from .engine.tools import history_tools, lookup_docs_tool

        profile = profile_for_prompt(kb.history_scope())
        tools = tuple(history_tools(kb.history_scope)) + (lookup_docs_tool(_tutor_of(kb), kb.user_ns),)
    except ImportError as error:  # analytics is optional for a conversation to work
        log.warning("history tools unavailable: %s", error)
    return profile, tools


def _tag_topics(kb: "KernelBuddy", runner: ModelRunner, question: str, result: TurnResult) -> None:
    """Keep the session's topics current: from the vocabulary after every answer, and named by a real
    model once per session. The learner's own topics are never replaced."""
    from .analytics.topics import VOCABULARY, auto_tag_session, session_topics
    from .errors import BuddyError
    from .store import records

    store, session_id = kb.store, result.session_id
    try:
        auto_tag_session(store, session_id)
        if (runner.provider_id == "offline" or not kb.config.model_topics or result.error or result.interrupted
                or not result.text):
            return
        if not session_topics(store, session_id, source="model"):
            from .engine.tagging import topics_from_model

            topics = topics_from_model(runner, question, result.text, list(VOCABULARY))
            records.set_topics(store, session_id, topics, "model")
    except (BuddyError, ModelError) as error:  # a convenience: it must not fail an answer already stored
        log.warning("could not tag topics of %s: %s", session_id, error)


def _under_course(kb: "KernelBuddy", runner: ModelRunner) -> ModelRunner:
    """The runner the notebook's course allows (``CourseOff`` in off mode). The course's teacher notes
    rank first offline, and sharing resumes when the learner consented earlier."""
    from .course.policy import course_runner, settings_for

    settings = settings_for(kb.notebook)
    if settings.notes is not None and not kb.config.notes_path:
        kb.config.notes_path = str(settings.notes)
    if settings.active:
        try:
            from .course.share import resume

            resume(kb, settings)
        except Exception as error:  # sharing must never stop a question
            log.warning("could not resume sharing with the course: %s", error)
    return course_runner(settings, runner)


def error_is_relevant(question: str, error: str, just_before: bool) -> bool:
    """The notebook's last error belongs in the context only when the question is about it: it names
    the error or asks what went wrong (``explain`` does), or the error comes from the cell just before."""
    if not error:
        return False
    if just_before:
        return True
    from .engine.offline import asks_about_error

    return asks_about_error(question, error.splitlines()[0], contentless=False)


@dataclass
class Question:
    text: str
    session_id: str | None = None
    model: str | None = None
    fmt: str = "markdown"
    context: bool = True
    cell: str = ""
    cell_id: str | None = None
    execution_count: int | None = None
    error_just_before: bool = False
    """The cell run just before the question raised the notebook's last error."""


def _reach_store(kb: "KernelBuddy", question: Question) -> tuple["Store", "Session", str | None]:
    """The store and session for this turn. When another program holds the notebook's store past the
    lock timeout, the turn goes to a private store and is copied over later (``pending.py``): the
    question is kept, never refused. Turns kept earlier are copied first, once the store is reachable."""
    from .errors import StoreLocked

    store = kb.store
    try:
        session = store.find_session(question.session_id) if question.session_id else kb.current_session(create=True)
        if kb.pending is not None and kb.pending.waiting:
            kb.pending.flush(store)  # before this question, so the history stays in order
        return store, session, None
    except StoreLocked as busy:
        from .engine.pending import PendingTurns

        if kb.pending is None:
            kb.pending = PendingTurns(str(kb.notebook or store.path))
        kb.pending.target = store
        named = question.session_id or ""
        wanted = named if named.startswith("ses_") and len(named) >= 20 else kb.current_session_id
        return kb.pending.store(), kb.pending.session(wanted), str(busy)


def ask(kb: "KernelBuddy", question: Question, user_ns: Mapping[str, Any] | None = None,
        show: bool = True) -> tuple[TurnResult, "Answer"]:
    from .display import Answer, LiveAnswer
    from .transcript import footer

    model = question.model or kb.config.model or "offline"
    runner = _runner_for(model, kb)  # before anything is stored: an unknown model stores nothing
    runner = _under_course(kb, runner)  # the course's mode: off refuses here, explain guards a real model
    store, session, kept = _reach_store(kb, question)
    kb.current_session_id = session.id
    if kept is not None and getattr(runner, "related", None) is not None:
        runner.related = None  # past answers live in the busy store: not searched this time

    context = ""
    if question.context and kb.config.context:
        include_error = error_is_relevant(question.text, last_error(), question.error_just_before)
        context = gather(question.text, question.cell, user_ns or {},
                         include_error=include_error).render(kb.config.context_limit)
    profile, tools = _real_model_extras(kb, runner)
    system = "\n\n".join(s for s in (SYSTEM_PROMPT, profile and "## Learner profile\n" + profile, context) if s)

    turn = Turn(store, session.id, runner, flush_interval=kb.config.flush_interval)
    history = history_for_model(store, session.id, kb.config.history_limit)
    user = turn.store_question(question.text, context=context, model=model,
                               cell_id=question.cell_id, execution_count=question.execution_count)
    if kept is not None:
        print(f"buddy: {kept}. This question and its answer are kept and written to the notebook's store "
              "at the next chance (the next question, or when the kernel exits).")
    request = ModelRequest(prompt=question.text, system=system, history=history, tools=tools)

    live = None
    if show:
        live = LiveAnswer(store, session.id, message_id=turn.assistant.id, fmt=question.fmt,
                          interval=kb.config.display_interval)
    cancel = kb.begin_answer()
    try:
        result = turn.run(user, request, cancel)
    except BaseException:
        if live is not None:
            live.close()
        raise
    finally:
        kb.end_answer()
    answer = Answer(result.text, session_id=session.id, message_id=result.assistant.id,
                    footer=footer(result.assistant, result.elapsed), fmt=question.fmt)
    if live is not None:
        live.finish(answer)
    if kept is None:  # topics wait for the store like the turn does
        _tag_topics(kb, runner, question.text, result)  # after the answer is on screen
    return result, answer
