"""The write verbs for activity, topics, memories and the curriculum."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

from buddy_jupyter.analytics import sql
from buddy_jupyter.errors import InvalidInput, NotFound
from buddy_jupyter.store import records


def rows(store, query):
    return [tuple(r) for r in sql(query, store=store).itertuples(index=False)]


def test_topics_from_the_learner_outrank_automatic_ones(notebook_store):
    store, script = notebook_store
    session = script.session("tags")
    assert records.set_topics(store, session, ["Pandas:  GroupBy", "numpy", "numpy"], "auto") == [
        "pandas: groupby", "numpy"]
    records.set_topics(store, session, ["numpy"], "learner")
    records.set_topics(store, session, ["plotting"], "auto")  # replaces the automatic tags only
    assert rows(store, "SELECT topic, source FROM session_topic ORDER BY topic") == [
        ("numpy", "learner"), ("plotting", "auto")]
    with pytest.raises(InvalidInput):
        records.set_topics(store, session, ["x"], "robot")
    with pytest.raises(NotFound):
        records.set_topics(store, "ses_missing", ["x"])


def test_memories_are_hidden_never_deleted(notebook_store):
    store, _ = notebook_store
    keep = records.add_memory(store, "  I learn best with small examples ")
    gone = records.add_memory(store, "Call me Sam")
    assert records.forget_memory(store, gone[-6:]) == gone
    assert rows(store, "SELECT id, text, time_deleted IS NULL FROM memory ORDER BY time_created") == [
        (keep, "I learn best with small examples", True), (gone, "Call me Sam", False)]
    with pytest.raises(NotFound):
        records.forget_memory(store, gone)  # already hidden
    with pytest.raises(InvalidInput):
        records.add_memory(store, "   ")


def test_curriculum_is_replaced_in_order(notebook_store):
    store, _ = notebook_store
    records.set_curriculum(store, ["numpy", "plotting"])
    records.set_curriculum(store, [{"topic": "Python basics", "goal": "loops"}, ("pandas groupby", "per group means")])
    assert rows(store, "SELECT position, topic, goal FROM curriculum ORDER BY position") == [
        (1, "python basics", "loops"), (2, "pandas groupby", "per group means")]
    with pytest.raises(InvalidInput):
        records.set_curriculum(store, [""])


def test_activity_batches_in_one_statement(notebook_store):
    store, _ = notebook_store
    batch = [records.ActivityRow(time_start=datetime(2024, 1, 1, 10, 0, i), duration_ms=i, outcome="ok")
             for i in range(50)]
    assert records.record_activity(store, batch) == 50
    assert records.record_activity(store, []) == 0
    assert rows(store, "SELECT count(*), count(DISTINCT id), sum(duration_ms) FROM activity") == [(50, 50, 1225)]
    with pytest.raises(InvalidInput):
        records.record_activity(store, [{"time_start": "yesterday", "duration_ms": 1}])


def test_importing_analytics_and_the_recorder_imports_neither_duckdb_nor_pandas():
    code = ("import sys, buddy_jupyter.analytics as a, buddy_jupyter.activity; "
            "a.HistoryScope; print(sorted(m for m in ('duckdb', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
