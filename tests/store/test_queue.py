"""Taking turns at a store file (store/queue.py): waiters are served in order, a process that is
gone leaves no ticket behind, and a holder lets a queued process in at once."""

from __future__ import annotations

import subprocess
import sys
import time

from buddy_jupyter.store import Store
from buddy_jupyter.store.queue import WaitingRoom

from .helpers import spawn, wait_for_line


def test_tickets_are_served_in_order(tmp_path):
    room = WaitingRoom(tmp_path / "s.duckdb")
    assert not room.others_waiting() and room.waiting() == []
    first = room.join()
    second = room.join()
    assert room.waiting() == [first, second]
    assert room.is_first(first) and not room.is_first(second) and room.ahead_of(second) == 1
    assert room.others_waiting(first)  # the second one waits
    room.leave(first)
    assert room.is_first(second) and not room.others_waiting(second)
    room.leave(second)
    assert room.waiting() == []


def test_a_ticket_of_a_process_that_is_gone_is_dropped(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    room = WaitingRoom(tmp_path / "s.duckdb")
    room.folder.mkdir()
    (room.folder / f"{1:020d}-{pid}-deadbeef").touch()  # first in line, but its process died
    mine = room.join()
    assert room.waiting() == [mine] and room.is_first(mine)
    assert not (room.folder / f"{1:020d}-{pid}-deadbeef").exists()
    room.leave(mine)


def test_an_idle_holder_lets_a_queued_reader_in_at_once(store_path, children):
    holder = Store(store_path, idle_release=30, max_hold=60, lock_timeout=20)
    holder.create_session("held")  # kept open: idle for up to 30 s without the queue
    assert holder.lease.is_open
    other = spawn("read-once", str(store_path))
    children.append(other)
    wait_for_line(other, "READY")
    out, err = other.communicate(timeout=30)
    assert other.returncode == 0, err
    count, waited = out.split()[1:3]
    assert count == "1" and float(waited) < 2.0  # it queued; the holder saw it within 50 ms
    deadline = time.monotonic() + 5
    while holder.lease.is_open and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not holder.lease.is_open
    holder.create_session("again")  # and takes the file back on demand
    assert holder.count_sessions() == 2
    assert WaitingRoom(store_path).waiting() == []  # no ticket left behind
