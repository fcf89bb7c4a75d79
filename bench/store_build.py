"""Building the big stores once and keeping them: both stores filled with the same generated rows.

A full build takes minutes, so the stores are cached under ``bench/.data/``, named by a key that changes
with anything that would change their bytes (the generator's code, the migrations, the DuckDB version, the
corpus); a stale cache is never reused and is removed by the next build. The rows are inserted in bulk, not
through the Store, so a sample is read back through the Store and re-serialised to prove they are rows the
Store itself would have written.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import duckdb
import pandas as pd

from buddy_jupyter.schema import ids
from buddy_jupyter.store import Store, fileformat, migrations
from buddy_jupyter.store import codec

from sqlite_baseline import SQLITE_SCHEMA, epoch_ms, sqlite_connect
from store_corpus import Corpus
from store_generator import NOTEBOOK, Generator, Plan, fast_id
from store_layouts import KEEP_LAYOUTS, M001_INDEXES, secondary_indexes, size_variants

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
GEN_VERSION = "gen1"


def version_key(scale: float, corpus: Corpus) -> str:
    """Changes whenever the data, the generator, the schema or DuckDB changes (the cache is rebuilt then)."""
    schema = hashlib.sha1("|".join(name for name, _ in migrations.MIGRATIONS).encode()).hexdigest()[:6]
    code = hashlib.sha1(("".join(inspect.getsource(obj) for obj in (
        Corpus, Plan, Generator, fast_id, build, size_variants, secondary_indexes))
        + repr(M001_INDEXES) + repr(KEEP_LAYOUTS)).encode()).hexdigest()[:6]
    size = "full" if scale == 1 else f"x{scale:g}"
    return f"{GEN_VERSION}-{size}-duckdb{duckdb.__version__}-schema{schema}-code{code}-corpus{corpus.digest}"


def build(target: Path, scale: float, corpus: Corpus) -> dict:
    tmp = target.with_name(target.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    duck_path, lite_path = tmp / "buddy.duckdb", tmp / "opencode.sqlite"
    t_start = time.perf_counter()
    plan = Plan(scale)
    s = Store(duck_path, notebook=NOTEBOOK)  # the real migrations, indexes and project row
    project_id = s.project.id
    s.close()
    lcon = sqlite_connect(lite_path)
    lcon.executescript(SQLITE_SCHEMA)
    created_ms = epoch_ms(s.project.time_created)
    lcon.execute("INSERT INTO project (id, worktree, time_created, time_updated) VALUES (?,?,?,?)",
                 [project_id, NOTEBOOK, created_ms, created_ms])
    gen = Generator(corpus, plan, project_id)
    spent = defaultdict(float)
    # Generate session by session into an in-memory staging database, then insert everything in time order:
    # a real store grows by appending, so a long session's rows end up interleaved with other sessions'.
    stage = duckdb.connect()
    t = time.perf_counter()
    first = True
    for S, M, P in gen.chunks():
        spent["generate"] += time.perf_counter() - t
        t = time.perf_counter()
        frames = {"s_session": _frame(S, ints=("ta",), floats=("cost",)),
                  "s_message": _frame(M, ints=("tcomp", "ti", "to", "tr", "tcr", "tcw"), floats=("cost",)),
                  "s_part": pd.DataFrame(P)}
        for name, df in frames.items():
            stage.register("chunk", df)
            stage.execute(f"CREATE TABLE {name} AS SELECT * FROM chunk" if first else
                          f"INSERT INTO {name} SELECT * FROM chunk")
            stage.unregister("chunk")
        first = False
        del frames, df
        spent["stage"] += time.perf_counter() - t
        t = time.perf_counter()
    t = time.perf_counter()
    stage.execute(f"ATTACH '{duck_path}' AS tgt")
    stage.execute("INSERT INTO tgt.session (id, project_id, parent_id, title, time_created, time_updated, time_archived,"
                  " message_count, tokens_input, tokens_output, cost) SELECT id, project_id, NULL, title,"
                  " make_timestamp(tc), make_timestamp(tu), make_timestamp(ta), message_count, tokens_input,"
                  " tokens_output, cost FROM s_session ORDER BY tc")
    stage.execute("INSERT INTO tgt.message (id, session_id, seq, role, time_created, time_updated, time_completed,"
                  " model_id, provider_id, tokens_input, tokens_output, tokens_reasoning, tokens_cache_read,"
                  " tokens_cache_write, cost, finish, error_name, data) SELECT id, session_id, seq, role,"
                  " make_timestamp(tc), make_timestamp(tu), make_timestamp(tcomp), model_id, provider_id, ti, \"to\","
                  " tr, tcr, tcw, cost, finish, error_name, data FROM s_message ORDER BY tc")
    stage.execute("INSERT INTO tgt.part (id, session_id, message_id, seq, type, time_created, time_updated, data)"
                  " SELECT id, session_id, message_id, seq, type, make_timestamp(tc), make_timestamp(tu), data"
                  " FROM s_part ORDER BY tc")
    stage.execute("CHECKPOINT tgt")
    stage.execute("DETACH tgt")
    spent["duckdb insert"] += time.perf_counter() - t
    # A store grown this large has been rewritten with large blocks when a kernel opened it (past
    # fileformat.LARGE_AT); a bulk load skips that step, so take it here.
    t = time.perf_counter()
    fileformat.rewrite(duck_path)
    spent["duckdb rewrite (block size for its size)"] = time.perf_counter() - t
    t = time.perf_counter()
    for select, insert in (
        ("SELECT id, project_id, right(id, 8), '/home/learner/course', title, 'bench', cost, tokens_input,"
         " tokens_output, tc // 1000, tu // 1000, ta // 1000 FROM s_session ORDER BY tc",
         "INSERT INTO session (id, project_id, slug, directory, title, version, cost, tokens_input, tokens_output,"
         " time_created, time_updated, time_archived) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
        ("SELECT id, session_id, tc // 1000, tu // 1000, data FROM s_message ORDER BY tc",
         "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)"),
        ("SELECT id, message_id, session_id, tc // 1000, tu // 1000, data FROM s_part ORDER BY tc",
         "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?,?)"),
    ):
        cur = stage.execute(select)
        lcon.execute("BEGIN")
        while rows := cur.fetchmany(50_000):
            lcon.executemany(insert, rows)
        lcon.execute("COMMIT")
    lcon.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    lcon.close()
    stage.close()
    spent["sqlite insert"] += time.perf_counter() - t
    counts = duckdb.connect(str(duck_path), read_only=True)
    n = {tbl: counts.execute(f"SELECT count(*) FROM {tbl}").fetchall()[0][0] for tbl in ("session", "message", "part")}
    big_counts = [counts.execute("SELECT count(*) FROM message WHERE session_id = ?", [b]).fetchall()[0][0]
                  for b in gen.big_ids]
    counts.close()
    t = time.perf_counter()
    variants = size_variants(duck_path, tmp)
    spent["size variants"] = time.perf_counter() - t
    meta = {"version": target.name, "build_seconds": round(time.perf_counter() - t_start, 1), "variants": variants,
            "phases": {k: round(v, 1) for k, v in spent.items()}, "counts": n, "big_sessions": gen.big_ids,
            "big_session_messages": big_counts, "project_id": project_id}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return meta


def _frame(columns: dict[str, list], ints: Sequence[str] = (), floats: Sequence[str] = ()) -> pd.DataFrame:
    out = {}
    for name, values in columns.items():
        if name in ints:
            out[name] = pd.array(values, dtype="Int64")
        elif name in floats:
            out[name] = pd.array(values, dtype="Float64")
        else:
            out[name] = values
    return pd.DataFrame(out)


def check_row_format(path: Path, sessions: list[str]) -> str:
    """Rows built in bulk must be what Store itself writes: re-serialise what Store reads and compare."""
    s = Store(path, notebook=NOTEBOOK)
    checked = 0
    try:
        for sid in sessions:
            history = s.get_messages(sid)
            with s.connection() as con:
                mrows = dict((r[0], r[1:]) for r in con.execute(
                    "SELECT id, data::VARCHAR, time_completed, model_id, provider_id, tokens_input, tokens_output,"
                    " tokens_reasoning, tokens_cache_read, tokens_cache_write, cost, finish, error_name, seq"
                    " FROM message WHERE session_id = ?", [sid]).fetchall())
                prows = dict((r[0], r[1:]) for r in con.execute(
                    "SELECT id, data::VARCHAR, type, time_created FROM part WHERE session_id = ?", [sid]).fetchall())
            for item in history[:60]:
                row = mrows[item.info.id]
                assert codec.dump_message(item.info) == row[0], (item.info.id, row[0][:200])
                assert list(row[1:12]) == codec.message_columns(item.info), (item.info.id, row[1:12])
                for part in item.parts:
                    prow = prows[part.id]
                    assert codec.dump_part(part) == prow[0], (part.id, prow[0][:200])
                    assert prow[1] == part.type and prow[2] == ids.time_of(part.id), part.id
                    checked += 1
            seqs = sorted(row[12] for row in mrows.values())
            assert seqs == list(range(1, len(seqs) + 1)), "message seq"
    finally:
        s.close()
    return f"{checked} parts and their messages re-serialise identically"


def cached_stores(scale: float, corpus: Corpus, rebuild: bool) -> tuple[Path, dict, bool]:
    """The cache folder of this size, its metadata, and whether this run built it."""
    key = version_key(scale, corpus)
    cache = DATA / key
    if not rebuild and (cache / "meta.json").exists():
        meta = json.loads((cache / "meta.json").read_text())
        print(f"using cached stores {cache.relative_to(ROOT)} (built in {meta['build_seconds']} s "
              f"{meta['phases']})", flush=True)
        return cache, meta, False
    print(f"building the big stores into {cache.relative_to(ROOT)} ...", flush=True)
    meta = build(cache, scale, corpus)
    print(f"built in {meta['build_seconds']} s {meta['phases']}", flush=True)
    size_class = key.split("-")[1]
    for old in DATA.glob(f"gen*-{size_class}-duckdb*"):  # this script's older caches of the same size only
        if old.is_dir() and old != cache and re.fullmatch(r"gen\d+-[\w.]+-duckdb.*", old.name):
            shutil.rmtree(old, ignore_errors=True)
            print(f"removed the stale cache {old.name}", flush=True)
    return cache, meta, True
