"""A learner's or the instructor's process for tests/course/test_processes.py.

    python -m tests.course.worker learner COURSE_FOLDER LEARNER ROUNDS [--withdraw]
    python -m tests.course.worker instructor DATASET STOP_FILE
Prints one JSON line with what it did or saw.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path


def learner(course: Path, name: str, rounds: int, withdraw: bool) -> dict:
    from buddy_jupyter.course import share
    from buddy_jupyter.course.settings import course_settings
    from tests.analytics.timelines import T0, Script, open_store

    notebook = course / "lesson.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    settings = course_settings(notebook)
    consent = share.give_consent(settings, "progress", name)
    store = open_store(course, "lesson")
    script = Script(store)
    session = script.session("practice", ["pandas: groupby"])
    written = []
    for n in range(rounds):
        at = T0 + timedelta(minutes=2 * n)
        script.turn(session, f"question {n}", f"answer {n}", at)
        script.cells((at + timedelta(seconds=30), 800, "KeyError" if n % 2 else "ok"))
        written.append(share.write_snapshot(store, settings, consent, notebook=notebook).rows)
        time.sleep(0.02)
    removed = [str(p) for p in share.withdraw(settings, delete=True)] if withdraw else []
    store.close()
    return {"learner": name, "written": written, "removed": removed}


def instructor(dataset: Path, stop: Path) -> dict:
    from buddy_jupyter.course import instructor as view

    seen: dict[str, int] = {}
    reads, problems = 0, []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = stop.exists()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                overview = view.weekly_overview(dataset)
                for learner, questions in overview.groupby("learner")["questions"].sum().items():
                    seen[learner] = max(seen.get(learner, 0), int(questions))
            except Exception as error:  # noqa: BLE001 - the test wants to know
                problems.append(repr(error))
        problems += [str(w.message) for w in caught]
        reads += 1
        if done:
            break
    return {"reads": reads, "seen": seen, "problems": problems}


if __name__ == "__main__":
    role, *rest = sys.argv[1:]
    if role == "learner":
        out = learner(Path(rest[0]), rest[1], int(rest[2]), "--withdraw" in rest)
    else:
        out = instructor(Path(rest[0]), Path(rest[1]))
    print(json.dumps(out))
