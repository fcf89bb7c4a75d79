"""Taking turns at a store file: a waiting room beside it, served in order.

DuckDB lets one process hold a file, and a process that wants it can only try
again and again; with several kernels polling at random, one could wait a long
time while others got in many times. So a process that finds the file held takes a
ticket: an empty file in ``<store>.queue/`` named by the time it arrived and its
pid. Only the first live ticket tries to open the store; the others wait their
turn. A holder that sees tickets lets go after its current operation (and, to
take the file back, queues behind them), so every waiter gets in within about
one operation of each process ahead of it. Tickets of processes that are gone
are removed by whoever finds them.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

SUFFIX = ".queue"


class WaitingRoom:
    """The queue of processes waiting for one store file."""

    def __init__(self, store_path: Path):
        self.folder = Path(store_path).with_name(Path(store_path).name + SUFFIX)
        self.pid = os.getpid()

    def join(self) -> str:
        """Take a ticket (behind everyone already waiting); returns its name."""
        try:
            self.folder.mkdir(exist_ok=True)
        except OSError:
            return ""  # an unwritable folder: no queue, plain retries as before
        name = f"{time.time_ns():020d}-{self.pid}-{secrets.token_hex(4)}"
        try:
            (self.folder / name).touch(exist_ok=False)
        except OSError:
            return ""
        return name

    def leave(self, ticket: str) -> None:
        if ticket:
            try:
                (self.folder / ticket).unlink()
            except FileNotFoundError:
                pass

    def waiting(self) -> list[str]:
        """Live tickets, first come first; tickets of processes that are gone are removed."""
        try:
            names = sorted(os.listdir(self.folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        live = []
        for name in names:
            pid = _pid_of(name)
            if pid is None:
                continue
            if pid != self.pid and not process_alive(pid):
                self.leave(name)
                continue
            live.append(name)
        return live

    def others_waiting(self, ticket: str = "") -> bool:
        """Someone else holds a ticket (a holder then lets go after its operation)."""
        try:
            names = os.listdir(self.folder)  # the common case: no folder, or an empty one (cheap)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return any(name != ticket for name in self.waiting()) if names else False

    def is_first(self, ticket: str) -> bool:
        if not ticket:
            return True
        waiting = self.waiting()
        return not waiting or waiting[0] == ticket or ticket not in waiting

    def ahead_of(self, ticket: str) -> int:
        waiting = self.waiting()
        return waiting.index(ticket) if ticket in waiting else 0


def _pid_of(name: str) -> int | None:
    parts = name.split("-")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def process_alive(pid: int) -> bool:
    """A process of this machine is running with ``pid`` (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
