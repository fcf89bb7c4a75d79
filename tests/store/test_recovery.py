"""Crash recovery: a kernel killed mid-answer (SIGKILL) loses nothing committed, keeps the
partial answer up to its last flush, and the next open marks the answer interrupted (a
conversation never stays "running" after its kernel died). A live writer in another process is
left alone."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest

from buddy_jupyter.schema.messages import MessageAbortedError
from buddy_jupyter.store import Store

from .helpers import answer, question, spawn, wait_for_line
from .worker import EXPECTED_TOKENS, tokens_of

COMMITTED_TURNS = 2
LIVE_TEXT = "".join(tokens_of("live", 5000))


class Lines:
    """Collects a child's stdout lines as they come, with the time each arrived."""

    def __init__(self, proc):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self.changed:
                self.lines.append(line.strip())
                self.changed.notify_all()

    def wait_for(self, prefix: str, timeout: float = 30) -> str:
        with self.changed:
            found = self.changed.wait_for(lambda: any(l.startswith(prefix) for l in self.lines), timeout)
            assert found, f"no {prefix!r} line in {self.lines[-5:]}"
            return next(l for l in self.lines if l.startswith(prefix))

    def all(self, prefix: str) -> list[str]:
        with self.changed:
            return [l for l in self.lines if l.startswith(prefix)]


def kill_mid_answer(store_path, children, when: str | float) -> tuple[Lines, int]:
    proc = spawn("crash-writer", str(store_path), 0.2, COMMITTED_TURNS, 0.3)
    children.append(proc)
    lines = Lines(proc)
    if when == "checkpoint":
        lines.wait_for("CHECKPOINTING")  # the child is closing the file after a 3 MB write
    else:
        lines.wait_for("ANSWER")
        time.sleep(when)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    lines._thread.join(timeout=5)  # all the child said before it died
    return lines, proc.pid


def check_recovered(store_path, lines: Lines, seed: int) -> str:
    session_id = lines.wait_for("SESSION").split()[1]
    store = Store(store_path, notebook="/course/lesson.ipynb", idle_release=0)
    history = store.get_messages(session_id)
    context = f"(seed {seed}; child said {lines.lines[-4:]})"
    # every committed turn is whole
    for k in range(COMMITTED_TURNS):
        question, answer = history[2 * k], history[2 * k + 1]
        assert question.text == f"question c{k}", context
        assert answer.text == "".join(tokens_of(f"c{k}", EXPECTED_TOKENS)), context
        assert answer.info.finish == "stop" and answer.info.error is None, context
    # the question being answered, with its 3 MB attachment
    assert history[2 * COMMITTED_TURNS].text == "last q", context
    if not lines.all("ANSWER"):
        assert len(history) == 2 * COMMITTED_TURNS + 1, context
        (attachment,) = [p for p in history[-1].parts if p.type == "file"]
        assert len(attachment.url) == len("data:,") + 3_000_000, context
        return "killed in the checkpoint" if not lines.all("CHECKPOINTED") else "killed before the answer"
    (attachment,) = [p for p in history[2 * COMMITTED_TURNS].parts if p.type == "file"]
    assert len(attachment.url) == len("data:,") + 3_000_000, context
    assert len(history) == 2 * COMMITTED_TURNS + 2, context
    interrupted = history[-1]
    info = interrupted.info
    assert info.id == lines.wait_for("ANSWER").split()[1], context
    assert info.finish == "aborted" and info.time_completed is not None and info.owner is None, context
    assert isinstance(info.error, MessageAbortedError) and "interrupted" in info.error.message, context
    tools = {p.call_id: p for p in interrupted.parts if p.type == "tool"}
    assert {c: (p.state.status, p.state.error) for c, p in tools.items()} == \
        {"p": ("error", "interrupted"), "r": ("error", "interrupted")}, context
    assert tools["r"].state.input == {"name": "df"}, context
    texts = [p for p in interrupted.parts if p.type == "text"]
    if texts:
        (text,) = texts
        flushed = [int(line.split()[1]) for line in lines.all("FLUSHED")]
        assert LIVE_TEXT.startswith(text.text), context  # up to a flush, never garbled
        assert len(text.text) >= (flushed[-1] if flushed else 0), context  # nothing flushed is lost
        assert text.time.end is not None, context
    assert store.get_session(session_id).message_count == len(history)
    store.close()
    return f"{len(texts[0].text) if texts else 0} chars kept"


