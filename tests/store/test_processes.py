"""Several processes, one store file: real subprocesses, real DuckDB locks (processes share a store by
taking turns holding the file, waiting in line for it)."""

from __future__ import annotations

import time

import pytest

from buddy_jupyter.errors import StoreLocked
from buddy_jupyter.store import Store

from .helpers import rows, spawn, wait_for_line
from .worker import EXPECTED_TOKENS, tokens_of

WRITERS, TURNS = 2, 60


def test_two_writers_and_a_reader_lose_nothing(store, store_path, children, tmp_path):
    store.create_session("made by the parent")  # the file exists before the reader starts
    store.close()
    stop = tmp_path / "stop-reading"
    reader = spawn("reader", str(store_path), str(stop))
    children.append(reader)
    wait_for_line(reader, "READING")
    writers = [spawn("writer", str(store_path), name, TURNS, 0.02, 0.05, 1.0) for name in "AB"[:WRITERS]]
    children.extend(writers)

    done = {}
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err  # no error reached the caller
        session_id = next(line.split()[1] for line in out.splitlines() if line.startswith("SESSION"))
        done[session_id] = next(line for line in out.splitlines() if line.startswith("DONE"))
    stop.write_text("")
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    reads = int(out.split("READS")[1].split()[0])
    assert reads >= 3  # the reader got in while the writers wrote

    # exact counts and texts afterwards, read by plain DuckDB
    for (session_id, name) in zip(done, "AB"):
        assert rows(store_path, "SELECT count(*), sum(CASE WHEN role = 'user' THEN 1 END), "
                                "count(time_completed) FROM message WHERE session_id = ?", [session_id]) \
            == [(2 * TURNS, TURNS, 2 * TURNS)]
        assert rows(store_path, "SELECT count(*), count(DISTINCT id) FROM part WHERE session_id = ?",
                    [session_id]) == [(4 * TURNS, 4 * TURNS)]
    store = Store(store_path, idle_release=0)
    for (session_id, name) in zip(done, "AB"):
        session = store.get_session(session_id)
        assert (session.message_count, session.tokens_output) == (2 * TURNS, TURNS * EXPECTED_TOKENS)
        history = store.get_messages(session_id)
        assert [item.text for item in history] == [
            text for k in range(TURNS)
            for text in (f"question {name}{k}", "".join(tokens_of(f"{name}{k}", EXPECTED_TOKENS)))
        ]
        assert all(item.info.error is None and item.info.owner is None for item in history[1::2])
    assert store.count_sessions() == WRITERS + 1


def test_a_process_holding_the_store_is_named_after_the_timeout(store, store_path, children):
    session = store.create_session("before")
    store.close()
    holder = spawn("hold", str(store_path), -1)
    children.append(holder)
    pid = int(wait_for_line(holder, "HOLDING").split()[1])

    blocked = Store(store_path, idle_release=0, lock_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(StoreLocked) as caught:
        blocked.set_title(session.id, "after")
    waited = time.monotonic() - started
    assert 0.5 <= waited < 3
    assert f"PID {pid}" in str(caught.value) and str(store_path) in str(caught.value)
    assert "lock_timeout" in str(caught.value)  # says what to change
    holder.stdin.write("release\n")
    holder.stdin.flush()
    wait_for_line(holder, "RELEASED")
    assert Store(store_path, idle_release=0).get_session(session.id).title == "before"  # nothing half done


def test_with_a_longer_timeout_the_write_waits_for_the_holder(store, store_path, children):
    session = store.create_session("before")
    store.close()
    holder = spawn("hold", str(store_path), 0.8)
    children.append(holder)
    wait_for_line(holder, "HOLDING")
    waiting = Store(store_path, idle_release=0, lock_timeout=20)
    waiting.set_title(session.id, "after")  # blocks until the holder lets go, then succeeds
    done_at = time.time()
    released_at = float(wait_for_line(holder, "RELEASED").split()[1])
    assert released_at <= done_at
    assert waiting.get_session(session.id).title == "after"


def test_the_lease_lets_go_of_the_file_when_idle(store, store_path, children):
    store.create_session("one")
    store.create_session("two")
    assert store.lease.is_open  # held while in use (idle_release=0.2 in the fixture)
    deadline = time.monotonic() + 5
    while store.lease.is_open and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not store.lease.is_open
    other = spawn("connect", str(store_path))
    children.append(other)
    out, err = other.communicate(timeout=30)
    assert other.returncode == 0, err
    assert out.split() == ["OPENED", "2"]  # plain duckdb.connect, read-write, no retry
    store.create_session("three")  # and the store reopens on demand
    assert store.count_sessions() == 3


def test_a_busy_writer_still_lets_a_reader_in(store, store_path, children):
    """max_hold: a kernel that writes without pause lets go of the file now and then."""
    busy = Store(store_path, idle_release=5, max_hold=0.2, lock_timeout=20)
    session = busy.create_session("busy")
    opens_before = busy.lease.opens
    other = spawn("read-once", str(store_path))
    children.append(other)
    wait_for_line(other, "READY")
    deadline = time.monotonic() + 20
    while other.poll() is None and time.monotonic() < deadline:
        busy.set_title(session.id, f"t{time.monotonic()}")
    out, err = other.communicate(timeout=10)
    assert other.returncode == 0, err
    count, waited = out.split()[1:3]
    assert count == "1"
    assert float(waited) < 1.5  # within a few max_hold, not whenever luck allows (it took 2-11 s)
    assert busy.lease.opens > opens_before


def test_a_kernel_exiting_while_the_file_is_released_exits_cleanly(tmp_path, children):
    """The idle-release timer must not be closing the file while the interpreter finalises
    (that aborted 12 of 40 processes with 'FATAL: exception not rethrown')."""
    procs = [spawn("exit-while-releasing", str(tmp_path / f"s{n}" / "s.duckdb"), 0.05) for n in range(10)]
    children.extend(procs)
    for n, proc in enumerate(procs):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "FATAL" not in err, err
        assert rows(tmp_path / f"s{n}" / "s.duckdb", "SELECT title FROM session") == [("x",)]


def test_a_reader_and_a_writer_in_one_process_take_turns(store, store_path):
    """DuckDB refuses a read-only and a read-write connection to one file in one process (the
    sidebar reading while the kernel writes): each waits for the other, as across processes."""
    session = store.create_session("kernel")  # held read-write for idle_release (0.2 s)
    sidebar = Store(store_path, read_only=True, idle_release=1.0, lock_timeout=10)
    assert [s.id for s in sidebar.list_sessions()] == [session.id]  # waited for the writer's release
    assert sidebar.lease.is_open
    impatient = Store(store_path, idle_release=0, lock_timeout=0.5)
    impatient.set_title(session.id, "x")  # it queues; the idle sidebar sees the queue and lets go at once
    assert impatient.get_session(session.id).title == "x"
    store.set_title(session.id, "renamed")  # a patient writer waits for the reader's release
    assert sidebar.get_session(session.id).title == "renamed"
    with sidebar.lease.connection():  # held in use (not idle): then a short timeout does run out
        with pytest.raises(StoreLocked, match="in this process"):
            impatient.set_title(session.id, "y")
