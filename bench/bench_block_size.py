#!/usr/bin/env python
"""Which block size for the store: the same 1M-part store copied into each candidate, measured in turns.

Run:  .venv/bin/python bench/bench_block_size.py --source PATH/buddy.duckdb   (a big store from bench_store.py,
      e.g. bench/.data/gen1-full-.../buddy.duckdb)  [--rounds N] [--sizes 16384,65536,262144]

The source is copied (``COPY FROM DATABASE``) into one file per block size, all in the store's storage
version (``v1.4.0``), plus one in DuckDB's own default format (``v2.0.0+``, 256 KiB blocks: the stores
before issue 13). Every round then measures each file in turn, in a rotating order, so that the load of
a shared machine falls on all of them alike: the first operation of a fresh ``Store`` (open), the 50
newest sessions, the largest session with its parts, and one chat turn through the real ``Store`` API
(question with 2 parts, answer with 4 parts, 10 updates of the streamed text, the final message update).
Prints medians and each figure relative to the 256 KiB file of the same storage version.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from buddy_jupyter.schema import ids  # noqa: E402
from buddy_jupyter.schema.messages import AssistantMessage, UserMessage  # noqa: E402
from buddy_jupyter.schema.parts import SnapshotPart, StepFinishPart, StepStartPart, TextPart, TimeSpan  # noqa: E402
from buddy_jupyter.store import Store, fileformat  # noqa: E402

MS = 1000.0
# Measure each file as it is: no rewrite into the store's format at open.
fileformat.needs_rewrite = lambda con, size=0: False


def copy(source: Path, target: Path, block: int, version: str | None) -> float:
    for path in (target, Path(str(target) + ".wal")):
        path.unlink(missing_ok=True)
    options = f"BLOCK_SIZE {block}" + (f", STORAGE_VERSION '{version}'" if version else "")
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    con.execute(f"ATTACH '{target}' AS dst ({options})")
    con.execute("COPY FROM DATABASE src TO dst")
    con.execute("DETACH dst")
    con.close()
    return time.perf_counter() - started


def turn(store: Store, session_id: str) -> None:
    q, at = ids.new_id("message")
    store.append_message(UserMessage(id=q, session_id=session_id, time_created=at), [
        TextPart(id=ids.new_id("part")[0], session_id=session_id, message_id=q, text="why does my merge drop rows?"),
        SnapshotPart(id=ids.new_id("part")[0], session_id=session_id, message_id=q, snapshot="df.merge(other)"),
    ])
    a, at = ids.new_id("message")
    answer = AssistantMessage(id=a, session_id=session_id, time_created=at, parent_id=q, model_id="bench")
    text = TextPart(id=ids.new_id("part")[0], session_id=session_id, message_id=a, text="",
                    time=TimeSpan(start=ids.epoch_ms()))
    store.append_message(answer, [StepStartPart(id=ids.new_id("part")[0], session_id=session_id, message_id=a), text])
    for n in range(10):
        text = text.model_copy(update={"text": "An inner join keeps matching keys. " * (n + 1) * 5})
        store.put_part(text)
    store.put_part(StepFinishPart(id=ids.new_id("part")[0], session_id=session_id, message_id=a))
    store.update_message(answer.model_copy(update={"time_completed": ids.utcnow(), "finish": "stop"}))


def statements(path: Path, session_id: str, figures: dict[str, list[float]]) -> None:
    """The scans under the Store's verbs, one by one (no Store): where block size shows."""
    con = duckdb.connect(str(path))
    try:
        last = con.execute("SELECT id, message_id, time_created FROM part ORDER BY rowid DESC LIMIT 1").fetchall()[0]
        for name, sql, params in (
            ("sql: a session's parts", "SELECT id, session_id, message_id, data::VARCHAR FROM part WHERE session_id = ?"
             " ORDER BY time_created, seq, id", [session_id]),
            ("sql: update a recent part by id alone", "UPDATE part SET time_updated = now() WHERE id = ?", [last[0]]),
            ("sql: ... by time and id (the Store's)", "UPDATE part SET time_updated = now() WHERE time_created = ?"
             " AND id = ?", [last[2], last[0]]),
            ("sql: a message's last part seq", "SELECT coalesce(max(seq), 0) FROM part WHERE message_id = ?", [last[1]]),
        ):
            started = time.perf_counter()
            con.execute(sql, params).fetchall()
            figures.setdefault(name, []).append(time.perf_counter() - started)
    finally:
        con.close()