def test_a_kernel_killed_mid_answer_at_random_points(store, store_path, children):
    store.create_session("already there")
    store.close()
    seed = int(os.environ.get("BUDDY_TEST_SEED", time.time_ns() % 10**6))
    rng = random.Random(seed)
    moments: list[str | float] = ["checkpoint"] + [rng.uniform(0.0, 0.9) for _ in range(4)]
    outcomes = []
    for when in moments:
        lines, _ = kill_mid_answer(store_path, children, when)
        outcomes.append((when, check_recovered(store_path, lines, seed)))
    # every earlier round is still intact after the later crashes
    store = Store(store_path, idle_release=0)
    assert store.count_sessions() == 1 + len(moments)
    assert not [p for p in store_path.parent.iterdir() if "corrupt" in p.name], outcomes


def test_recovery_leaves_completed_answers_and_extra_fields_alone(store, store_path, children):
    """Only answers still running when their process died are touched, and only what must change."""
    import json

    from .helpers import answer, question

    session = store.create_session()
    user, _ = question(store, session.id)
    done = answer(store, user, "finished")
    dead = spawn("connect", str(store_path))  # any process that has ended: its pid is free
    children.append(dead)
    dead.communicate(timeout=30)
    running = answer(store, user, "half", complete=False, owner=f"{os.uname().nodename}:{dead.pid}")
    with store.transaction() as con:  # a newer version's field on the running answer
        con.execute("UPDATE message SET data = json_merge_patch(data, '{\"future\": [1, 2]}') WHERE id = ?",
                    [running.id])
    store.close()
    again = Store(store_path, idle_release=0)
    history = again.get_messages(session.id)
    assert history[1].info == done
    recovered = history[2].info
    assert recovered.finish == "aborted" and recovered.model_extra == {"future": [1, 2]}
    assert history[2].text == "half"
    with again.connection() as con:
        (data,) = con.execute("SELECT data FROM message WHERE id = ?", [running.id]).fetchall()[0]
    assert json.loads(data)["future"] == [1, 2]


def test_a_live_writer_in_another_process_is_not_interrupted(store, store_path, children):
    store.create_session("first")
    store.close()
    writer = spawn("live-writer", str(store_path), 0.05)
    children.append(writer)
    message_id = wait_for_line(writer, "STREAMING").split()[1]
    time.sleep(0.3)  # a few flushes
    looker = Store(store_path, notebook="/course/lesson.ipynb", idle_release=0, lock_timeout=20)
    running = looker.get_message(message_id)  # the first open ran recovery
    assert running.info.time_completed is None and running.info.error is None and running.info.finish is None
    assert running.info.owner and running.info.owner.endswith(f":{writer.pid}")
    assert running.text.startswith("w0 w1 ")
    looker.close()
    writer.stdin.write("finish\n")
    writer.stdin.flush()
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    words = int(out.split("FINISHED")[1].split()[0])
    final = Store(store_path, idle_release=0).get_message(message_id)
    assert final.info.finish == "stop" and final.info.error is None and final.info.owner is None
    assert final.text == "".join(f"w{n} " for n in range(words))


@pytest.mark.parametrize("owner", [None, "", "other-host:1", "garbage"])
def test_answers_without_a_live_local_owner_are_recovered(store, store_path, owner):
    from .helpers import answer, question

    session = store.create_session()
    user, _ = question(store, session.id)
    reply = answer(store, user, "partial", complete=False)
    with store.transaction() as con:  # as an older version (no owner) or another machine left it
        con.execute("UPDATE message SET data = json_merge_patch(data, ?) WHERE id = ?",
                    [f'{{"owner": {"null" if owner is None else repr(owner).replace(chr(39), chr(34))}}}', reply.id])
    store.close()
    recovered = Store(store_path, idle_release=0).get_message(reply.id).info
    assert recovered.finish == "aborted" and isinstance(recovered.error, MessageAbortedError)
