"""The history search index: same answers as reading the stores, kept fresh, never in the way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from buddy_jupyter.analytics import search_index, search_memory
from buddy_jupyter.analytics.search_index import file as index_file, freshness, rows
from buddy_jupyter.store import records

from .test_memory_search import LABELLED, library  # noqa: F401  (the module-scoped fixture)
from .timelines import T0


@pytest.fixture(autouse=True)
def fresh_index(monkeypatch, tmp_path):
    """Each test starts from no index file, in its own cache folder, with no store remembered as busy."""
    monkeypatch.setenv("BUDDY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(freshness, "_busy_until", {})
    yield
    search_index.close()


def same(cached, direct) -> None:
    keys = ["notebook", "session_id", "session_title", "message_id", "role", "snippet", "time_created"]
    assert cached[keys].to_dict("records") == direct[keys].to_dict("records")
    assert cached["score"].tolist() == pytest.approx(direct["score"].tolist(), rel=1e-9)


MORE = ["short answers", "the DataFrames", "numpy ddof=1", "KeyError"]


@pytest.mark.parametrize("query", [q for q, _ in LABELLED] + MORE)
def test_the_index_answers_what_the_stores_answer(library, query):  # noqa: F811
    here = library["pandas_intro"]
    direct = search_memory(query, store=here, root=library.root, limit=10, cached=False)
    cold = search_memory(query, store=here, root=library.root, limit=10)
    warm = search_memory(query, store=here, root=library.root, limit=10)
    same(cold, direct)
    same(warm, direct)
    assert search_index.index_path().exists()


def test_a_changed_store_is_read_again(course):
    store, script = course("lesson")
    session = script.session("loops")
    script.turn(session, "How do I loop over a dict?", "Use for key, value in d.items().", T0)
    assert search_memory("walrus", root=course.root).empty
    script.turn(session, "What is the walrus operator?", "The walrus := assigns inside an expression.",
                T0 + timedelta(minutes=5))
    found = search_memory("walrus", root=course.root)
    assert set(found["role"]) == {"user", "assistant"} and set(found["session_title"]) == {"loops"}
    store.set_title(session, "loops and walrus")
    assert set(search_memory("walrus", root=course.root)["session_title"]) == {"loops and walrus"}
    store.delete_session(session)  # rows gone: found by the count and checksum, the store is read whole
    assert search_memory("walrus", root=course.root).empty
    memory = records.add_memory(store, "I like walrus examples")
    assert search_memory("walrus", root=course.root)["message_id"].tolist() == [memory]
    records.forget_memory(store, memory)
    assert search_memory("walrus", root=course.root).empty


def test_a_deleted_store_drops_out(course):
    for name in ("first", "second"):
        store, script = course(name)
        script.turn(script.session(f"{name} talk"), f"Explain tuples in the {name} notebook",
                    "A tuple is an immutable sequence.", T0)
        store.close()
    assert sorted(search_memory("tuples", root=course.root)["session_title"].unique()) == ["first talk",
                                                                                          "second talk"]
    gone = course.root / ".buddy" / "second.duckdb"
    gone.unlink()
    found = search_memory("tuples", root=course.root)
    assert found["session_title"].unique().tolist() == ["first talk"]
    con = search_index.connect()
    assert [p for (p,) in con.execute("SELECT path FROM store")] == [str(course.root / ".buddy" / "first.duckdb")]
    assert con.execute("SELECT count(*) FROM doc d LEFT JOIN store s ON s.id = d.store_id "
                       "WHERE s.id IS NULL").fetchone() == (0,)
    con.close()


HOLD = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("INSERT INTO memory VALUES ('mem_held', 'written while held: zebra', now(), NULL)")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_busy_store_keeps_its_rows_and_does_not_block(course):
    store, script = course("busy")
    script.turn(script.session("pivot"), "How do I pivot a table?", "df.pivot_table(index=..., columns=...)", T0)
    other, other_script = course("calm")
    other_script.turn(other_script.session("melt"), "How do I melt a table?", "df.melt(id_vars=...)", T0)
    store.close()
    other.close()
    assert len(search_memory("table", root=course.root)) == 2  # the questions ("pivot_table" is one word)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store.path), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # another process holds it read-write, changed
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a store indexed before is not "skipped": it keeps its rows
            started = time.perf_counter()
            found = search_memory("table", root=course.root)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = search_memory("pivot table", root=course.root)
            second = time.perf_counter() - started
        assert len(found) == 2 and again.iloc[0]["session_title"] == "pivot"
        assert first < search_index.LOCK_WAIT + 1.0
        assert second < search_index.LOCK_WAIT  # found busy a moment ago: tried once, not waited for
        assert search_memory("zebra", root=course.root).empty
    finally:
        holder.kill()
        holder.wait()
    freshness._busy_until.clear()
    assert search_memory("zebra", root=course.root)["message_id"].tolist() == ["mem_held"]


def test_a_busy_store_never_indexed_is_left_out_with_a_warning(course):
    store, script = course("late")
    script.turn(script.session("zip"), "What does zip do?", "zip pairs items of several iterables.", T0)
    store.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store.path), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        with pytest.warns(UserWarning, match="skipped the store"):
            found = search_memory("zip", root=course.root)
        assert found.empty and time.perf_counter() - started < search_index.LOCK_WAIT + 5.0
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("damage", ["garbage", "pages zeroed", "other format"])
def test_a_corrupt_index_file_is_rebuilt(course, damage):
    store, script = course("lesson")
    script.turn(script.session("sets"), "How do I remove duplicates with a set?", "set(items) drops repeats.", T0)
    before = search_memory("duplicates set", root=course.root)
    path = search_index.index_path()
    if damage == "garbage":
        search_index.remove(path)
        path.write_bytes(b"this is not a database at all" * 1000)
    elif damage == "pages zeroed":  # the header and schema readable, every table's pages lost
        con = search_index.connect()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = con.execute("PRAGMA page_size").fetchone()[0]
        con.close()
        data = path.read_bytes()
        search_index.remove(path)
        path.write_bytes(data[:page] + bytes(len(data) - page))
    else:
        con = search_index.connect()
        con.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
        con.close()
    after = search_memory("duplicates set", root=course.root)
    same(after, before)
    con = search_index.connect()
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == (str(search_index.FORMAT),)
    con.close()


def test_an_index_of_an_older_format_is_removed(course):
    old = search_index.index_path().with_name("history-search-1.sqlite")
    old.parent.mkdir(parents=True)
    old.write_bytes(b"an index an older version built")
    search_memory("anything", root=course.root)
    assert not old.exists() and search_index.index_path().exists()


def test_an_unusable_cache_folder_falls_back_to_the_stores(course, monkeypatch, tmp_path):
    store, script = course("lesson")
    script.turn(script.session("sets"), "How do I remove duplicates with a set?", "set(items) drops repeats.", T0)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("BUDDY_CACHE_DIR", str(blocker / "cache"))
    same(search_memory("duplicates", root=course.root), search_memory("duplicates", root=course.root, cached=False))


def test_changed_parts_are_read_from_the_watermark(course, monkeypatch):
    monkeypatch.setattr(freshness, "WATERMARK_SLACK", "0 seconds")
    store, script = course("lesson")
    session = script.session("strings")
    for i in range(5):
        script.turn(session, f"Question {i} about split", f"Answer {i}: str.split cuts a string.",
                    T0 + timedelta(minutes=i))
    search_memory("split", root=course.root)
    script.turn(session, "And join?", "str.join glues strings.", T0 + timedelta(minutes=9))
    calls = []
    original = rows.put_parts
    monkeypatch.setattr(rows, "put_parts", lambda con, sid, parts, **kw: (calls.append(len(parts)),
                                                                         original(con, sid, parts, **kw)))
    assert search_memory("join", root=course.root, store=store).iloc[0]["session_title"] == "strings"
    assert calls == [3]  # the last part read before (at the watermark), the new question and answer: not all 12


def test_an_index_held_by_another_writer_falls_back_to_the_stores(course, monkeypatch):
    store, script = course("lesson")
    session = script.session("sets")
    script.turn(session, "How do I remove duplicates with a set?", "set(items) drops repeats.", T0)
    search_memory("duplicates", root=course.root)
    monkeypatch.setattr(index_file, "BUSY_TIMEOUT_MS", 100)
    search_index.close()  # reopened with the short timeout
    other = search_index.connect()
    other.execute("BEGIN IMMEDIATE")  # another process refreshing the index, for longer than the timeout
    try:
        script.turn(session, "And frozensets?", "A frozenset has no duplicates either.", T0 + timedelta(minutes=1))
        found = search_memory("duplicates", root=course.root)  # the store changed: it must be written, and can't
        assert len(found) == 2  # the first question and the new answer
        same(found, search_memory("duplicates", root=course.root, cached=False))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(search_memory("duplicates", root=course.root)) == 2  # and the index catches up afterwards


def test_a_damaged_store_does_not_fail_the_search(course):
    store, script = course("good")
    script.turn(script.session("zip"), "What does zip do?", "zip pairs items of several iterables.", T0)
    store.close()
    broken = course.root / ".buddy" / "broken.duckdb"
    broken.write_bytes(b"not a duckdb file" * 500)
    with pytest.warns(UserWarning, match="broken.duckdb"):
        found = search_memory("zip", root=course.root)
    assert found["session_title"].unique().tolist() == ["zip"]


def test_an_edited_or_hidden_part_is_indexed_again(course):
    store, script = course("lesson")
    session = script.session("streaming")
    script.turn(session, "What is a generator?", "A generator yields values lazily.", T0)
    search_memory("generator", root=course.root)
    answer = [m for m in store.get_messages(session) if m.info.role == "assistant"][0]
    part = answer.parts[-1]
    store.put_part(part.model_copy(update={"text": "A coroutine can pause; so can a generator expression."}))
    assert search_memory("lazily", root=course.root).empty
    assert search_memory("coroutine", root=course.root)["message_id"].tolist() == [answer.info.id]
    store.put_part(part.model_copy(update={"text": "hidden now", "ignored": True}))
    assert search_memory("coroutine", root=course.root).empty
    same(search_memory("generator", root=course.root), search_memory("generator", root=course.root, cached=False))


SEARCH = """
import json, sys
from buddy_jupyter.analytics import search_memory
found = search_memory(sys.argv[2], root=sys.argv[1], limit=50)
print(json.dumps(sorted(found["message_id"])))
"""


def test_two_kernels_building_the_index_at_once(course):
    for n in range(6):
        store, script = course(f"nb{n}")
        for k in range(3):
            script.turn(script.session(f"t{n}{k}"), f"How do I sort a list number {k}?",
                        "sorted(items) or items.sort()", T0 + timedelta(minutes=k))
        store.close()
    direct = sorted(search_memory("sort list", root=course.root, limit=50, cached=False)["message_id"])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    kernels = [subprocess.Popen([sys.executable, "-c", SEARCH, str(course.root), "sort list"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    for kernel in kernels:
        out, err = kernel.communicate(timeout=120)
        assert kernel.returncode == 0, err
        assert json.loads(out) == direct
    con = search_index.connect()
    assert con.execute("SELECT count(*), count(DISTINCT path) FROM store").fetchone() == (6, 6)
    assert con.execute("SELECT count(*) FROM doc").fetchone() == (36,)  # 6 stores x 3 turns x 2 messages
    assert con.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH 'sorted'").fetchone() == (18,)
    con.close()
