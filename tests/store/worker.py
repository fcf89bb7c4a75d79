"""Child processes for the multi-process and crash tests: ``python worker.py COMMAND '[args]'``.

Each command talks to its parent through lines on stdout (a handshake the parent waits for)
and, where it waits for the parent, lines on stdin. Any exception ends the child with a
traceback on stderr and a non-zero exit code, so that no error is lost.
"""

from __future__ import annotations

import json
import os
import sys
import time

EXPECTED_TOKENS = 12


def say(*words: object) -> None:
    print(*words, flush=True)


def tokens_of(label: str, count: int) -> list[str]:
    """The deterministic stream of an answer: the parent knows what each answer must say."""
    return [f"{label}-t{n} " for n in range(count)]


def hold(path: str, seconds: float) -> None:
    """Open the file read-write with plain DuckDB and keep it (seconds < 0: until stdin says so)."""
    import duckdb

    con = duckdb.connect(path)
    con.execute("SELECT 1").fetchall()
    say("HOLDING", os.getpid())
    if seconds < 0:
        sys.stdin.readline()
    else:
        time.sleep(seconds)
    con.close()
    say("RELEASED", time.time())


def connect_plain(path: str) -> None:
    """Open the file with plain DuckDB, as a user's CLI would: fails if anyone holds it."""
    import duckdb

    con = duckdb.connect(path)
    say("OPENED", con.execute("SELECT count(*) FROM session").fetchall()[0][0])
    con.close()


def read_once(path: str) -> None:
    """Open the store read-only through Store (waiting for the lock) and list its sessions."""
    from buddy_jupyter.store import Store  # noqa: F401  (imported before the clock starts)

    say("READY")
    started = time.monotonic()
    store = _store(path, read_only=True, idle_release=0, lock_timeout=15)
    say("READ", store.count_sessions(), round(time.monotonic() - started, 3))


def _store(path: str, **settings):
    from buddy_jupyter.store import Store

    return Store(path, notebook="/course/lesson.ipynb", **settings)


def turn(store, session_id: str, label: str, *, flush_interval: float, tokens: int = EXPECTED_TOKENS,
         pause: float = 0.0) -> None:
    """One whole turn, the way the engine writes it."""
    from buddy_jupyter.schema import ids
    from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
    from buddy_jupyter.schema.parts import (StepFinishPart, TextPart, TimeSpan, Tokens, ToolCompleted, ToolPart,
                                            ToolPending)
    from buddy_jupyter.store import StreamingText

    qid, created = ids.new_id("message")
    store.append_message(UserMessage(id=qid, session_id=session_id, time_created=created),
                         [TextPart(id=ids.new_id("part")[0], session_id=session_id, message_id=qid,
                                   text=f"question {label}")])
    aid, created = ids.new_id("message")
    reply = AssistantMessage(id=aid, session_id=session_id, time_created=created, parent_id=qid,
                             model_id="offline", provider_id="offline")
    store.append_message(reply)
    tool = ToolPart(id=ids.new_id("part")[0], session_id=session_id, message_id=aid, call_id=f"call-{label}",
                    tool="read_variable", state=ToolPending(raw="{}"))
    store.put_part(tool)
    now = ids.epoch_ms()
    store.put_part(tool.model_copy(update={"state": ToolCompleted(input={}, output=f"out {label}",
                                                                   time=TimeSpan(start=now, end=now))}))
    stream = StreamingText(store, TextPart(id=ids.new_id("part")[0], session_id=session_id, message_id=aid),
                           flush_interval=flush_interval)
    for token in tokens_of(label, tokens):
        stream.append(token)
        if pause:
            time.sleep(pause)
    stream.finish()
    usage = Tokens(input=10, output=tokens)
    store.put_part(StepFinishPart(id=ids.new_id("part")[0], session_id=session_id, message_id=aid, tokens=usage))
    store.update_message(reply.model_copy(update={"time_completed": ids.utcnow(), "finish": "stop",
                                                  "tokens": usage, "cost": 0.001}))


def writer(path: str, name: str, turns: int, flush_interval: float, idle_release: float, max_hold: float) -> None:
    store = _store(path, idle_release=idle_release, max_hold=max_hold, lock_timeout=60)
    session = store.create_session(f"writer {name}")
    say("SESSION", session.id)
    started = time.monotonic()
    for k in range(turns):
        turn(store, session.id, f"{name}{k}", flush_interval=flush_interval, pause=0.0005)
    store.close()
    say("DONE", session.id, round(time.monotonic() - started, 2), store.lease.opens)


def reader(path: str, stop_file: str) -> None:
    """Read every session over and over while the writers write; check what it sees is whole."""
    store = _store(path, read_only=True, idle_release=0.02, max_hold=0.3, lock_timeout=60)
    reads = 0
    seen_messages = 0
    say("READING")
    while True:
        stopping = os.path.exists(stop_file)
        for session in store.list_sessions(limit=10):
            history = store.get_messages(session.id)
            seen_messages = max(seen_messages, len(history))
            for item in history:
                if item.info.role == "assistant" and item.info.time_completed is not None:
                    # a completed answer is always whole: text streamed to its end, tool completed
                    label = next(p.state.output for p in item.parts if p.type == "tool")[len("out "):]
                    assert item.text == "".join(tokens_of(label, EXPECTED_TOKENS)), (label, item.text)
                    assert [p.type for p in item.parts] == ["tool", "text", "step-finish"]
        reads += 1
        store.close()
        if stopping:
            break
        time.sleep(0.01)
    say("READS", reads, seen_messages)


