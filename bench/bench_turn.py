"""One chat turn as the engine writes it, on a real store: the issue's persistence figure.

The turn: the question (user message + text part) and the empty answer in one commit, then
step-start, streamed reasoning, a tool call (running -> completed), step-finish, step-start,
a 500-token streamed text, step-finish, and the completed answer with its usage. The model is
instant, so this is the store's cost plus the engine's bookkeeping.

    .venv/bin/python bench/bench_turn.py [--turns N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time

from buddy_jupyter.engine.events import (
    ModelRequest, ReasoningDelta, StepFinish, StepStart, TextDelta, ToolCall, ToolResult, Usage,
)
from buddy_jupyter.engine.turn import Turn
from buddy_jupyter.store import Store


class InstantModel:
    provider_id, model_id = "bench", "instant"

    def stream(self, request, cancel):
        yield StepStart()
        yield ReasoningDelta("Looking for the learner's earlier questions about merges.")
        yield ToolCall("call-1", "search_history", {"query": "merge"})
        yield ToolResult("call-1", "search_history", output="- Merging frames: how='left' keeps rows")
        yield StepFinish("tool-calls", Usage(120, 12))
        yield StepStart()
        for i in range(500):
            yield TextDelta(f"word{i} ")
        yield StepFinish("stop", Usage(300, 500))


def one_turn(store: Store, session_id: str) -> float:
    started = time.perf_counter()
    turn = Turn(store, session_id, InstantModel())
    user = turn.store_question("Why does my merge drop rows?")
    turn.run(user, ModelRequest(prompt="Why does my merge drop rows?"), threading.Event())
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"{folder}/.buddy/bench.duckdb", idle_release=60, max_hold=3600)
        session = store.create_session("benchmark")
        for _ in range(3):
            one_turn(store, session.id)
        warm = [one_turn(store, session.id) for _ in range(args.turns)]
        released = []
        for _ in range(max(5, args.turns // 4)):
            store.close()  # the idle release: the next turn reopens the file
            released.append(one_turn(store, session.id))
        store.close()
    print(f"{'figure':58s} {'median':>9s} {'p90':>9s}  target")
    for name, values, target in (("engine turn, warm (2 messages, 8 parts, 500 tokens)", warm, 25),
                                  ("engine turn after an idle release", released, 100)):
        values = sorted(values)
        median, p90 = statistics.median(values), values[int(len(values) * 0.9) - 1]
        mark = "ok" if median <= target else "MISS"
        print(f"{name:58s} {median:7.1f} ms {p90:7.1f} ms  <= {target} ms {mark}")


if __name__ == "__main__":
    main()
