"""One chat turn as the engine writes it, on a real store: the issue's persistence figure.

Two turns, both from an instant model (so this is the store's cost plus the engine's bookkeeping):

- the issue's turn: the question (user message with its text and the cell snapshot) and the empty
  answer in one commit, then step-start, a streamed reasoning, a 500-token streamed text,
  step-finish and the completed answer with its usage: 2 messages, 6 parts;
- a heavier turn with a tool call: step-start, streamed reasoning, the tool (running ->
  completed), step-finish, step-start, a 500-token streamed text, step-finish: 2 messages, 8 parts.

Each is measured warm and after an idle release (the file closed before the turn).

    .venv/bin/python bench/bench_turn.py [--turns N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from buddy_jupyter.engine.events import StepFinish, ToolCall, ToolResult, Usage
from buddy_jupyter.store import Store

from scripted_turn import SNAPSHOT, ScriptedModel, ask


def instant_model(tool: bool) -> ScriptedModel:
    return ScriptedModel(
        ["Looking for the learner's earlier questions about merges."], [f"word{i} " for i in range(500)],
        StepFinish("stop", Usage(300, 500)),
        tool=(ToolCall("call-1", "search_history", {"query": "merge"}),
              ToolResult("call-1", "search_history", output="- Merging frames: how='left' keeps rows"),
              StepFinish("tool-calls", Usage(120, 12))) if tool else None)


def one_turn(store: Store, session_id: str, tool: bool) -> float:
    started = time.perf_counter()
    ask(store, session_id, instant_model(tool), "Why does my merge drop rows?", context="" if tool else SNAPSHOT)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"{folder}/.buddy/bench.duckdb", idle_release=60, max_hold=3600)
        session = store.create_session("benchmark")
        shapes = {"the issue's turn (2 messages, 6 parts, 500 tokens)": False,
                  "a turn with a tool call (2 messages, 8 parts, 500 tokens)": True}
        for tool in shapes.values():
            for _ in range(3):
                one_turn(store, session.id, tool)
        for _ in range(args.turns):  # round-robin: the machine's noise hits both shapes alike
            for name, tool in shapes.items():
                results.setdefault(f"{name}, warm", []).append(one_turn(store, session.id, tool))
        for _ in range(max(5, args.turns // 4)):
            for name, tool in shapes.items():
                store.close()  # the idle release: the next turn reopens the file
                results.setdefault(f"{name}, after an idle release", []).append(one_turn(store, session.id, tool))
        store.close()
    print(f"{'engine turn':82s} {'median':>9s} {'p90':>9s}  target")
    for name, values in results.items():
        target = 100 if name.endswith("release") else 25
        values = sorted(values)
        median, p90 = statistics.median(values), values[int(len(values) * 0.9) - 1]
        mark = "ok" if median <= target else "MISS"
        print(f"{name:82s} {median:7.1f} ms {p90:7.1f} ms  <= {target} ms {mark}")


if __name__ == "__main__":
    main()
