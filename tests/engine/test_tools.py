"""The buddy's tools for real models: search and read-only SQL over every notebook's history."""

from __future__ import annotations

import pytest

from buddy_jupyter.engine.events import ToolError
from buddy_jupyter.engine.tools import history_tools
from tests.analytics.timelines import kernel_with_history


@pytest.fixture
def kb(tmp_path):
    kb = kernel_with_history(tmp_path / "course")
    yield kb
    kb.close()


def test_search_history_tool(kb):
    search, query = history_tools(kb.history_scope)
    assert (search.name, query.name) == ("search_history", "query_history")
    out = search.function(query="histogram matplotlib")
    assert "extra.ipynb" in out and "plots" in out and "histogram" in out
    assert "No past messages" in search.function(query="kubernetes")
    with pytest.raises(ToolError):
        search.function(query="  ")


def test_query_history_tool_spans_notebooks_and_refuses_writes(kb):
    _, query = history_tools(kb.history_scope)
    out = query.function(sql="SELECT notebook, count(*) AS n FROM messages GROUP BY ALL ORDER BY notebook")
    assert "| notebook | n |" in out and "lesson.ipynb | 4 |" in out and "extra.ipynb | 2 |" in out
    big = query.function(sql="SELECT * FROM range(5000)")
    assert "truncated" in big and big.count("\n") <= 205
    with pytest.raises(ToolError, match="only SELECT"):
        query.function(sql="DELETE FROM message")
    assert kb.store.count_sessions() == 1
