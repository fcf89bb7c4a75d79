"""The learner profile, the buddy's history tools and the %buddy progress display, through a KernelBuddy."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest

from buddy_jupyter.analytics import build_profile, history_tools, profile_for_prompt, progress_report
from buddy_jupyter.analytics.profile import DEFAULT_NOTES, profile_path, stated_sentences
from buddy_jupyter.config import Buddy
from buddy_jupyter.engine.events import ToolError
from buddy_jupyter.state import KernelBuddy
from buddy_jupyter.store import records

from .timelines import T0, Script


@pytest.fixture
def kb(course):
    """A kernel on ``course/lesson.ipynb`` whose history root is ``course``, with two notebooks' history."""
    root = course.root
    kb = KernelBuddy(Buddy(idle_release=0.05, history_root=str(root)),
                     user_ns={"__session__": str(root / "lesson.ipynb")})
    script = Script(kb.store)
    groupby = script.session("groupby")
    script.turn(groupby, "I prefer short answers. How do I use groupby to get the mean per city?",
                "df.groupby('city').mean()", T0, seconds=20)
    script.turn(groupby, "My goal is to analyse my shop's sales data by month", "Group by the month.",
                T0 + timedelta(minutes=2), seconds=20)
    script.cells((T0 + timedelta(minutes=1), 100, "NameError"), (T0 + timedelta(minutes=3), 100, "NameError"),
                 (T0 + timedelta(minutes=4), 100, "NameError"), (T0 + timedelta(minutes=5), 100, "KeyError"))
    _, extra = course("extra", folder="more")
    records.add_memory(extra.store, "Call me Sam")
    plots = extra.session("plots", ["plotting"])
    extra.turn(plots, "How do I draw a histogram with matplotlib?", "plt.hist(x, bins=20)", T0 + timedelta(hours=1))
    extra.store.close()
    yield kb
    kb.close()


def test_the_profile_gathers_topics_errors_goals_and_memories(kb):
    path = build_profile(kb)
    assert path == kb.store_path.parent / "memories.local.md"
    text = path.read_text()
    assert "- pandas: groupby: 1 conversation(s), 2 question(s)" in text  # tagged automatically
    assert "- plotting: 1 conversation(s)" in text  # from the other notebook
    assert "- NameError: 3 times" in text and "KeyError" not in text  # recurring only
    assert '"I prefer short answers."' in text
    assert "My goal is to analyse my shop's sales data by month" in text
    assert "- Call me Sam (mem_" in text
    assert DEFAULT_NOTES.strip() in text


def test_a_rebuild_keeps_the_learners_notes_and_the_prompt_reads_their_edits(kb):
    path = build_profile(kb)
    path.write_text(path.read_text().replace(DEFAULT_NOTES.strip(), "I am a biologist; use biology examples."))
    build_profile(kb)
    assert "I am a biologist; use biology examples." in path.read_text()
    path.write_text(path.read_text().replace("## Preferences and goals\n", "## Preferences and goals\n- likes cats\n"))
    prompt = profile_for_prompt(kb)
    assert "- likes cats" in prompt and "biologist" in prompt
    assert not prompt.startswith("# ")  # the title is not worth prompt space
    short = profile_for_prompt(kb, limit_chars=120)
    assert len(short) <= 120 and short.startswith("## Topics covered")


def test_the_prompt_part_is_built_when_missing_and_empty_without_history(kb, course):
    assert not profile_path(kb).exists()
    assert "pandas: groupby" in profile_for_prompt(kb)
    fresh = KernelBuddy(Buddy(), user_ns={"__session__": str(course.root / "new" / "fresh.ipynb")})
    assert profile_for_prompt(fresh) == ""
    assert not fresh.store_path.exists()  # asking for the profile creates no store


def test_stated_sentences():
    assert stated_sentences("Hi! I'd like plots in colour. What is x?\nPlease always show types.") == [
        "I'd like plots in colour.", "Please always show types."]


def test_search_history_tool(kb):
    search, query = history_tools(kb)
    assert (search.name, query.name) == ("search_history", "query_history")
    out = search.function(query="histogram matplotlib")
    assert "extra.ipynb" in out and "plots" in out and "histogram" in out
    assert "No past messages" in search.function(query="kubernetes")
    with pytest.raises(ToolError):
        search.function(query="  ")


def test_query_history_tool_spans_notebooks_and_refuses_writes(kb):
    _, query = history_tools(kb)
    out = query.function(sql="SELECT notebook, count(*) AS n FROM messages GROUP BY ALL ORDER BY notebook")
    assert "| notebook | n |" in out and "lesson.ipynb | 4 |" in out and "extra.ipynb | 2 |" in out
    big = query.function(sql="SELECT * FROM range(5000)")
    assert "truncated" in big and big.count("\n") <= 205
    with pytest.raises(ToolError, match="only SELECT"):
        query.function(sql="DELETE FROM message")
    assert kb.store.count_sessions() == 1


def test_progress_report_shows_a_chart_and_tables(kb):
    report = progress_report(kb, all_notebooks=True)
    html = report._repr_html_()
    assert '<img alt="minutes per day" src="data:image/png;base64,' in html
    assert "pandas: groupby" in html and "plotting" in html
    markdown = report._repr_markdown_()
    assert "| topic | sessions |" in markdown and "![minutes per day](data:image/png;base64," in markdown
    only_here = progress_report(kb)
    assert "plotting" not in only_here._repr_markdown_()


def test_progress_report_without_matplotlib_draws_text(kb, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    report = progress_report(kb)
    assert report.chart_png is None
    assert "<pre>" in report._repr_html_() and "#" in report._repr_markdown_()
    assert "min" in repr(report)