def measure(path: Path, session_id: str, figures: dict[str, list[float]], store: Store) -> None:
    """One round on one file: the statements alone, a fresh Store's first reads, and on ``store`` (kept open
    across rounds, as a kernel keeps its store) a session's load and a turn."""
    store.list_sessions(limit=1)  # open (not measured here)
    started = time.perf_counter()
    store.get_messages(session_id)
    figures.setdefault("load the largest session", []).append(time.perf_counter() - started)
    for _ in range(3):
        started = time.perf_counter()
        turn(store, session_id)
        figures.setdefault("one turn, warm", []).append(time.perf_counter() - started)
    store.close()  # this process may hold a file once: let the connections below in
    statements(path, session_id, figures)
    started = time.perf_counter()
    fresh = Store(path, idle_release=60, max_hold=600)
    fresh.list_sessions(limit=1)
    figures.setdefault("open + first list", []).append(time.perf_counter() - started)
    started = time.perf_counter()
    fresh.list_sessions(limit=50)
    figures.setdefault("list 50 newest", []).append(time.perf_counter() - started)
    fresh.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="16384,65536,262144")
    parser.add_argument("--work", type=Path, default=None, help="folder for the copies (default: a temp folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="buddy-blocks-"))
    work.mkdir(parents=True, exist_ok=True)
    variants = [(f"{int(b) // 1024} KiB, {fileformat.STORAGE_VERSION}", int(b), fileformat.STORAGE_VERSION)
                for b in args.sizes.split(",")]
    variants.append(("256 KiB, v2.0.0+ (before)", 262144, None))
    files = {}
    for name, block, version in variants:
        target = work / f"store-{block}-{version or 'latest'}.duckdb"
        seconds = copy(args.source, target, block, version)
        files[name] = target
        print(f"copied into {name}: {target.stat().st_size / 2**20:,.0f} MiB in {seconds:.0f} s", flush=True)
    con = duckdb.connect(str(args.source), read_only=True)
    session_id, parts = con.execute(
        "SELECT session_id, count(*) FROM part GROUP BY session_id ORDER BY 2 DESC LIMIT 1").fetchall()[0]
    con.close()
    print(f"largest session: {session_id} ({parts:,} parts)", flush=True)
    results = {name: {} for name in files}
    names = list(files)
    stores = {name: Store(files[name], idle_release=600, max_hold=6000) for name in names}
    for store in stores.values():
        turn(store, session_id)  # the write path's caches, as in a kernel that has answered once
    for round_ in range(args.rounds):
        order = names[round_ % len(names):] + names[: round_ % len(names)]
        for name in order:
            figures = results[name]
            measure(files[name], session_id, figures, stores[name])
        print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    for store in stores.values():
        store.close()
    base = f"256 KiB, {fileformat.STORAGE_VERSION}"
    print("\nmedians (ms), and against 256 KiB blocks of the same storage version:")
    keys = list(next(iter(results.values())))
    print(f"{'':34}" + "".join(f"{name:>28}" for name in results))
    for key in keys:
        cells = []
        for name, figures in results.items():
            value = statistics.median(figures[key]) * MS
            ref = statistics.median(results[base][key]) * MS if base in results else value
            cells.append(f"{value:9.1f} ({(value / ref - 1) * 100:+5.0f}%)")
        print(f"{key:34}" + "".join(f"{c:>28}" for c in cells))
    print(f"{'file MiB':34}" + "".join(f"{files[name].stat().st_size / 2**20:>28,.0f}" for name in results))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
