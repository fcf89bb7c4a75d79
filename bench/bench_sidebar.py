"""How long the history sidebar takes to open on a store with 1,000 sessions.

Measures, in Python (no browser), from the call ``BuddySidebar(kernel_buddy)``
to the widget tree built with the first page listed (time spent per session
included). The store is built once under ``bench/.data`` (gitignored) through
the Store API. Prints the median of several runs; target: 300 ms.

    .venv/bin/python bench/bench_sidebar.py [--sessions 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.modules.setdefault("rfc3987_syntax", None)

TARGET_MS = 300.0


def build(folder: Path, sessions: int) -> Path:
    """A notebook folder whose store holds ``sessions`` conversations of two messages each."""
    from buddy_jupyter.schema import AssistantMessage, TextPart, Tokens, UserMessage, new_id
    from buddy_jupyter.store import Store

    notebook = folder / "course.ipynb"
    store_file = folder / ".buddy" / "course.duckdb"
    marker = folder / f".built-{sessions}"
    if marker.exists() and store_file.exists():
        return notebook
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    notebook.write_text("{}")
    store = Store(store_file, notebook=str(notebook))
    topics = ["list comprehensions", "pandas groupby", "numpy broadcasting", "f-strings", "exceptions"]
    with store.transaction():
        for i in range(sessions):
            session = store.create_session(f"Question {i} about {topics[i % len(topics)]}")
            qid, asked = new_id("message")
            store.append_message(UserMessage(id=qid, session_id=session.id, time_created=asked), [
                TextPart(id=new_id("part")[0], session_id=session.id, message_id=qid,
                         text=f"How do {topics[i % len(topics)]} work? ({i})")])
            aid, answered = new_id("message")
            store.append_message(AssistantMessage(
                id=aid, session_id=session.id, time_created=answered, time_completed=answered, parent_id=qid,
                provider_id="offline", model_id="buddy", tokens=Tokens(input=40, output=120)), [
                TextPart(id=new_id("part")[0], session_id=session.id, message_id=aid,
                         text=f"Here is how {topics[i % len(topics)]} work, step by step. " * 5)])
    store.close()
    marker.write_text("ok")
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    notebook = build(HERE / ".data" / f"sidebar-{args.sessions}", args.sessions)
    print(f"store ready in {time.perf_counter() - started:.1f} s: {notebook.parent / '.buddy'}")

    from buddy_jupyter.config import Buddy
    from buddy_jupyter.state import KernelBuddy

    kb = KernelBuddy(Buddy(), user_ns={"__session__": str(notebook)})
    assert kb.store.count_sessions() == args.sessions

    started = time.perf_counter()
    from buddy_jupyter.sidebar.panel import BuddySidebar

    first = BuddySidebar(kb)
    cold = (time.perf_counter() - started) * 1000
    assert not first.errors.errors, first.errors.errors
    first.close()

    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        sidebar = BuddySidebar(kb)
        times.append((time.perf_counter() - started) * 1000)
        assert len(sidebar.history.visible_rows) == sidebar.history.page_size, "the first page is not full"
        assert not sidebar.errors.errors, sidebar.errors.errors
        sidebar.close()
    page_times = []
    sidebar = BuddySidebar(kb)
    for offset in (25, 500, 975):
        started = time.perf_counter()
        sidebar.history.go(offset)
        page_times.append((time.perf_counter() - started) * 1000)
    sidebar.close()

    median = statistics.median(times)
    print(f"open sidebar, {args.sessions:,} sessions: median {median:.0f} ms over {args.runs} runs "
          f"(min {min(times):.0f}, max {max(times):.0f}); first open incl. imports {cold:.0f} ms; "
          f"turning a page {statistics.median(page_times):.0f} ms; target {TARGET_MS:.0f} ms: "
          f"{'OK' if median <= TARGET_MS else 'SLOW'}")


if __name__ == "__main__":
    main()
