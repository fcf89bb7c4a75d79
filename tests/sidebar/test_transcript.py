"""Opening a conversation and its actions: Continue, Rename, Archive, Delete, Export."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sidebar.conftest import converse


@pytest.fixture
def opened(kb, open_sidebar_for):
    """A sidebar with two conversations, the older one open."""
    sid = converse(kb.store, "Comprehensions", "What is a list comprehension?", "A compact `for` inside brackets.")
    converse(kb.store, "Newer", "Another question", "Another answer")
    sidebar = open_sidebar_for(kb)
    sidebar.history.row_widget(sid).click()
    return sidebar, sid


def test_click_shows_markdown_and_footer(opened):
    sidebar, sid = opened
    view = sidebar.transcript
    assert sidebar.errors.errors == []
    assert view.session_id == sid
    assert view.layout.display == "flex" and sidebar.history.listing.layout.display == "none"
    assert "buddy-transcript" in view.output._dom_classes
    output = view.output.outputs[0]
    assert output["output_type"] == "display_data"
    markdown = output["data"]["text/markdown"]
    assert "What is a list comprehension?" in markdown and "A compact `for` inside brackets." in markdown
    assert markdown.index("**You**") < markdown.index("**Buddy**")
    footer = view.footer.value
    assert "2 messages" in footer and "40 in / 120 out tokens" in footer and "$0.0012" in footer
    assert "answers took 2 s" in footer
    assert "Comprehensions" in view.title.value

    view.back.click()
    assert view.layout.display == "none" and sidebar.history.listing.layout.display == "flex"
    assert view.session_id is None


def test_continue_makes_it_current(opened, kb):
    sidebar, sid = opened
    assert kb.current_session_id != sid
    sidebar.transcript.continue_button.click()
    assert sidebar.errors.errors == []
    assert kb.current_session_id == sid
    assert sidebar.transcript.continue_button.disabled
    assert sidebar.transcript.continue_button.description == "Current"
    assert "now continues" in sidebar.notice.value
    assert sidebar.history.row_widget(sid).button.description.startswith("● ")


def test_rename(opened, kb):
    sidebar, sid = opened
    view = sidebar.transcript
    view.rename_button.click()
    assert view.rename_box.layout.display == "flex"
    assert view.rename_text.value == "Comprehensions"
    view.rename_text.value = "List comprehensions explained"
    view.rename_save.click()
    assert sidebar.errors.errors == []
    assert kb.store.get_session(sid).title == "List comprehensions explained"
    assert view.rename_box.layout.display == "none"
    assert "List comprehensions explained" in view.title.value
    assert sidebar.history.row_widget(sid).button.description == "List comprehensions explained"


def test_archive_and_unarchive(opened, kb):
    sidebar, sid = opened
    view = sidebar.transcript
    view.archive_button.click()
    assert sidebar.errors.errors == []
    assert kb.store.get_session(sid).time_archived is not None
    assert view.archive_button.description == "Unarchive"
    assert sid not in [r.session_id for r in sidebar.history.visible_rows]
    view.archive_button.click()
    assert kb.store.get_session(sid).time_archived is None
    assert view.archive_button.description == "Archive"


def test_delete_needs_a_confirming_second_click(opened, kb):
    sidebar, sid = opened
    view = sidebar.transcript
    view.delete_button.click()
    assert kb.store.get_session(sid)  # not yet
    assert view.confirm_box.layout.display == "flex"
    view.cancel_delete.click()
    assert view.confirm_box.layout.display == "none"
    assert kb.store.get_session(sid)

    view.delete_button.click()
    view.confirm_delete.click()
    assert sidebar.errors.errors == []
    with pytest.raises(KeyError):
        kb.store.get_session(sid)
    assert view.layout.display == "none"
    assert sid not in [r.session_id for r in sidebar.history.visible_rows]
    assert "Deleted" in sidebar.notice.value


def test_confirm_without_delete_first_is_refused(opened, kb):
    sidebar, sid = opened
    sidebar.transcript.confirm_delete.click()  # hidden, but a stray click must not delete
    assert kb.store.get_session(sid)
    assert "click Delete first" in sidebar.errors.text


def test_export_writes_markdown_and_shows_the_path(opened, folder):
    sidebar, sid = opened
    sidebar.transcript.export_button.click()
    assert sidebar.errors.errors == []
    path = Path(sidebar.transcript.exported)
    assert path.parent == folder and path.suffix == ".md"
    assert "A compact `for` inside brackets." in path.read_text()
    assert str(path) in sidebar.notice.value
