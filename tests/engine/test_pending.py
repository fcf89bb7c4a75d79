"""A question asked while another program holds the store is kept, answered, and written later."""

from __future__ import annotations

import subprocess
import sys
import time

from buddy_jupyter.magics import kernel_buddy

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def hold(path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def release(holder):
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(10)


def texts(store, session_id):
    return [m.text for m in store.get_messages(session_id)]


def test_a_question_during_a_long_hold_is_answered_kept_and_written_at_the_next_chance(shell, capsys):
    kb = kernel_buddy(shell)
    assert shell.run_cell("%buddy What is a tuple?").success
    session_id = kb.current_session_id
    kb.store.close()  # let the other program in
    kb.config.lock_timeout = 0.5
    kb.store.lease.lock_timeout = 0.5
    holder = hold(kb.store_path)
    try:
        started = time.monotonic()
        result = shell.run_cell("%buddy What is a list comprehension?")
        assert result.success, result.error_in_exec
        out = capsys.readouterr().out
        assert "kept and written to the notebook's store at the next chance" in out
        assert "comprehension" in out.lower()
        assert time.monotonic() - started < 20
        assert kb.pending.waiting
    finally:
        release(holder)
    assert shell.run_cell("%buddy And a dict comprehension?").success
    assert not kb.pending.waiting
    kept = texts(kb.store, session_id)
    assert kept[0] == "What is a tuple?" and kept[2] == "What is a list comprehension?"
    assert kept[4] == "And a dict comprehension?" and len(kept) == 6
    assert "comprehension" in kept[3].lower()


def test_kept_turns_are_written_at_exit_and_copying_twice_adds_nothing(shell):
    kb = kernel_buddy(shell)
    assert shell.run_cell("%buddy new").success  # the store exists, and no session is current
    kb.store.close()
    kb.config.lock_timeout = 0.5
    kb.store.lease.lock_timeout = 0.5
    holder = hold(kb.store_path)
    try:
        assert shell.run_cell("%buddy What is a set?").success
    finally:
        release(holder)
    pending_store = kb.pending.store()
    [session] = pending_store.list_sessions()
    messages = pending_store.get_messages(session.id)
    kb.pending._at_exit()  # what atexit runs when the kernel stops
    assert not kb.pending.waiting
    assert texts(kb.store, session.id)[0] == "What is a set?"
    assert kb.store.import_session(session, messages) == 0  # by id: a second copy adds nothing
