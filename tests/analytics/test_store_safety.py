"""Issue 10: a copied notebook folder counts apart; %buddy sql is read-only unless --write; a view
dropped by hand comes back at open."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from buddy_jupyter.analytics import export_parquet, sql
from buddy_jupyter.errors import InvalidInput
from buddy_jupyter.store import Store

from ..store.helpers import answer, question


def notebook_with_history(folder, turns: int = 2) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lesson.ipynb").write_text("{}")
    store = Store(folder / ".buddy" / "lesson.duckdb", notebook=str(folder / "lesson.ipynb"), idle_release=0)
    session = store.create_session("loops")
    for n in range(turns):
        user, _ = question(store, session.id, f"q{n}")
        answer(store, user, f"a{n}")
    store.close()
    return store


def test_a_copied_folder_is_counted_and_exported_apart(tmp_path):
    notebook_with_history(tmp_path / "week1")
    shutil.copytree(tmp_path / "week1", tmp_path / "week1-copy")  # the store still records week1
    frame = sql("SELECT notebook, count(*) AS n FROM messages GROUP BY ALL ORDER BY ALL", root=tmp_path)
    assert sorted(frame.values.tolist()) == sorted([[str(tmp_path / "week1" / "lesson.ipynb"), 4],
                                                    [str(tmp_path / "week1-copy" / "lesson.ipynb"), 4]])
    target = export_parquet(tmp_path, tmp_path / "out")
    parts = sorted(p.parent.name for p in (target / "messages").glob("notebook=*/data.parquet"))
    assert len(parts) == 2 and parts[0] != parts[1]
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM read_parquet('{target}/messages/**/*.parquet')").fetchall() \
            == [(8,)]
    # opened in its new place, the copy records where it is now
    copy = Store(tmp_path / "week1-copy" / ".buddy" / "lesson.duckdb",
                 notebook=str(tmp_path / "week1-copy" / "lesson.ipynb"), idle_release=0)
    assert copy.project.path == str(tmp_path / "week1-copy" / "lesson.ipynb")
    copy.close()


@pytest.mark.parametrize("query", [
    "DELETE FROM message", "DROP TABLE part", "DROP VIEW messages", "UPDATE session SET title = 'x'",
    "SELECT 1; DELETE FROM message", "BEGIN", "CREATE OR REPLACE VIEW turns AS SELECT 1", "CHECKPOINT",
    "ATTACH 'x.duckdb' AS x", "SET threads = 1",
])
def test_sql_is_read_only_by_default(tmp_path, query):
    store = notebook_with_history(tmp_path / "nb")
    with pytest.raises(InvalidInput, match="read-only"):
        sql(query, store=store)
    assert sql("SELECT count(*) AS n FROM messages", store=store)["n"].tolist() == [4]
    assert sql("SELECT title FROM session", store=store)["title"].tolist() == ["loops"]
    store.set_title(store.list_sessions()[0].id, "still writable")  # no transaction left open
    store.close()


def test_show_and_describe_are_reads(tmp_path):
    store = notebook_with_history(tmp_path / "nb")
    assert "messages" in sql("SHOW TABLES", store=store)["name"].tolist()
    assert "text" in sql("DESCRIBE messages", store=store)["column_name"].tolist()
    store.close()


def test_sql_write_says_what_it_changes_and_keeps_a_copy(tmp_path):
    store = notebook_with_history(tmp_path / "nb")
    said = []
    sql("UPDATE session SET title = 'renamed'", store=store, write=True, say=said.append)
    assert store.list_sessions()[0].title == "renamed"
    (copy,) = (tmp_path / "nb" / ".buddy").glob("lesson.before-sql-*.duckdb.bak")
    assert "UPDATE" in said[0] and str(copy) in said[0]
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT title FROM session").fetchall() == [("loops",)]
    for refused in ("DROP VIEW messages", "DROP TABLE part", "ALTER TABLE session ADD COLUMN x INT", "BEGIN",
                    "CREATE OR REPLACE VIEW messages AS SELECT 1"):
        with pytest.raises(InvalidInput):
            sql(refused, store=store, write=True, say=said.append)
    with pytest.raises(InvalidInput, match="--all"):
        sql("DELETE FROM part", root=tmp_path, write=True)
    assert sql("SELECT count(*) AS n FROM messages", store=store)["n"].tolist() == [4]
    store.close()


def test_a_failed_write_changes_nothing(tmp_path):
    store = notebook_with_history(tmp_path / "nb")
    with pytest.raises(InvalidInput, match="SQL error"):
        sql("DELETE FROM part; SELECT * FROM nosuch", store=store, write=True, say=lambda text: None)
    assert sql("SELECT count(*) AS n FROM part", store=store)["n"].tolist() == [4]
    store.close()


def test_opening_a_store_makes_a_dropped_view_again(tmp_path):
    store = notebook_with_history(tmp_path / "nb")
    with duckdb.connect(str(store.path)) as con:  # by hand, as an older version's %buddy sql allowed
        con.execute("DROP VIEW turns")
        con.execute("DROP VIEW messages")
    again = Store(store.path, notebook=store.notebook, idle_release=0)
    assert sql("SELECT count(*) AS n FROM turns", store=again)["n"].tolist() == [2]
    again.close()


def test_a_foreign_duckdb_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "nb" / ".buddy" / "lesson.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE message (body VARCHAR)")
        con.execute("INSERT INTO message VALUES ('mine')")
    before = path.read_bytes()
    store = Store(path, notebook=str(tmp_path / "nb" / "lesson.ipynb"), idle_release=0)
    with pytest.raises(Exception, match="not a buddy store"):
        store.list_sessions()
    assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir()) == ["lesson.duckdb"]
