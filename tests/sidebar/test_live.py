"""Following the store: appended messages, streamed deltas (throttled), the Stop button."""

from __future__ import annotations

import threading
import time

from buddy_jupyter.schema import TextPart, UserMessage, new_id
from buddy_jupyter.sidebar.live import Throttle
from buddy_jupyter.store import StreamingText
from tests.sidebar.conftest import converse, wait_for


def test_appended_message_updates_list_and_open_transcript(kb, open_sidebar_for):
    sid = converse(kb.store, "Loops", "How do loops work?", "They repeat.")
    sidebar = open_sidebar_for(kb, min_interval=0.05)
    sidebar.history.rows[0].click()

    qid, asked = new_id("message")
    kb.store.append_message(UserMessage(id=qid, session_id=sid, time_created=asked),
                            [TextPart(id=new_id("part")[0], session_id=sid, message_id=qid, text="And while loops?")])

    wait_for(lambda: "And while loops?" in sidebar.transcript.markdown, what="the transcript to follow")
    wait_for(lambda: "3 messages" in sidebar.history.rows[0].meta.value, what="the list to follow")
    assert sidebar.errors.errors == []


def test_new_session_appears_in_the_list(kb, open_sidebar_for):
    sidebar = open_sidebar_for(kb, min_interval=0.05)
    assert sidebar.history.visible_rows == []
    converse(kb.store, "Fresh", "q", "a")
    wait_for(lambda: [r.title for r in sidebar.history.visible_rows] == ["Fresh"], what="the new session")


def test_streamed_deltas_render_throttled(kb, open_sidebar_for):
    sid = converse(kb.store, "Streaming", "Tell me a story", "Once.")
    sidebar = open_sidebar_for(kb, min_interval=0.2)
    sidebar.history.rows[0].click()
    renders_before = sidebar.transcript.renders
    message = kb.store.get_messages(sid)[-1]
    stream = StreamingText(kb.store, TextPart(id=new_id("part")[0], session_id=sid, message_id=message.info.id),
                           flush_interval=10.0)
    words = [f"word{i} " for i in range(300)]
    started = time.monotonic()
    for word in words:
        stream.append(word)
        time.sleep(0.002)
    wait_for(lambda: "word299" in sidebar.transcript.markdown, what="the streamed text")
    elapsed = time.monotonic() - started
    renders = sidebar.transcript.renders - renders_before
    assert renders <= elapsed / 0.2 + 3, f"{renders} renders in {elapsed:.2f} s"
    assert stream.flushes == 0  # nothing was written per token: the text came from the deltas
    assert "".join(words).strip() in sidebar.transcript.markdown
    stream.finish()
    sidebar.flush()
    assert sidebar.errors.errors == []


def test_stop_button_follows_status_and_cancels(kb, open_sidebar_for):
    sid = converse(kb.store, "Busy", "q", "a")
    sidebar = open_sidebar_for(kb, min_interval=0.01)
    assert sidebar.stop.layout.display == "none"
    assert "buddy-stop" in sidebar.stop._dom_classes

    cancel = kb.begin_answer()
    kb.store.set_status(sid, "busy")
    wait_for(lambda: sidebar.stop.layout.display != "none", what="the stop button")
    assert not sidebar.stop.disabled
    sidebar.stop.click()
    assert cancel.is_set()
    assert "Stopping" in sidebar.notice.value

    kb.end_answer()
    kb.store.set_status(sid, "idle")
    wait_for(lambda: sidebar.stop.layout.display == "none", what="the stop button to hide")
    assert sidebar.errors.errors == []


def test_stop_stops_a_real_streaming_answer(kb, open_sidebar_for, model):
    """The engine's turn on its own thread; the sidebar's Stop cancels it mid-answer."""
    from buddy_jupyter.ask import Question, ask
    from buddy_jupyter.engine.events import StepStart
    gate, reached = threading.Event(), threading.Event()
    model.answer(StepStart(), "The first half", lambda: (reached.set(), gate.wait(5)), " never shown")
    kb.config.model = "script:test"
    sidebar = open_sidebar_for(kb, min_interval=0.01)
    results = []
    worker = threading.Thread(target=lambda: results.append(ask(kb, Question("Tell me", context=False), show=False)))
    worker.start()
    try:
        assert reached.wait(5)
        wait_for(lambda: sidebar.stop.layout.display != "none", what="the stop button")
        wait_for(lambda: len(sidebar.history.visible_rows) == 1, what="the new session in the list")
        sidebar.history.rows[0].click()
        wait_for(lambda: "The first half" in sidebar.transcript.markdown, what="the partial answer")
        sidebar.stop.click()
    finally:
        gate.set()
        worker.join(10)
    result, _answer = results[0]
    assert result.interrupted
    wait_for(lambda: sidebar.stop.layout.display == "none", what="the stop button to hide")
    wait_for(lambda: "aborted" in sidebar.transcript.markdown.lower() or "stopped" in sidebar.transcript.markdown.lower()
             or "MessageAbortedError" in sidebar.transcript.markdown, what="the stopped answer")
    assert "never shown" not in sidebar.transcript.markdown
    assert sidebar.errors.errors == []


def test_throttle_coalesces_pokes():
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval=0.1)
    for _ in range(200):
        throttle()
        time.sleep(0.001)
    time.sleep(0.25)
    throttle.close()
    assert 2 <= len(calls) <= 6, calls
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert all(gap >= 0.09 for gap in gaps), gaps


def test_closed_sidebar_stops_following(kb, open_sidebar_for):
    sidebar = open_sidebar_for(kb, min_interval=0.01)
    subscribed = lambda: any(getattr(s, "__self__", None) is sidebar for s in kb.store.events._subscribers)  # noqa: E731
    assert subscribed()
    sidebar.close()
    assert not subscribed()  # closing unsubscribes: the store no longer calls the closed panel
    converse(kb.store, "After close", "q", "a")
    time.sleep(0.1)
    assert sidebar.history.visible_rows == []
