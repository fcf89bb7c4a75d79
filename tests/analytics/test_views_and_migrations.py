"""The SQL views and the migrations that add them, from a store frozen at m001."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from buddy_jupyter.analytics import sql
from buddy_jupyter.errors import InvalidInput
from buddy_jupyter.schema import ids
from buddy_jupyter.schema.parts import TextPart
from buddy_jupyter.store import Store
from buddy_jupyter.store.migrations import MIGRATIONS

from .timelines import T0, us

# A frozen copy of m001's DDL and ledger, as buddy_jupyter 0.1.0 left a store. Never edit.
M001_STORE = """
CREATE TABLE project (id VARCHAR PRIMARY KEY, path VARCHAR NOT NULL, time_created TIMESTAMP NOT NULL,
    time_updated TIMESTAMP NOT NULL, data JSON);
CREATE TABLE session (id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, parent_id VARCHAR,
    title VARCHAR NOT NULL DEFAULT '', time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL,
    time_archived TIMESTAMP, message_count INTEGER NOT NULL DEFAULT 0, tokens_input BIGINT NOT NULL DEFAULT 0,
    tokens_output BIGINT NOT NULL DEFAULT 0, cost DOUBLE NOT NULL DEFAULT 0, data JSON);
CREATE TABLE message (id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, seq INTEGER NOT NULL,
    role VARCHAR NOT NULL, time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL,
    time_completed TIMESTAMP, model_id VARCHAR, provider_id VARCHAR, tokens_input BIGINT, tokens_output BIGINT,
    tokens_reasoning BIGINT, tokens_cache_read BIGINT, tokens_cache_write BIGINT, cost DOUBLE, finish VARCHAR,
    error_name VARCHAR, data JSON NOT NULL);
CREATE TABLE part (id VARCHAR PRIMARY KEY, session_id VARCHAR NOT NULL, message_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL, type VARCHAR NOT NULL, time_created TIMESTAMP NOT NULL, time_updated TIMESTAMP NOT NULL,
    data JSON NOT NULL);
CREATE INDEX message_by_session ON message (session_id, time_created, id);
CREATE INDEX part_by_session ON part (session_id, time_created, id);
CREATE INDEX part_by_message ON part (message_id, id);
CREATE TABLE buddy_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
INSERT INTO buddy_migrations (name) VALUES ('m001_conversation_tables');

INSERT INTO project VALUES ('prj_old', '/course/old.ipynb', TIMESTAMP '2025-01-01 09:00:00',
    TIMESTAMP '2025-01-01 09:00:00', NULL);
INSERT INTO session VALUES ('ses_old', 'prj_old', NULL, 'Why does merge drop rows?', TIMESTAMP '2025-01-01 09:00:01',
    TIMESTAMP '2025-01-01 09:00:09', NULL, 2, 120, 45, 0.0012, NULL);
INSERT INTO message VALUES
 ('msg_q', 'ses_old', 1, 'user', TIMESTAMP '2025-01-01 09:00:04', TIMESTAMP '2025-01-01 09:00:04',
  TIMESTAMP '2025-01-01 09:00:04', 'offline', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '{"role":"user","time_created":"2025-01-01T09:00:04","model":"offline"}'),
 ('msg_a', 'ses_old', 2, 'assistant', TIMESTAMP '2025-01-01 09:00:05', TIMESTAMP '2025-01-01 09:00:09',
  TIMESTAMP '2025-01-01 09:00:09', 'offline', 'offline', 120, 45, 0, 0, 0, 0.0012, 'stop', NULL,
  '{"role":"assistant","time_created":"2025-01-01T09:00:05","parent_id":"msg_q","model_id":"offline"}');
INSERT INTO part VALUES
 ('prt_1', 'ses_old', 'msg_q', 1, 'text', TIMESTAMP '2025-01-01 09:00:04', TIMESTAMP '2025-01-01 09:00:04',
  '{"type":"text","text":"Why does my merge drop rows?"}'),
 ('prt_2', 'ses_old', 'msg_a', 1, 'tool', TIMESTAMP '2025-01-01 09:00:06', TIMESTAMP '2025-01-01 09:00:07',
  '{"type":"tool","call_id":"c1","tool":"read_variable","state":{"status":"completed","input":{"name":"df"},"output":"3 rows","title":"df","time":{"start":1735722006000,"end":1735722007000}}}'),
 ('prt_3', 'ses_old', 'msg_a', 2, 'text', TIMESTAMP '2025-01-01 09:00:07', TIMESTAMP '2025-01-01 09:00:09',
  '{"type":"text","text":"An inner join keeps only keys found in both frames."}');
