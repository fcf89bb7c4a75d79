"""The store's file: readable by the real DuckDB CLI (1.5), small, and older files rewritten once, safely."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from buddy_jupyter.schema import ids
from buddy_jupyter.schema.messages import UserMessage
from buddy_jupyter.schema.parts import TextPart
from buddy_jupyter.store import Store
from buddy_jupyter.store import fileformat

VIEWS = ("messages", "turns", "tool_calls", "timeline")


def duckdb_cli() -> Path | None:
    """The DuckDB CLI of the ``duckdb-cli`` package (dev extra): beside the interpreter, or inside the package."""
    candidates = [Path(sys.executable).parent / "duckdb"]
    try:
        import duckdb_cli as package

        candidates.append(Path(package.__file__).parent / "duckdb")
    except ImportError:
        pass
    return next((c for c in candidates if c.exists()), None)


def _ask(store: Store, text: str) -> str:
    session = store.create_session("Lists")
    mid, created = ids.new_id("message")
    store.append_message(UserMessage(id=mid, session_id=session.id, time_created=created),
                         [TextPart(id=ids.new_id("part")[0], session_id=session.id, message_id=mid, text=text)])
    return session.id


def test_a_new_store_is_small_and_portable(store, store_path):
    _ask(store, "what is a list?")
    store.close()
    assert store_path.stat().st_size <= 256 * 1024
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        assert fileformat.current_format(con) == ("v1.4.0+", fileformat.BLOCK_SIZE)
    finally:
        con.close()


@pytest.mark.skipif(duckdb_cli() is None, reason="the duckdb-cli package is not installed (pip install -e '.[dev]')")
def test_the_duckdb_cli_reads_every_view(store, store_path):
    _ask(store, "what is a list?")
    store.close()
    cli = duckdb_cli()
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=30).stdout
    assert not version.startswith("v2"), version  # an older client than the library that wrote the file
    queries = "; ".join(f"SELECT '{v}', count(*) FROM {v}" for v in VIEWS) + ";"
    done = subprocess.run([str(cli), "-readonly", "-csv", "-noheader", str(store_path), "-c", queries],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    counts = dict(line.split(",") for line in done.stdout.split())
    assert counts == {"messages": "1", "turns": "1", "tool_calls": "0", "timeline": "1"}
    text = subprocess.run([str(cli), "-readonly", "-list", "-noheader", str(store_path), "-c",
                           "SELECT text FROM messages"], capture_output=True, text=True, timeout=60)
    assert text.stdout.strip() == "what is a list?"


def _old_store(path: Path) -> str:
    """A store as buddy_jupyter made them before: DuckDB's own format and 256 KiB blocks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(path)).close()
    store = Store(path, notebook=str(path.with_suffix(".ipynb")), idle_release=0)
    store._rewritten = True  # keep it old while it is filled
    session_id = _ask(store, "old question")
    store.close()
    con = duckdb.connect(str(path), read_only=True)
    assert fileformat.needs_rewrite(con)
    con.close()
    return session_id


def test_an_old_store_is_rewritten_once_on_open(tmp_path):
    path = tmp_path / ".buddy" / "nb.duckdb"
    session_id = _old_store(path)
    before = path.stat().st_size
    store = Store(path, idle_release=0)
    assert [m.text for m in store.get_messages(session_id)] == ["old question"]
    store.close()
    assert path.stat().st_size < before
    assert sorted(p.name for p in path.parent.iterdir() if p.name != ".gitignore") == ["nb.duckdb"]
    con = duckdb.connect(str(path), read_only=True)
    assert not fileformat.needs_rewrite(con)
    con.close()


def test_a_rewrite_that_copies_different_counts_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / ".buddy" / "nb.duckdb"
    session_id = _old_store(path)
    original = path.read_bytes()
    counts = iter([{"part": 1}, {"part": 0}])
    monkeypatch.setattr(fileformat, "_counts", lambda con, db: next(counts))
    with pytest.raises(Exception, match="different row counts"):
        fileformat.rewrite(path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir() if p.name != ".gitignore") == ["nb.duckdb"]
    monkeypatch.undo()
    store = Store(path, idle_release=0)
    assert store.get_session(session_id).title == "Lists"
    store.close()


def test_a_swap_cut_short_is_undone_at_open(tmp_path):
    path = tmp_path / ".buddy" / "nb.duckdb"
    session_id = _old_store(path)
    shutil.move(path, path.with_name(path.name + ".before-rewrite"))  # crashed between the two renames
    path.with_name(path.name + ".rewrite").write_bytes(b"half a copy")
    store = Store(path, idle_release=0)
    assert store.get_session(session_id).title == "Lists"
    assert any("interrupted" in note for note in store.notices)
    store.close()
    assert sorted(p.name for p in path.parent.iterdir() if p.name != ".gitignore") == ["nb.duckdb"]


def test_compact_rewrites_and_keeps_every_row(store, store_path):
    session_id = _ask(store, "keep me")
    report = store.compact()
    assert report["session"] == 1 and report["part"] == 1
    assert store.get_messages(session_id)[0].text == "keep me"


def test_a_store_that_grew_large_gets_large_blocks_once(tmp_path, monkeypatch):
    """Small blocks cost on scans of a large store (bench/README.md): past LARGE_AT it is rewritten."""
    path = tmp_path / ".buddy" / "nb.duckdb"
    store = Store(path, idle_release=0)
    session_id = _ask(store, "x" * 2000)
    store.close()
    monkeypatch.setattr(fileformat, "LARGE_AT", path.stat().st_size - 1)
    monkeypatch.setattr(fileformat, "SMALL_AT", 1)
    store = Store(path, idle_release=0)
    assert store.get_messages(session_id)[0].text == "x" * 2000
    store.close()
    con = duckdb.connect(str(path), read_only=True)
    assert fileformat.current_format(con) == ("v1.4.0+", fileformat.LARGE_BLOCK_SIZE)
    con.close()
    again = Store(path, idle_release=0)  # large blocks now: opening again rewrites nothing
    again.list_sessions()
    assert not again._rewritten
    monkeypatch.setattr(fileformat, "LARGE_AT", 20 * 2**20)
    monkeypatch.setattr(fileformat, "SMALL_AT", 10 * 2**20)  # compact takes a small store back to small blocks
    again.compact()
    again.close()
    con = duckdb.connect(str(path), read_only=True)
    assert fileformat.current_format(con)[1] == fileformat.BLOCK_SIZE
    con.close()


def test_a_large_old_store_waits_for_compact(tmp_path, monkeypatch):
    path = tmp_path / ".buddy" / "nb.duckdb"
    session_id = _old_store(path)
    monkeypatch.setattr(fileformat, "AUTO_REWRITE_MAX", 1)
    store = Store(path, idle_release=0)
    assert store.get_session(session_id).title == "Lists"
    assert any("%buddy compact" in note for note in store.notices)
    store.compact()
    store.close()
    con = duckdb.connect(str(path), read_only=True)
    assert not fileformat.needs_rewrite(con)
    con.close()
