"""``--all``: SQL across every notebook's store, while other processes write to or hold them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from buddy_jupyter.analytics import HistoryWarning, export_parquet, list_stores, sql
from buddy_jupyter.errors import InvalidInput

from .timelines import T0

REPO = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from buddy_jupyter.schema import ids
    from buddy_jupyter.schema.messages import UserMessage
    from buddy_jupyter.schema.parts import TextPart
    from buddy_jupyter.store import Store

    path, notebook, stop = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    store = Store(path, notebook=notebook, idle_release=0.02, max_hold=0.5, lock_timeout=60)
    session = store.create_session("busy writer")
    print("ready", flush=True)
    written = 0
    while not stop.exists() and written < 2000:
        mid, created = ids.new_id("message")
        store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created),
                             [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid,
                                       text=f"write {written}")])
        written += 1
        time.sleep(0.05)
    store.close()
    print("wrote", written, flush=True)
""")

HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    from pathlib import Path
    con = duckdb.connect(sys.argv[1])  # read-write: nobody else can open the file
    print("holding", flush=True)
    stop = Path(sys.argv[2])
    while not stop.exists():
        time.sleep(0.02)
    con.close()
""")


def start(script: str, *args: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", script, *args], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    assert first.strip() in ("ready", "holding"), process.stderr.read()
    return process


@pytest.fixture
def three_notebooks(course):
    stores = {}
    for name, folder in (("intro", ""), ("loops", "week1"), ("frames", "week2")):
        store, script = course(name, folder=folder)
        session = script.session(f"{name} questions")
        script.turn(session, f"a question about {name}", "an answer", T0)
        store.close()
        stores[name] = store
    return stores


def test_list_stores_finds_every_buddy_folder(three_notebooks, course, tmp_path):
    (course.root / ".venv" / ".buddy").mkdir(parents=True)
    (course.root / ".venv" / ".buddy" / "ignored.duckdb").write_bytes(b"")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "elsewhere-1234abcd.duckdb").write_bytes(b"")
    found = list_stores(course.root, data_dir=data_dir)
    assert sorted(p.stem for p in found) == ["elsewhere-1234abcd", "frames", "intro", "loops"]


def test_every_row_names_its_notebook(three_notebooks, course):
    store = three_notebooks["intro"]
    frame = sql("SELECT notebook, count(*) AS n FROM messages GROUP BY notebook ORDER BY notebook",
                store=store, root=course.root)
    assert dict(zip(frame["notebook"], frame["n"])) == {s.notebook: 2 for s in three_notebooks.values()}
    tables = sql("SELECT DISTINCT notebook FROM part UNION SELECT DISTINCT notebook FROM session", root=course.root)
    assert set(tables["notebook"]) == {s.notebook for s in three_notebooks.values()}
    assert store.count_sessions() == 1  # this kernel's store is usable again


def test_all_notebooks_while_another_process_writes_to_one(three_notebooks, course, tmp_path):
    busy = three_notebooks["loops"]
    stop = tmp_path / "stop"
    writer = start(WRITER, str(busy.path), busy.notebook, str(stop))
    seen_busy = 0
    try:
        for _ in range(6):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = sql("SELECT notebook, count(*) AS n FROM messages GROUP BY ALL", store=three_notebooks["intro"],
                            root=course.root, lock_wait=5)
            counts = dict(zip(frame["notebook"], frame["n"]))
            assert counts[three_notebooks["intro"].notebook] == 2
            assert counts[three_notebooks["frames"].notebook] == 2
            assert set(counts) <= {s.notebook for s in three_notebooks.values()}
            skipped = [w for w in caught if issubclass(w.category, HistoryWarning)]
            assert (busy.notebook in counts) != bool(skipped)
            seen_busy += busy.notebook in counts
            time.sleep(0.1)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])
    assert written > 0 and seen_busy >= 1
    final = sql("SELECT count(*) AS n FROM messages WHERE session_title = 'busy writer'", store=busy)
    assert final["n"].tolist() == [written]  # the writer lost nothing while we read


def test_a_store_held_too_long_is_skipped_with_a_warning(three_notebooks, course, tmp_path):
    held = three_notebooks["frames"]
    stop = tmp_path / "stop"
    holder = start(HOLDER, str(held.path), str(stop))
    try:
        started = time.monotonic()
        with pytest.warns(HistoryWarning, match="frames.duckdb"):
            frame = sql("SELECT DISTINCT notebook FROM messages", root=course.root, lock_wait=0.3)
        assert time.monotonic() - started < 15  # lock_wait, not the 30 s default
        assert set(frame["notebook"]) == {three_notebooks["intro"].notebook, three_notebooks["loops"].notebook}
        assert frame.attrs["skipped"] == [str(held.path)]
    finally:
        stop.touch()
        holder.communicate(timeout=30)


def test_parquet_export_partitions_by_notebook(three_notebooks, course, tmp_path):
    import duckdb

    _, script = course("intro", folder="other")  # a second "intro" in another folder
    script.turn(script.session("twin"), "twin question", "twin answer", T0)
    target = export_parquet(course.root, tmp_path / "export", store=three_notebooks["intro"])
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT notebook, count(*) FROM read_parquet('{target}/messages/**/*.parquet', hive_partitioning = true) "
            "GROUP BY ALL ORDER BY ALL").fetchall()
        sessions = con.execute(
            f"SELECT count(*), count(DISTINCT notebook_path) FROM read_parquet('{target}/sessions/**/*.parquet', "
            "hive_partitioning = true)").fetchall()
    names = [name for name, _ in rows]
    assert [n for _, n in rows] == [2, 2, 2, 2]
    assert {"frames", "loops"} <= set(names)
    assert sum(name.startswith("intro-") for name in names) == 2  # same name, told apart by folder
    assert sessions == [(4, 4)]
    for table in ("messages", "parts", "sessions", "activity", "turns"):
        assert len(list((target / table).glob("notebook=*/data.parquet"))) == 4
    with pytest.raises(InvalidInput, match="--force"):
        export_parquet(course.root, target)  # an existing dataset is replaced only when asked
    again = export_parquet(course.root, target, force=True)  # re-export replaces, never duplicates
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM read_parquet('{again}/messages/**/*.parquet')").fetchall() == [(8,)]


def test_a_folder_without_stores_gives_empty_results(tmp_path):
    from buddy_jupyter.analytics import search_memory, time_spent
    from buddy_jupyter.analytics.sandbox import run_sandboxed

    empty = tmp_path / "nothing"
    empty.mkdir()
    assert sql("SELECT * FROM messages", root=empty).shape == (0, 18)
    assert search_memory("groupby", root=empty).empty
    assert time_spent(root=empty).empty
    assert run_sandboxed("SELECT count(*) FROM turns", paths=[]).rows == [(0,)]