"""


def test_a_store_at_m001_migrates_forward_to_the_views(tmp_path):
    path = tmp_path / ".buddy" / "old.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute(M001_STORE)
    store = Store(path, notebook="/course/old.ipynb", idle_release=0.05)
    try:
        assert store.schema_version() == MIGRATIONS[-1][0]
        applied = sql("SELECT name FROM buddy_migrations ORDER BY name", store=store)["name"].tolist()
        assert applied[:3] == ["m001_conversation_tables", "m002_activity_topics_memory_curriculum",
                               "m003_analytics_views"]
        turns = sql("SELECT * FROM turns", store=store)
        assert turns["question"].tolist() == ["Why does my merge drop rows?"]
        assert turns["answer"].tolist() == ["An inner join keeps only keys found in both frames."]
        assert turns["latency_seconds"].tolist() == [5.0]
        assert turns["tokens_output"].tolist() == [45]
        calls = sql("SELECT tool, status, output, duration_ms, input->>'name' AS name FROM tool_calls", store=store)
        assert calls.to_dict("records") == [
            {"tool": "read_variable", "status": "completed", "output": "3 rows", "duration_ms": 1000, "name": "df"}]
        assert sql("SELECT count(*) AS n FROM activity", store=store)["n"].tolist() == [0]
    finally:
        store.close()
    with duckdb.connect(str(path), read_only=True) as con:  # the old rows are whole
        assert con.execute("SELECT count(*) FROM part").fetchall() == [(3,)]


def test_messages_view_joins_text_parts_in_order_and_skips_ignored(notebook_store):
    store, script = notebook_store
    session = script.session("views")
    qid, aid = script.turn(session, "first part", "the answer", T0, seconds=4, tokens=(7, 3))
    later = T0 + timedelta(seconds=5)
    store.put_part(TextPart(id=ids.make_id("part", us(later)), session_id=session, message_id=qid, text=" second"))
    store.put_part(TextPart(id=ids.make_id("part", us(later) + 1), session_id=session, message_id=qid,
                            text=" hidden", ignored=True))
    messages = sql("SELECT message_id, role, text, notebook, session_title, parent_id, tokens_input "
                   "FROM messages ORDER BY time_created", store=store)
    assert messages["text"].tolist() == ["first part second", "the answer"]
    assert messages["notebook"].tolist() == [store.notebook] * 2
    assert messages["session_title"].tolist() == ["views"] * 2
    assert messages["parent_id"].tolist()[1] == qid
    timeline = sql("SELECT kind, duration_ms FROM timeline ORDER BY time_start", store=store)
    assert timeline.to_dict("records") == [{"kind": "question", "duration_ms": 0},
                                           {"kind": "answer", "duration_ms": 3999}]


def test_sql_errors_are_the_learners_to_fix(notebook_store):
    store, _ = notebook_store
    with pytest.raises(InvalidInput, match="SQL error"):
        sql("SELECT nope FROM messages", store=store)
    with pytest.raises(InvalidInput):
        sql("   ", store=store)


@pytest.mark.parametrize("view", ["messages", "turns", "tool_calls", "timeline"])
def test_the_union_views_match_the_stores_own(notebook_store, view):
    """``history.UNION_VIEWS`` restates the store's views over all stores: same columns, same rows."""
    store, script = notebook_store
    session = script.session("same")
    script.turn(session, "q", "a", T0, tool=("read_variable", {"name": "df"}, "3 rows"))
    script.cells((T0 + timedelta(seconds=30), 5, "NameError"))
    own = sql(f"SELECT * FROM {view} ORDER BY ALL", store=store)
    everywhere = sql(f"SELECT * FROM {view} ORDER BY ALL", store=store, root=store.path.parent.parent)
    assert list(everywhere.columns) == list(own.columns)
    assert everywhere.astype(str).values.tolist() == own.astype(str).values.tolist()
    assert len(own) > 0


def test_a_copied_store_never_multiplies_rows(course, tmp_path):
    import shutil

    store, script = course("original")
    script.turn(script.session("copied"), "question", "answer", T0)
    store.close()
    copy_folder = course.root / "copy" / ".buddy"
    copy_folder.mkdir(parents=True)
    shutil.copyfile(store.path, copy_folder / "copy.duckdb")
    copy = Store(copy_folder / "copy.duckdb", notebook=str(course.root / "copy" / "copy.ipynb"), idle_release=0.05)
    copy.count_sessions()  # opened under its new name: same ids, its own notebook
    copy.close()
    frame = sql("SELECT notebook, count(*) AS n FROM messages GROUP BY ALL ORDER BY ALL", root=course.root)
    assert frame["n"].tolist() == [2, 2]
    assert sql("SELECT count(*) AS n FROM turns", root=course.root)["n"].tolist() == [2]
