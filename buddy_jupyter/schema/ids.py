"""Ids and the clock they are minted from.

OpenCode packed milliseconds x 4096 into 48 bits and its ids wrapped in 2026;
ULIDs minted in one millisecond can sort out of order. Here one clock read
gives both a row's ``time_created`` and its id: the time is in microseconds and
strictly increasing within a process, and the id carries that time as 14 base32
digits (good until the year 20,000+) plus randomness for cross-process
uniqueness. Rows are ordered by (time_created, seq) and the id only breaks ties.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_TIME_DIGITS = 14  # 70 bits of microseconds: no wrap for 37 million years
_RANDOM_DIGITS = 10

PREFIXES = {"project": "prj", "session": "ses", "message": "msg", "part": "prt", "memory": "mem", "activity": "act"}

_EPOCH = datetime(1970, 1, 1)
_lock = threading.Lock()
_last_us = 0


def now_us() -> int:
    """Microseconds since the epoch, strictly increasing within this process."""
    global _last_us
    with _lock:
        current = time.time_ns() // 1000
        _last_us = current if current > _last_us else _last_us + 1
        return _last_us


def _base32(value: int, digits: int) -> str:
    out = []
    for _ in range(digits):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def make_id(kind: str, us: int) -> str:
    """An id for ``kind`` (project, session, message, part, memory) at time ``us``."""
    rand = int.from_bytes(os.urandom(7), "big")
    return f"{PREFIXES[kind]}_{_base32(us, _TIME_DIGITS)}{_base32(rand, _RANDOM_DIGITS)}"


def new_id(kind: str) -> tuple[str, datetime]:
    """One clock read: the id and the matching naive-UTC creation time."""
    us = now_us()
    return make_id(kind, us), from_us(us)


def from_us(us: int) -> datetime:
    """Naive UTC datetime (what the store's TIMESTAMP columns hold)."""
    return _EPOCH + timedelta(microseconds=us)


def utcnow() -> datetime:
    return from_us(now_us())


def epoch_ms(moment: datetime | None = None) -> int:
    """Milliseconds since the epoch, the unit of times inside part JSON."""
    if moment is None:
        return now_us() // 1000
    return (moment.replace(tzinfo=None) - _EPOCH) // timedelta(milliseconds=1)


def time_of(an_id: str) -> datetime:
    """The creation time carried by an id made with ``make_id``."""
    _, _, rest = an_id.partition("_")
    digits = rest[:_TIME_DIGITS]
    if len(digits) != _TIME_DIGITS or any(char not in _ALPHABET for char in digits):
        raise ValueError(f"{an_id!r} does not carry a time")
    value = 0
    for char in digits:
        value = value * 32 + _ALPHABET.index(char)
    return from_us(value)
