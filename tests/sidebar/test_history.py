"""The history list: order, details, paging, search and scopes, on real stores."""

from __future__ import annotations

import time

from tests.sidebar.conftest import converse, make_kb


def test_sessions_newest_first_with_details(kb, open_sidebar_for):
    converse(kb.store, "Loops", "How do for loops work?", "They repeat.")
    converse(kb.store, "Lists", "What is a list?", "An ordered collection.")
    newest = converse(kb.store, "Dicts", "What is a dict?", "A mapping.")
    kb.store.set_title(newest, "Dictionaries")

    sidebar = open_sidebar_for(kb)

    assert sidebar.errors.errors == []
    assert [r.title for r in sidebar.history.visible_rows] == ["Dictionaries", "Lists", "Loops"]
    first = sidebar.history.rows[0]
    assert "buddy-session-row" in first._dom_classes
    assert first.button.description == "Dictionaries"
    meta = first.meta.value
    assert "2 messages" in meta and "just now" in meta
    assert sidebar.history.pager.layout.display == "none"  # one page only


def test_time_spent_per_session_comes_from_analytics(kb, open_sidebar_for):
    sid = converse(kb.store, "Slow answer", "Explain recursion", "It calls itself.", seconds=90)
    sidebar = open_sidebar_for(kb)
    assert sidebar.history.notices == []
    row = sidebar.history.visible_rows[0]
    assert row.session_id == sid
    assert row.seconds is not None and 89 <= row.seconds <= 91
    assert "90 s" in sidebar.history.rows[0].meta.value or "2 min" in sidebar.history.rows[0].meta.value


def test_paging_through_1000_sessions(kb, open_sidebar_for):
    store = kb.store
    with store.transaction():
        for i in range(1000):
            store.create_session(f"Session {i:04d}")

    started = time.perf_counter()
    sidebar = open_sidebar_for(kb)
    opened = time.perf_counter() - started

    history = sidebar.history
    assert sidebar.errors.errors == []
    assert len(history.visible_rows) == 25
    assert history.visible_rows[0].title == "Session 0999"
    assert history.page_label.value == "1–25 of 1,000"
    assert history.prev.disabled and not history.next.disabled
    assert opened < 2.0, f"opening took {opened:.2f} s"

    widgets_before = list(history.rows)
    history.next.click()
    assert history.visible_rows[0].title == "Session 0974"
    assert history.page_label.value == "26–50 of 1,000"
    assert history.rows == widgets_before  # paging reuses the row widgets
    history.go(975)
    assert history.page_label.value == "976–1,000 of 1,000"
    assert history.visible_rows[-1].title == "Session 0000"
    assert history.next.disabled
    history.go(5000)  # past the end: the last page
    assert history.page_label.value == "976–1,000 of 1,000"
    history.prev.click()
    assert history.page_label.value == "951–975 of 1,000"


def test_short_last_page_hides_unused_rows(kb, open_sidebar_for):
    store = kb.store
    with store.transaction():
        for i in range(30):
            store.create_session(f"S{i}")
    sidebar = open_sidebar_for(kb)
    sidebar.history.next.click()
    shown = [r for r in sidebar.history.rows if r.layout.display != "none"]
    assert len(shown) == 5 == len(sidebar.history.visible_rows)


def test_search_finds_a_word_of_the_question(kb, open_sidebar_for):
    hit = converse(kb.store, "Comprehensions", "What is a list comprehension?", "A compact way to build lists.")
    converse(kb.store, "Plots", "How do I draw a histogram?", "Use plt.hist.")
    sidebar = open_sidebar_for(kb)

    sidebar.history.search.value = "comprehension"

    assert sidebar.errors.errors == []
    rows = sidebar.history.visible_rows
    assert [r.session_id for r in rows] == [hit]
    assert "comprehension" in rows[0].snippet.lower()
    assert "match" in sidebar.history.summary.value
    sidebar.history.clear_search.click()
    assert len(sidebar.history.visible_rows) == 2


def test_search_with_no_match_says_so(kb, open_sidebar_for):
    converse(kb.store, "Plots", "How do I draw a histogram?", "Use plt.hist.")
    sidebar = open_sidebar_for(kb)
    sidebar.history.search.value = "zebra"
    assert sidebar.errors.errors == []
    assert sidebar.history.visible_rows == []
    assert "0 conversations match" in sidebar.history.summary.value


def test_folder_scope_lists_every_notebook(kb, folder, open_sidebar_for):
    other = make_kb(folder / "other.ipynb")
    try:
        theirs = converse(other.store, "Their question", "What is numpy?", "Arrays.")
        other.store.close()
        mine = converse(kb.store, "My question", "What is pandas?", "Tables.")
        sidebar = open_sidebar_for(kb)
        assert [r.session_id for r in sidebar.history.visible_rows] == [mine]

        sidebar.history.scope.value = "folder"

        assert sidebar.errors.errors == [] and sidebar.history.notices == []
        rows = sidebar.history.visible_rows
        assert [r.session_id for r in rows] == [mine, theirs]
        assert [r.local for r in rows] == [True, False]
        assert rows[1].notebook_name == "other.ipynb"
        assert "other.ipynb" in sidebar.history.rows[1].meta.value

        sidebar.history.rows[1].click()  # another notebook's conversation opens read-only
        assert sidebar.errors.errors == []
        assert "Arrays." in sidebar.transcript.markdown
        assert sidebar.transcript.continue_button.disabled and sidebar.transcript.delete_button.disabled
        assert not sidebar.transcript.export_button.disabled
    finally:
        other.close()


def test_folder_scope_search(kb, folder, open_sidebar_for):
    other = make_kb(folder / "other.ipynb")
    try:
        theirs = converse(other.store, "Broadcasting", "How does numpy broadcasting work?", "Shapes align.")
        other.store.close()
        converse(kb.store, "Pandas", "What is pandas?", "Tables.")
        sidebar = open_sidebar_for(kb)
        sidebar.history.scope.value = "folder"
        sidebar.history.search.value = "broadcasting"
        assert sidebar.errors.errors == []
        assert [r.session_id for r in sidebar.history.visible_rows] == [theirs]
    finally:
        other.close()


def test_archived_scope(kb, open_sidebar_for):
    kept = converse(kb.store, "Kept", "q1", "a1")
    gone = converse(kb.store, "Old", "q2", "a2")
    kb.store.archive_session(gone)
    sidebar = open_sidebar_for(kb)
    assert [r.session_id for r in sidebar.history.visible_rows] == [kept]
    sidebar.history.scope.value = "archived"
    rows = sidebar.history.visible_rows
    assert [r.session_id for r in rows] == [gone] and rows[0].archived
    assert "archived" in sidebar.history.rows[0].meta.value


def test_empty_store_invites_a_question(kb, open_sidebar_for):
    sidebar = open_sidebar_for(kb)
    assert sidebar.history.visible_rows == []
    assert "%buddy" in sidebar.history.summary.value