def crash_writer(path: str, flush_interval: float, committed_turns: int, max_hold: float) -> None:
    """A few whole turns, then an answer that streams until killed (with a tool still running)."""
    from buddy_jupyter.schema import ids
    from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
    from buddy_jupyter.schema.parts import FilePart, TextPart, TimeSpan, ToolPart, ToolPending, ToolRunning
    from buddy_jupyter.store import StreamingText

    store = _store(path, idle_release=0.05, max_hold=max_hold, lock_timeout=60)
    session = store.create_session("crash")
    say("SESSION", session.id)
    for k in range(committed_turns):
        turn(store, session.id, f"c{k}", flush_interval=flush_interval)
        say("TURN", k)
    qid, created = ids.new_id("message")
    store.append_message(UserMessage(id=qid, session_id=session.id, time_created=created),
                         [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=qid, text="last q")])
    # a large attachment makes checkpoints (on each release) long enough for a kill to land in one
    store.put_part(FilePart(id=ids.new_id("part")[0], session_id=session.id, message_id=qid, mime="text/plain",
                            url="data:," + os.urandom(1_500_000).hex()))
    say("CHECKPOINTING")
    store.close()  # a checkpoint that writes the 3 MB to the database file
    say("CHECKPOINTED")
    aid, created = ids.new_id("message")
    reply = AssistantMessage(id=aid, session_id=session.id, time_created=created, parent_id=qid)
    store.append_message(reply)
    pending = ToolPart(id=ids.new_id("part")[0], session_id=session.id, message_id=aid, call_id="p",
                       tool="search_history", state=ToolPending(raw='{"q": "mer'))
    running = ToolPart(id=ids.new_id("part")[0], session_id=session.id, message_id=aid, call_id="r",
                       tool="read_variable", state=ToolRunning(input={"name": "df"}, time=TimeSpan(start=ids.epoch_ms())))
    store.put_part(pending)
    store.put_part(running)
    say("ANSWER", aid)
    stream = StreamingText(store, TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=aid),
                           flush_interval=flush_interval)
    n = 0
    while True:
        for token in tokens_of("live", n + 1)[n:]:
            flushes = stream.flushes
            stream.append(token)
            if stream.flushes != flushes:
                say("FLUSHED", len(stream.text))
        n += 1
        if n % 40 == 0:
            say("CHECKPOINTING")
            store.close()
        time.sleep(0.005)


def live_writer(path: str, flush_interval: float) -> None:
    """An answer that streams until the parent says 'finish' on stdin."""
    import threading

    from buddy_jupyter.schema import ids
    from buddy_jupyter.schema.messages import AssistantMessage, UserMessage
    from buddy_jupyter.store import StreamingText
    from buddy_jupyter.schema.parts import TextPart

    store = _store(path, idle_release=0.05, max_hold=0.2, lock_timeout=60)
    session = store.create_session("live")
    qid, created = ids.new_id("message")
    store.append_message(UserMessage(id=qid, session_id=session.id, time_created=created))
    aid, created = ids.new_id("message")
    reply = AssistantMessage(id=aid, session_id=session.id, time_created=created, parent_id=qid)
    store.append_message(reply)
    stream = StreamingText(store, TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=aid),
                           flush_interval=flush_interval)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    say("STREAMING", aid)
    n = 0
    while not stop.is_set():
        stream.append(f"w{n} ")
        n += 1
        time.sleep(0.01)
    stream.finish()
    store.update_message(reply.model_copy(update={"time_completed": ids.utcnow(), "finish": "stop"}))
    store.close()
    say("FINISHED", n)


def exit_while_releasing(path: str, idle_release: float) -> None:
    """Exit just as the idle-release timer closes the file (once aborted the process)."""
    import random

    store = _store(path, idle_release=idle_release, max_hold=60)
    store.create_session("x")
    time.sleep(idle_release + random.uniform(-0.01, 0.01))


def streaming_turn(path: str, flush_interval: float, pace: float) -> None:
    """A real ``Turn``: reasoning, a tool call, then text word by word (``pace`` apart) until killed.

    Says ``SHOWN <kind> <text so far>`` each time a delta reaches the kernel (what a learner sees)."""
    from buddy_jupyter.engine.events import ReasoningDelta, StepStart, TextDelta, ToolCall, ToolResult
    from buddy_jupyter.engine.turn import Turn

    class Slow:
        provider_id, model_id = "script", "slow"

        def stream(self, request, cancel):
            yield StepStart()
            for n in range(3):
                yield ReasoningDelta(f"think{n} ")
                time.sleep(pace)
            yield ToolCall("c1", "read_variable", {"name": "df"})
            yield ToolResult("c1", "read_variable", output="df has 3 rows")
            n = 0
            while True:
                yield TextDelta(f"word{n} ")
                n += 1
                time.sleep(pace)

    store = _store(path, idle_release=3.0, max_hold=5.0, lock_timeout=60)
    session = store.create_session("kill me")
    turn = Turn(store, session.id, Slow(), flush_interval=flush_interval)
    user = turn.store_question("why?")
    shown = {"text": "", "reasoning": ""}
    kinds: dict[str, str] = {}

    def follow(event):
        if event.kind == "part.updated" and event.data.type in shown:
            kinds[event.data.id] = event.data.type
        elif event.kind == "part.delta":
            kind = kinds[event.data["part_id"]]
            shown[kind] += event.data["delta"]
            say("SHOWN", kind, json.dumps(shown[kind]))

    store.events.subscribe(follow)
    say("ANSWER", turn.assistant.id)
    import threading

    from buddy_jupyter.engine.events import ModelRequest

    turn.run(user, ModelRequest(prompt="why?"), threading.Event())


COMMANDS = {"streaming-turn": streaming_turn, "exit-while-releasing": exit_while_releasing, "hold": hold, "connect": connect_plain, "read-once": read_once, "writer": writer, "reader": reader,
            "crash-writer": crash_writer, "live-writer": live_writer}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*json.loads(sys.argv[2]))
