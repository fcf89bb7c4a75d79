"""Searching the folder from the sidebar reads the search index: no store is attached once it is fresh."""

from __future__ import annotations

from tests.sidebar.conftest import converse, make_kb


def test_folder_search_attaches_no_store_once_indexed(kb, folder, open_sidebar_for, monkeypatch, tmp_path):
    from buddy_jupyter.analytics import history, search_index
    from buddy_jupyter.analytics.search_index import freshness

    monkeypatch.setenv("BUDDY_CACHE_DIR", str(tmp_path / "cache"))
    other = make_kb(folder / "other.ipynb")
    try:
        theirs = converse(other.store, "Broadcasting", "How does numpy broadcasting work?", "Shapes align.")
        later = converse(other.store, "Broadcast rules", "Which broadcasting rules apply?", "Trailing axes.")
        other.store.close()
        mine = converse(kb.store, "Pandas", "What is pandas broadcasting?", "Series align on the index.")
        sidebar = open_sidebar_for(kb)
        sidebar.history.scope.value = "folder"
        sidebar.history.search.value = "broadcasting"  # builds the index
        assert sidebar.errors.errors == []
        assert set(r.session_id for r in sidebar.history.visible_rows) == {theirs, later, mine}

        def refuse(*args, **kwargs):
            raise AssertionError("a store was attached")

        monkeypatch.setattr(history, "open_history", refuse)
        monkeypatch.setattr(freshness, "open_history", refuse)
        sidebar.history.search.value = "broadcasting rules"
        assert sidebar.errors.errors == []
        rows = sidebar.history.visible_rows
        assert rows[0].session_id == later and rows[0].title == "Broadcast rules"
        assert rows[0].notebook.endswith("other.ipynb") and not rows[0].local and rows[0].message_count == 2
        assert "rules" in rows[0].snippet.lower()
    finally:
        other.close()
        search_index.close()



def test_the_search_box_searches_as_one_types(kb, open_sidebar_for, monkeypatch):
    from buddy_jupyter.sidebar import sources

    converse(kb.store, "Comprehensions", "What is a list comprehension?", "A loop inside brackets.")
    sidebar = open_sidebar_for(kb)
    box = sidebar.history.search
    assert box.continuous_update  # every keystroke reaches the kernel, not only Enter
    searches = []
    original = sources.Sources.search
    monkeypatch.setattr(sources.Sources, "search", lambda self, *a, **k: (searches.append(a[1]),
                                                                          original(self, *a, **k))[1])
    for typed in ["l", "li", "lis"]:
        box.value = typed
        assert sidebar.history.visible_rows == []  # whole words match: no word yet
    for typed in ["list", "list ", "list c"]:
        box.value = typed
        assert [r.title for r in sidebar.history.visible_rows] == ["Comprehensions"]
    assert searches == ["l", "li", "lis", "list", "list c"]  # the trailing space searched nothing new
    assert sidebar.errors.errors == []
