"""SIGKILL mid-answer keeps the words already shown (issue 10): the first text of an answer is
written as soon as it streams, not a flush interval later; reasoning and tool parts likewise.
A real ``Turn`` in a child process, killed for real at several points of its first second."""

from __future__ import annotations

import json
import signal
import time

import pytest

from buddy_jupyter.store import Store

from .helpers import spawn, wait_for_line


def read_shown(proc, kind: str, until: float) -> str:
    """The last ``SHOWN kind`` text the child printed before ``until`` (monotonic)."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    shown = ""
    while time.monotonic() < until:
        if not selector.select(timeout=max(0, until - time.monotonic())):
            break
        line = proc.stdout.readline()
        if line.startswith(f"SHOWN {kind} "):
            shown = json.loads(line.split(" ", 2)[2])
    return shown


@pytest.mark.parametrize("after_first_word", [0.0, 0.05, 0.3, 0.7])
def test_a_kill_within_the_first_second_keeps_the_words_shown(tmp_path, children, after_first_word):
    path = tmp_path / ".buddy" / "lesson.duckdb"
    proc = spawn("streaming-turn", str(path), 1.0, 0.04)  # a word every 40 ms, a flush every second
    children.append(proc)
    answer_id = wait_for_line(proc, "ANSWER").split()[1]
    first = wait_for_line(proc, "SHOWN text")
    shown = json.loads(first.split(" ", 2)[2])
    if after_first_word:
        shown = read_shown(proc, "text", time.monotonic() + after_first_word) or shown
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    store = Store(path, notebook=str(tmp_path / "lesson.ipynb"), idle_release=0)
    answer = store.get_message(answer_id)
    assert answer.info.finish == "aborted" and answer.info.error is not None  # recovered at open
    by_type = {}
    for part in answer.parts:
        by_type.setdefault(part.type, []).append(part)
    (text,) = by_type["text"]
    assert text.text.startswith("word0 ")  # the first word shown is never lost
    assert shown.startswith(text.text)  # what is stored was shown, in order
    # at most one flush interval (25 words at this pace) behind what was shown
    assert len(shown.split()) - len(text.text.split()) <= 26
    (reasoning,) = by_type["reasoning"]
    assert reasoning.text == "think0 think1 think2 "
    (tool,) = by_type["tool"]
    assert tool.state.status == "completed" and tool.state.output == "df has 3 rows"
    store.close()
