#!/usr/bin/env python
"""Persistence benchmark: buddy_jupyter's DuckDB ``Store`` beside a minimal SQLite store with OpenCode's schema.

Run:  .venv/bin/python bench/bench_store.py            (full size; the big stores are cached in bench/.data/)
      .venv/bin/python bench/bench_store.py --quick    (1/10 size, for trying changes)
      options: --turns N, --rebuild, --no-paced, --keep-work

Both stores do the same work with the same pydantic models and the same JSON payloads; the DuckDB side goes
through the real ``Store`` API (lease, migrations, events), the SQLite side is ``sqlite_baseline.py``
(tables project/session/message/part as OpenCode, ``data`` JSON TEXT, WAL + synchronous=NORMAL).

Figures:
  1. persistence cost of one chat turn as the engine's ``Turn`` writes it from a scripted model
     (``store_turns.py``): the issue's turn (user message, assistant message, 6 parts: the question's text
     and cell snapshot, step-start, a streamed reasoning, a 500-token answer, step-finish; the final message
     update) and a heavier turn with a tool call (8 parts over two model steps); warm and after an idle
     release, grouped (as the engine writes it) and naive (every write committed on its own); on a fresh
     store and on the big store;
  2. list the 50 newest of 10,000 sessions;
  3. load one 500-message session with its parts (``get_messages``);
  4. open an existing store (first operation on a fresh ``Store`` object);
  5. file size at 10,000 sessions / 200,000 messages / 1,000,000 parts (``store_layouts.py``);
plus a per-statement profile (``store_profile.py``), the cost of each statement the Store's write path runs
(and of a few alternatives), and the same rows in other layouts (with/without secondary indexes, zstd or
uncompressed ``data``). The big stores are generated (``store_corpus.py``, ``store_generator.py``) and cached
(``store_build.py``). Only the real ``Store`` is measured; nothing under buddy_jupyter/ is changed.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from buddy_jupyter.store import Store  # noqa: E402

from sqlite_baseline import SqliteStore  # noqa: E402
from store_build import DATA, cached_stores, check_row_format  # noqa: E402
from store_corpus import Corpus  # noqa: E402
from store_generator import NOTEBOOK  # noqa: E402
from store_layouts import KEEP_LAYOUTS, bench_layouts, file_sizes  # noqa: E402
from store_profile import MS, Profile, Results, duck_store, median  # noqa: E402
from store_turns import bench_paced, bench_statements, bench_turns  # noqa: E402


def bench_reads(res: Results, duck_path: Path, lite_path: Path, big_sid: str, n_list: int = 30,
                n_load: int = 15) -> dict[str, Profile]:
    profiles = {}
    # 4. open an existing store: first operation (list the newest 50) on a fresh Store object
    opens, lite_opens, closes, connects = [], [], [], []
    prof_open = Profile()
    for i in range(8):
        gc.collect()
        s = duck_store(duck_path, prof_open if i >= 1 else None)
        t = time.perf_counter()
        s.list_sessions(limit=50)
        opens.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.close()
        closes.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw = duckdb.connect(str(duck_path))
        connects.append(time.perf_counter() - t)
        raw.close()
        ls = SqliteStore(lite_path)
        t = time.perf_counter()
        ls.list_sessions(limit=50)
        lite_opens.append(time.perf_counter() - t)
        ls.close()
    profiles["open"] = prof_open
    # the whole-file check every first open makes, against the cheap size check
    from buddy_jupyter.store import health

    raw = duckdb.connect(str(duck_path))
    whole, cheap = [], []
    for _ in range(5):
        t = time.perf_counter()
        health.check_whole(raw, duck_path)
        whole.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw.execute("SELECT total_blocks, block_size FROM pragma_database_size()"
                    " WHERE database_name = current_database()").fetchall()
        cheap.append(time.perf_counter() - t)
    raw.close()
    res.notes.append(f"open: health.check_whole (pragma_storage_info of every table) {median(whole) * MS:.1f} ms "
                     f"at each first open; pragma_database_size() (total_blocks x block_size vs the file size) "
                     f"{median(cheap) * MS:.2f} ms")
    res.add("4 open existing store + first op (list 50)", median(opens[1:]) * MS, median(lite_opens[1:]) * MS,
            "(none)")
    res.notes.append(f"open: bare duckdb.connect {median(connects[1:]) * MS:.1f} ms, Store.close() after a read "
                     f"{median(closes[1:]) * MS:.1f} ms; first-ever open of the cached file {opens[0] * MS:.1f} ms")
    # 2. list the 50 newest sessions, warm
    prof_list = Profile()
    s = duck_store(duck_path, prof_list, max_hold=3600.0, idle_release=60.0)
    ls = SqliteStore(lite_path)
    s.list_sessions(limit=50)
    ls.list_sessions(limit=50)
    prof_list.reset()
    dt, lt = [], []
    for _ in range(n_list):
        t = time.perf_counter()
        got = s.list_sessions(limit=50)
        dt.append(time.perf_counter() - t)
        t = time.perf_counter()
        got2 = ls.list_sessions(limit=50)
        lt.append(time.perf_counter() - t)
    assert len(got) == 50 and len(got2) == 50 and [x.id for x in got] == [x.id for x in got2], "lists differ"
    profiles["list"] = prof_list
    res.add("2 list 50 newest of 10,000 sessions (warm)", median(dt) * MS, median(lt) * MS, "<= 20 ms",
            median(dt) * MS <= 20)
    # 3. load one 500-message session with its parts
    prof_load = Profile()
    s.close()
    s = duck_store(duck_path, prof_load, max_hold=3600.0, idle_release=60.0)
    s.get_messages(big_sid)
    ls.get_messages(big_sid)
    prof_load.reset()
    dt, lt = [], []
    for _ in range(n_load):
        gc.collect()
        t = time.perf_counter()
        hist = s.get_messages(big_sid)
        dt.append(time.perf_counter() - t)
        t = time.perf_counter()
        hist2 = ls.get_messages(big_sid)
        lt.append(time.perf_counter() - t)
    n_parts = sum(len(m.parts) for m in hist)
    assert len(hist) == len(hist2) == 500 and n_parts == sum(len(m.parts) for m in hist2), "histories differ"
    profiles["load"] = prof_load
    sql_ms = sum(v for k, v in prof_load.t.items()) * MS / n_load
    res.add(f"3 load a 500-message session ({n_parts:,} parts)", median(dt) * MS, median(lt) * MS, "<= 50 ms",
            median(dt) * MS <= 50)
    res.notes.append(f"load: of the DuckDB {median(dt) * MS:.1f} ms, SQL+fetch is {sql_ms:.1f} ms, the rest is "
                     "JSON validation into pydantic models (the same code path on both sides)")
    s.close()
    ls.close()
    return profiles


def measure(res: Results, cache: Path, big_sid: str, corpus: Corpus, args: argparse.Namespace) -> dict:
    """Every measurement, on working copies of the cached stores (the cache stays as built)."""
    work = Path(tempfile.mkdtemp(prefix="work-", dir=DATA))
    try:
        duck, lite = work / "buddy.duckdb", work / "opencode.sqlite"
        shutil.copy(cache / "buddy.duckdb", duck)
        shutil.copy(cache / "opencode.sqlite", lite)
        print("reads on the big stores ...", flush=True)
        out: dict = {"read": bench_reads(res, duck, lite, big_sid)}
        print("turns on a fresh store ...", flush=True)
        out["fresh store"] = bench_turns(res, "fresh", work / "small.duckdb", work / "small.sqlite", corpus, args.turns)
        print("turns on the big store ...", flush=True)
        out["big store"] = bench_turns(res, "big", duck, lite, corpus, args.turns)
        if not args.no_paced:
            print("paced turns on the big store (real time) ...", flush=True)
            bench_paced(res, duck, corpus)
        print("statement costs ...", flush=True)
        out["statements, big"] = bench_statements(duck, big_sid)
        s = Store(work / "small.duckdb", notebook=NOTEBOOK)
        small_sid = s.list_sessions(limit=1)[0].id
        s.close()
        out["statements, fresh"] = bench_statements(work / "small.duckdb", small_sid)
        print("layouts ...", flush=True)
        layouts = {"Store (its own layout)": duck}
        for fname, label in KEEP_LAYOUTS.values():
            if (cache / fname).exists():
                shutil.copy(cache / fname, work / fname)
                layouts[label] = work / fname
        try:
            out["layouts"] = bench_layouts(layouts, big_sid)
        except Exception as error:  # never lose the report for this section
            out["layouts"] = [f"    (failed: {error!r})"]
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    return out


def report(res: Results, got: dict, args: argparse.Namespace, meta: dict, fresh_build: bool) -> None:
    print()
    print("=" * 100)
    print(f"RESULTS (medians; scale {'1/10 (--quick)' if args.quick else 'full'}; {args.turns} turns per mode; "
          f"build {'this run' if fresh_build else 'cached'}: {meta['build_seconds']} s)")
    print(res.table())
    print()
    print("Notes:")
    for note in res.notes:
        print("  - " + note)
    print()
    print("DuckDB time per turn by statement (ms per turn; calls per turn):")
    for label in ("fresh store", "big store"):
        for mode in ("warm, Store, naive", "warm, Store, grouped", "warm, Store, grouped, tool",
                     "after release, Store, naive", "after release, Store, grouped",
                     "after release, Store, grouped, tool"):
            prof = got[label][mode]
            total = sum(prof.t.values()) * MS / args.turns
            items = sorted(prof.t.items(), key=lambda kv: -kv[1])
            close = prof.t.get("close (checkpoint on close)", 0.0) * MS / args.turns
            print(f"  {label}, {mode}: SQL and open total {total - close:.1f} ms"
                  + (f" (plus the close before the turn, {close:.1f} ms)" if close else ""))
            for k, v in items[:7]:
                print(f"    {v * MS / args.turns:7.2f} ms  {prof.n[k] / args.turns:5.1f}x  {k}")
    print("DuckDB open (first operation on a fresh Store) by step (ms per open):")
    prof = got["read"]["open"]
    n_open = max(1, prof.n.get("open: duckdb.connect + on_open", 1))
    for k, v in sorted(prof.t.items(), key=lambda kv: -kv[1])[:9]:
        print(f"    {v * MS / n_open:7.2f} ms  {prof.n[k] / n_open:4.1f}x  {k}")
    print("DuckDB statement costs, each in its own transaction (median of 15):")
    print("  big store:")
    print("\n".join(got["statements, big"]))
    print("  fresh store (30-odd turns):")
    print("\n".join(got["statements, fresh"]))
    print("The same rows in other layouts (big store; reads and writes round-robin, median of 25):")
    print("\n".join(got["layouts"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1/10 of the size (1,000 sessions), for trying changes")
    ap.add_argument("--turns", type=int, default=30, help="turns per measured mode (median over them)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached big stores")
    ap.add_argument("--no-paced", action="store_true", help="skip the real-time paced turns (they take tens of seconds)")
    ap.add_argument("--keep-work", action="store_true", help="keep the working copies under bench/.data/work-*")
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    t_all = time.perf_counter()
    load_start = os.getloadavg()[0]
    print(f"buddy_jupyter store benchmark: duckdb {duckdb.__version__}, sqlite {sqlite3.sqlite_version}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    t = time.perf_counter()
    corpus = Corpus()
    print(f"corpus: {len(corpus.sentences):,} sentences, {len(corpus.code):,} code lines from the stdlib "
          f"({time.perf_counter() - t:.1f} s)", flush=True)
    cache, meta, fresh_build = cached_stores(scale, corpus, args.rebuild)
    counts = meta["counts"]
    print(f"rows: {counts}; 500-message sessions: {meta['big_session_messages']}", flush=True)
    if fresh_build:
        print("row format check:", check_row_format(cache / "buddy.duckdb", meta["big_sessions"][:1] + [
            r[0] for r in duckdb.connect(str(cache / "buddy.duckdb"), read_only=True).execute(
                "SELECT id FROM session USING SAMPLE 3 ROWS (reservoir, 7)").fetchall()]), flush=True)
    res = Results()
    file_sizes(res, cache / "buddy.duckdb", cache / "opencode.sqlite", counts, meta.get("variants"))
    got = measure(res, cache, meta["big_sessions"][0], corpus, args)
    report(res, got, args, meta, fresh_build)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (1 min); at the start: {load_start:.2f}")
    print(f"total run time {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
