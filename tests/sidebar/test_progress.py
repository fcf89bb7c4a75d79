"""The Progress tab: time per day as a chart (or a table) and per topic, loaded when first shown."""

from __future__ import annotations

import builtins

from buddy_jupyter.store import records
from tests.sidebar.conftest import converse


def test_progress_loads_when_the_tab_is_shown(kb, open_sidebar_for):
    sid = converse(kb.store, "Comprehensions", "What is a list comprehension?", "Brackets.", seconds=120)
    records.set_topics(kb.store, sid, ["comprehensions"])
    sidebar = open_sidebar_for(kb)
    assert not sidebar.progress.loaded  # opening the panel computes no analytics

    sidebar.tabs.selected_index = 1

    assert sidebar.errors.errors == []
    assert sidebar.progress.loaded
    assert bytes(sidebar.progress.chart.value).startswith(b"\x89PNG")
    assert sidebar.progress.chart.layout.display == "block"
    assert "2 min in 1 day" in sidebar.progress.total.value
    topics = sidebar.progress.topics_table.value
    assert "comprehensions" in topics and "<td>1</td>" in topics


def test_days_become_a_table_without_matplotlib(kb, open_sidebar_for, monkeypatch):
    converse(kb.store, "Loops", "How do loops work?", "They repeat.", seconds=30)
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    sidebar = open_sidebar_for(kb)
    sidebar.progress.refresh_button.click()
    assert sidebar.errors.errors == []
    assert sidebar.progress.chart.layout.display == "none"
    table = sidebar.progress.days_table.value
    assert "<th>Day</th>" in table and "30 s" in table


def test_progress_over_the_folder(kb, folder, open_sidebar_for):
    from tests.sidebar.conftest import make_kb

    other = make_kb(folder / "other.ipynb")
    try:
        converse(other.store, "Numpy", "What is numpy?", "Arrays.", seconds=60)
        other.store.close()
        sidebar = open_sidebar_for(kb)
        sidebar.progress.load()
        assert "0 s in 0 days" in sidebar.progress.total.value  # nothing in this notebook
        sidebar.progress.scope.value = "folder"
        assert sidebar.errors.errors == []
        assert "1 min in 1 day" in sidebar.progress.total.value
    finally:
        other.close()
