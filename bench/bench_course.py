#!/usr/bin/env python
"""Course benchmark: the instructor's weekly overview over a class, and a learner's snapshot at shutdown.

Run:  .venv/bin/python bench/bench_course.py            (data cached in bench/.data/course-*)
      options: --runs N (default 5), --learners N (default 500), --notebooks N (default 20), --rebuild

Data (deterministic):
  * the class: ``buddy_jupyter.course.sample.generate_class``: 500 learners x 20 notebooks of generated
    history as their kernels share it at the ``progress`` level, one ``learner=<id>/snapshot.parquet`` each
    (study rows per notebook, day and topic, one session row per conversation): ~42,000 rows, 500 files;
  * one learner's notebook: a real store (migrations, the Store API) with 40 conversations, 400 questions and
    answers and 2,000 cell runs over ten weeks, whose learner folder already holds 19 other notebooks' rows.

Figures (median of --runs):
  1. the weekly overview, ``instructor.weekly_overview(dataset)``: list and check every learner's file
     (symlinks, size; the Parquet schema of files new or changed since this process last checked them),
     then one DuckDB query; target <= 2 s. Once with every schema checked (a new process), once repeated;
     the other views beside it.
  2. the snapshot a kernel writes at shutdown (``Sharer.at_exit``: the watermark, this notebook's rows
     computed from the store, merged with the other notebooks' rows, written to a temporary file and
     renamed), after one new question each run; target <= 200 ms. At both levels.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from buddy_jupyter.course import instructor, share  # noqa: E402
from buddy_jupyter.course.sample import generate_class  # noqa: E402
from buddy_jupyter.course.settings import course_settings  # noqa: E402
from tests.analytics.timelines import Script, open_store  # noqa: E402  (the Store API at chosen times)

VERSION = f"course-v1-duckdb{duckdb.__version__}"
DATA = ROOT / "bench" / ".data"
T0 = datetime(2026, 9, 7, 9, 0)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f})"


def build_class(learners: int, notebooks: int, rebuild: bool) -> Path:
    dataset = DATA / f"{VERSION}-class-{learners}x{notebooks}" / "data-101" / "buddy"
    if rebuild and dataset.exists():
        shutil.rmtree(dataset.parents[1])
    if not dataset.exists():
        t0 = time.perf_counter()
        generate_class(dataset, learners=learners, notebooks=notebooks)
        print(f"generated {learners} learners x {notebooks} notebooks in {time.perf_counter() - t0:.1f} s")
    return dataset


def bench_overview(dataset: Path, runs: int) -> dict[str, list[float]]:
    def first_read(d):  # as in a new process: every file's schema checked again
        instructor._CHECKED.clear()
        return instructor.weekly_overview(d)

    views = {
        "weekly_overview (files checked)": first_read,
        "weekly_overview": instructor.weekly_overview,
        "struggles": instructor.struggles,
        "error_kinds": instructor.error_kinds,
        "inactive": lambda d: instructor.inactive(d, days=14),
        "curriculum": lambda d: instructor.curriculum(d, ["python basics", "pandas groupby", "merging data frames"]),
    }
    instructor.weekly_overview(dataset)  # imports and the reference schema: once per process
    times: dict[str, list[float]] = {name: [] for name in views}
    for _ in range(runs):
        for name, view in views.items():
            t0, c0 = time.perf_counter(), time.process_time()
            frame = view(dataset)
            times[name].append(time.perf_counter() - t0)
            times.setdefault(name + ", CPU", []).append(time.process_time() - c0)
            assert len(frame), name
    return times


def build_learner(work: Path) -> tuple[Path, Path]:
    """A course folder with one big notebook store; returns (course folder, notebook)."""
    course = work / "data-101"
    course.mkdir(parents=True)
    (course / "buddy-course.toml").write_text(f'[course]\nname = "data-101"\nexchange = "{work / "exchange"}"\n')
    notebook = course / "week05" / "lesson09.ipynb"
    notebook.parent.mkdir()
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    store = open_store(notebook.parent, notebook.stem)
    script = Script(store)
    topics = ["pandas: groupby", "pandas: merge/join", "plotting", "functions"]
    for s in range(40):
        day = T0 + timedelta(days=s * 70 // 40)
        session = script.session(f"conversation {s}", [topics[s % 4]])
        for q in range(10):
            at = day + timedelta(minutes=6 * q)
            script.turn(session, f"question {s}.{q} about {topics[s % 4]}", "an answer of a few lines " * 20, at)
            script.cells(*[(at + timedelta(seconds=40 + 20 * c), 900, "KeyError" if (s + q + c) % 7 == 0 else "ok")
                           for c in range(5)])
    store.close()
    return course, notebook


def bench_snapshot(dataset: Path, runs: int, level: str) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="bench-course-"))
    try:
        course, notebook = build_learner(work)
        os.environ["BUDDY_CONSENT_DIR"] = str(work / "consent")
        settings = course_settings(notebook)
        consent = share.give_consent(settings, level, "learner0007")
        folder = settings.dataset / "learner=learner0007"
        folder.mkdir(parents=True, mode=0o750)
        shutil.copy(dataset / "learner=learner0007" / "snapshot.parquet", folder)  # 19 other notebooks' rows

        class Kernel:  # what Sharer needs of a KernelBuddy
            activity = None
            config = type("config", (), {"idle_threshold": 300.0})()

        kernel = Kernel()
        kernel.notebook = notebook
        kernel.store = open_store(notebook.parent, notebook.stem)
        sharer = share.Sharer(kernel, settings, consent)
        sharer.write(force=True)
        script = Script(kernel.store)
        session = script.session("one more")
        times: dict[str, list[float]] = {"store open": [], "store released": []}
        for n in range(2 * runs):
            script.turn(session, f"one more question {n}", "and its answer", T0 + timedelta(days=71, minutes=n))
            state = "store released" if n % 2 else "store open"
            if n % 2:
                kernel.store.close()  # a kernel idle for 3 s has let go of its file: at exit it reopens it
            t0, c0 = time.perf_counter(), time.process_time()
            sharer.at_exit()
            times[state].append(time.perf_counter() - t0)
            times.setdefault(state + ", CPU", []).append(time.process_time() - c0)
            assert sharer.last_error == "" and sharer.last is not None
        rows = duckdb.sql(f"SELECT count(*), count(DISTINCT notebook) FROM read_parquet('{sharer.last.path}')").fetchall()
        print(f"  [{level}] snapshot: {rows[0][0]} rows, {rows[0][1]} notebooks, "
              f"{sharer.last.path.stat().st_size / 1024:.0f} KiB")
        kernel.store.close()
        return times
    finally:
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    dataset = build_class(args.learners, args.notebooks, args.rebuild)
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{dataset}/*/*.parquet')").fetchall()[0][0]
    print(f"class: {args.learners} learners x {args.notebooks} notebooks, {rows:,} rows")
    overview = bench_overview(dataset, args.runs)
    snapshots = {level: bench_snapshot(dataset, args.runs, level) for level in ("progress", "conversations")}

    print(f"\n{'figure':58} {'measured':34} target")
    for name, samples in overview.items():
        target = "<= 2 s " + ("PASS" if statistics.median(samples) <= 2 else "MISS") if name.startswith("weekly_overview") else "-"
        if name.endswith("CPU"):
            target = "(CPU time of all threads)"
        print(f"{'instructor: ' + name:58} {median_ms(samples):34} {target}")
    for level, by_state in snapshots.items():
        for state, samples in by_state.items():
            verdict = "PASS" if statistics.median(samples) <= 0.2 else "MISS"
            target = "(CPU time of all threads)" if state.endswith("CPU") else f"<= 200 ms {verdict}"
            print(f"{f'snapshot at shutdown ({level}, {state})':58} {median_ms(samples):34} {target}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
