"""An exception inside a widget callback is shown in the panel, never lost."""

from __future__ import annotations

from buddy_jupyter.errors import StoreLocked
from tests.sidebar.conftest import converse, wait_for


def test_store_error_in_an_action_is_shown_as_one_line(kb, open_sidebar_for, monkeypatch):
    converse(kb.store, "Rename me", "q", "a")
    sidebar = open_sidebar_for(kb)
    sidebar.history.rows[0].click()

    def locked(*_args, **_kwargs):
        raise StoreLocked("the store lesson.duckdb is held by python (PID 42); waited 30 s")

    monkeypatch.setattr(kb.store, "set_title", locked)
    sidebar.transcript.rename_button.click()
    sidebar.transcript.rename_save.click()  # must not raise out of the callback

    assert sidebar.errors.layout.display == "flex"
    assert sidebar.errors.text == "rename: the store lesson.duckdb is held by python (PID 42); waited 30 s"
    assert "buddy-error" in sidebar.errors._dom_classes
    sidebar.errors.dismiss.click()
    assert sidebar.errors.layout.display == "none" and sidebar.errors.text == ""


def test_unexpected_error_names_its_type(kb, open_sidebar_for, monkeypatch):
    converse(kb.store, "Q", "q", "a")
    sidebar = open_sidebar_for(kb)

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(sidebar.sources, "page", broken)
    sidebar.history.next.click()
    assert sidebar.errors.text == "page: ZeroDivisionError: division by zero"


def test_error_during_a_live_update_is_shown(kb, open_sidebar_for, monkeypatch):
    sidebar = open_sidebar_for(kb, min_interval=0.01)

    def broken():
        raise RuntimeError("list query failed")

    monkeypatch.setattr(sidebar.history, "refresh", broken)
    converse(kb.store, "New", "q", "a")
    wait_for(lambda: "list query failed" in sidebar.errors.text, what="the live-update error")
    assert sidebar.errors.text == "live update: RuntimeError: list query failed"


def test_opening_a_deleted_session_shows_not_found(kb, open_sidebar_for):
    sid = converse(kb.store, "Vanishing", "q", "a")
    sidebar = open_sidebar_for(kb, min_interval=60)  # no live update before the click
    row = sidebar.history.row_widget(sid)
    kb.store.delete_session(sid)
    row.click()
    assert sidebar.errors.text.startswith("open: no session")
    assert sidebar.transcript.session_id is None
