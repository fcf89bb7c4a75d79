"""Kernels sharing one store: 3 writers x N questions, a reader, and --all now and then (issue 10).

Each writer is a process doing what a kernel does per question (the question and an empty answer
in one commit, a reasoning part, a tool call, a streamed text flushed at the flush interval, the
finish), with a pause between questions. A reader process lists the sessions and reads one
session over and over (the sidebar, or %buddy sessions in another kernel); a third kind of
process attaches the folder's stores like ``%buddy sql --all`` every few seconds. Reports the
longest and p95 wait for the store per writer (time spent opening it, queue included), questions
lost or failed, the reader's latency, and whether --all ever left the notebook out.

    .venv/bin/python bench/bench_sharing.py --questions 200
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _timed_connects(store) -> list[float]:
    """Wrap the store's lease so every open (waits included) is timed."""
    waits: list[float] = []
    lease = store.lease
    connect = lease._connect

    def timed():
        started = time.monotonic()
        try:
            return connect()
        finally:
            waits.append(time.monotonic() - started)

    lease._connect = timed
    return waits


def writer(path: str, name: str, questions: int, pause: float, tokens: int, pace: float) -> None:
    import threading

    from buddy_jupyter.engine.events import ModelRequest, ReasoningDelta, StepFinish, StepStart, TextDelta, ToolCall
    from buddy_jupyter.engine.events import ToolResult, Usage
    from buddy_jupyter.engine.turn import Turn
    from buddy_jupyter.store import Store

    class Model:
        provider_id, model_id = "bench", "paced"

        def stream(self, request, cancel):
            yield StepStart()
            yield ReasoningDelta("thinking ")
            yield ToolCall("c", "read_variable", {"name": "df"})
            yield ToolResult("c", "read_variable", output="3 rows")
            for n in range(tokens):
                yield TextDelta(f"w{n} ")
                time.sleep(pace)
            yield StepFinish(usage=Usage(10, tokens))

    store = Store(path, notebook=str(Path(path).parent.parent / "lesson.ipynb"), idle_release=3.0, max_hold=5.0,
                  lock_timeout=30.0)
    waits = _timed_connects(store)
    failed = 0
    session = None
    while session is None:
        try:
            session = store.create_session(f"kernel {name}")
        except Exception as error:
            failed += 1
            print("FAILED", name, "session", type(error).__name__, str(error)[:200], file=sys.stderr, flush=True)
    started = time.monotonic()
    for k in range(questions):
        try:
            turn = Turn(store, session.id, Model(), flush_interval=1.0)
            user = turn.store_question(f"{name} question {k}")
            turn.run(user, ModelRequest(prompt="q"), threading.Event())
        except Exception as error:  # counted: the point is that there are none
            failed += 1
            print("FAILED", name, k, type(error).__name__, str(error)[:200], file=sys.stderr, flush=True)
        time.sleep(pause)
    store.close()
    print(json.dumps({"writer": name, "session": session.id, "failed": failed, "waits": waits,
                      "seconds": time.monotonic() - started}), flush=True)


def reader(path: str, stop: str) -> None:
    from buddy_jupyter.store import Store

    store = Store(path, read_only=True, idle_release=0.5, max_hold=1.0, lock_timeout=30.0)
    latencies = []
    while not os.path.exists(stop):
        started = time.monotonic()
        sessions = store.list_sessions(limit=10)
        if sessions:
            store.get_messages(sessions[0].id)
        latencies.append(time.monotonic() - started)
        time.sleep(0.2)
    print(json.dumps({"reader": latencies}), flush=True)


def every(root: str, stop: str, interval: float) -> None:
    import warnings

    from buddy_jupyter.analytics.history import list_stores, open_history

    runs, left_out, durations = 0, 0, []
    while not os.path.exists(stop):
        started = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_history(list_stores(root), lock_wait=30.0) as history:
                left_out += len(history.skipped)
        durations.append(time.monotonic() - started)
        runs += 1
        time.sleep(interval)
    print(json.dumps({"all_runs": runs, "all_left_out": left_out, "all_durations": durations}), flush=True)


def _child(*args: object) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, __file__, *map(str, args)], stdout=subprocess.PIPE, text=True, env=env)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=int, default=3)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between a kernel's questions")
    parser.add_argument("--tokens", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.005, help="seconds per streamed token")
    parser.add_argument("--all-every", type=float, default=3.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "course"
        path = folder / ".buddy" / "lesson.duckdb"
        path.parent.mkdir(parents=True)
        from buddy_jupyter.store import Store

        first = Store(path, notebook=str(folder / "lesson.ipynb"), idle_release=0)
        first.create_session("before")
        first.close()
        stop = Path(tmp) / "stop"
        watchers = [_child("reader", path, stop), _child("every", folder.parent, stop, args.all_every)]
        started = time.monotonic()
        writers = [_child("writer", path, f"k{n}", args.questions, args.pause, args.tokens, args.pace)
                   for n in range(args.kernels)]
        results = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in writers]
        elapsed = time.monotonic() - started
        stop.write_text("")
        watched = {}
        for w in watchers:
            watched.update(json.loads(w.communicate()[0].strip().splitlines()[-1]))

        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            stored = dict(con.execute(
                "SELECT session_id, count(*) FILTER (WHERE role = 'user') FROM message GROUP BY ALL").fetchall())
            unfinished = con.execute("SELECT count(*) FROM message WHERE role = 'assistant' AND "
                                     "(time_completed IS NULL OR finish <> 'stop')").fetchall()[0][0]
    print(f"{args.kernels} kernels x {args.questions} questions + a reader + --all every {args.all_every:g} s: "
          f"{elapsed:.1f} s")
    for r in results:
        lost = args.questions - stored.get(r["session"], 0)
        print(f"  {r['writer']}: {stored.get(r['session'], 0)} stored, {lost} lost, {r['failed']} failed; "
              f"store waits: {len(r['waits'])} opens, p95 {_pct(r['waits'], 0.95):.2f} s, "
              f"longest {max(r['waits'], default=0):.2f} s")
    print(f"  answers not finished cleanly: {unfinished}")
    reads = watched["reader"]
    print(f"  reader: {len(reads)} reads, median {statistics.median(reads):.3f} s, p95 {_pct(reads, 0.95):.3f} s, "
          f"longest {max(reads):.2f} s")
    print(f"  --all: {watched['all_runs']} runs, notebook left out {watched['all_left_out']} times, "
          f"longest {max(watched['all_durations'], default=0):.2f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("writer", "reader", "every"):
        command, raw = sys.argv[1], sys.argv[2:]
        if command == "writer":
            writer(raw[0], raw[1], int(raw[2]), float(raw[3]), int(raw[4]), float(raw[5]))
        elif command == "reader":
            reader(raw[0], raw[1])
        else:
            every(raw[0], raw[1], float(raw[2]))
    else:
        main()
