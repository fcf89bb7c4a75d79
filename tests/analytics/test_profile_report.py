"""The learner profile and the %buddy progress display, over a kernel's history scope."""

from __future__ import annotations

import sys

import pytest

from buddy_jupyter.analytics import build_profile, profile_for_prompt, progress_report
from buddy_jupyter.analytics.profile import DEFAULT_NOTES, profile_path, stated_sentences
from buddy_jupyter.config import Buddy
from buddy_jupyter.state import KernelBuddy

from .timelines import kernel_with_history


@pytest.fixture
def kb(tmp_path):
    kb = kernel_with_history(tmp_path / "course")
    yield kb
    kb.close()


@pytest.fixture
def scope(kb):
    return kb.history_scope()


def test_the_profile_gathers_topics_errors_goals_and_memories(kb, scope):
    path = build_profile(scope)
    assert path == kb.store_path.parent / "memories.local.md"
    text = path.read_text()
    assert "- pandas: groupby: 1 conversation(s), 2 question(s)" in text  # tagged automatically
    assert "- plotting: 1 conversation(s)" in text  # from the other notebook
    assert "- NameError: 3 times" in text and "KeyError" not in text  # recurring only
    assert '"I prefer short answers."' in text
    assert "My goal is to analyse my shop's sales data by month" in text
    assert "- Call me Sam (mem_" in text
    assert DEFAULT_NOTES.strip() in text


def test_a_rebuild_keeps_the_learners_notes_and_the_prompt_reads_their_edits(scope):
    path = build_profile(scope)
    path.write_text(path.read_text().replace(DEFAULT_NOTES.strip(), "I am a biologist; use biology examples."))
    build_profile(scope)
    assert "I am a biologist; use biology examples." in path.read_text()
    path.write_text(path.read_text().replace("## Preferences and goals\n", "## Preferences and goals\n- likes cats\n"))
    prompt = profile_for_prompt(scope)
    assert "- likes cats" in prompt and "biologist" in prompt
    assert not prompt.startswith("# ")  # the title is not worth prompt space
    short = profile_for_prompt(scope, limit_chars=120)
    assert len(short) <= 120 and short.startswith("## Topics covered")


def test_the_prompt_part_is_built_when_missing_and_empty_without_history(scope, tmp_path):
    assert not profile_path(scope).exists()
    assert "pandas: groupby" in profile_for_prompt(scope)
    fresh = KernelBuddy(Buddy(), user_ns={"__session__": str(tmp_path / "course" / "new" / "fresh.ipynb")})
    assert profile_for_prompt(fresh.history_scope()) == ""
    assert not fresh.store_path.exists()  # asking for the profile creates no store


def test_stated_sentences():
    assert stated_sentences("Hi! I'd like plots in colour. What is x?\nPlease always show types.") == [
        "I'd like plots in colour.", "Please always show types."]


def test_progress_report_shows_a_chart_and_tables(kb):
    report = progress_report(kb.history_scope(everywhere=True))
    html = report._repr_html_()
    assert '<img alt="minutes per day" src="data:image/png;base64,' in html
    assert "pandas: groupby" in html and "plotting" in html
    markdown = report._repr_markdown_()
    assert "| topic | sessions |" in markdown and "![minutes per day](data:image/png;base64," in markdown
    only_here = progress_report(kb.history_scope(everywhere=False))
    assert "plotting" not in only_here._repr_markdown_()


def test_progress_report_without_matplotlib_draws_text(kb, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    report = progress_report(kb.history_scope(everywhere=False))
    assert report.chart_png is None
    assert "<pre>" in report._repr_html_() and "#" in report._repr_markdown_()
    assert "min" in repr(report)
