"""The history list: a scope switch, a search box, one page of sessions and a pager.

Rows are a fixed pool of ``page_size`` widgets whose text changes from page to
page: paging through a long history creates no widgets.
"""

from __future__ import annotations

import html
import threading
from typing import Callable

import ipywidgets as w

from ..schema.ids import utcnow
from .errors import ErrorArea
from .fmt import ago, duration, plural
from .sources import SCOPE_LABELS, SCOPES, Page, SessionRow, Sources

PAGE_SIZE = 25


class SessionRowWidget(w.VBox):
    """One session: a button with its title, and a line of details under it."""

    def __init__(self, on_open: Callable[[SessionRow], None], errors: ErrorArea):
        self.row: SessionRow | None = None
        self.button = w.Button(layout=w.Layout(width="100%", height="auto"))
        self.button.add_class("buddy-session-open")
        self.meta = w.HTML()
        self.meta.add_class("buddy-session-meta")
        super().__init__([self.button, self.meta], layout=w.Layout(display="none", width="100%"))
        self.add_class("buddy-session-row")
        self._on_open = on_open
        self.button.on_click(errors.guard(self._clicked, "open"))

    def _clicked(self, _button: w.Button) -> None:
        if self.row is not None:
            self._on_open(self.row)

    def click(self) -> None:
        """Open this row's conversation (what a click on its title does)."""
        self.button.click()

    def show(self, row: SessionRow, *, current: bool, show_notebook: bool) -> None:
        self.row = row
        title = row.title or "Untitled session"
        branch = "↳ " if row.parent_id else ""  # a fork: %buddy fork continues a session in a new one
        self.button.description = ("● " if current else "") + branch + title
        self.button.tooltip = (f"{title}\n{row.session_id}" + (f"\nforked from {row.parent_id}" if row.parent_id else "")
                               + ("\n(the session %buddy talks in)" if current else ""))
        bits = []
        if show_notebook or not row.local:
            bits.append(f"<b>{html.escape(row.notebook_name)}</b>")
        bits += [ago(row.time_updated, utcnow()), plural(row.message_count, "message"), duration(row.seconds)]
        if row.archived:
            bits.append("archived")
        meta = " · ".join(b for b in bits if b and b != "—")
        if row.snippet:
            meta += f"<br><i>{html.escape(row.snippet[:160])}</i>"
        self.meta.value = f"<small>{meta}</small>"
        self.layout.display = "flex"

    def hide(self) -> None:
        self.row = None
        self.layout.display = "none"


class HistoryList:
    """The controls (scope, search) and the listing (rows, pager) of the History tab."""

    def __init__(self, sources: Sources, errors: ErrorArea, on_open: Callable[[SessionRow], None],
                 *, page_size: int = PAGE_SIZE, current: Callable[[], str | None] = lambda: None):
        self.sources = sources
        self.errors = errors
        self.page_size = page_size
        self.offset = 0
        self.total = 0
        self.query = ""
        self.notices: list[str] = []
        self._current = current
        self._lock = threading.RLock()

        self.scope = w.ToggleButtons(options=[(SCOPE_LABELS[s], s) for s in SCOPES], value="notebook",
                                     style={"button_width": "auto"})
        self.scope.add_class("buddy-scope")
        # Searched as one types: a folder search is answered from the search index, which stays quick
        # over hundreds of notebooks; whole words match, so results change per word.
        self.search = w.Text(placeholder="Search conversations", continuous_update=True,
                             layout=w.Layout(flex="1 1 auto", width="auto"))
        self.search.add_class("buddy-search")
        self.clear_search = w.Button(description="×", tooltip="Clear the search", layout=w.Layout(width="28px"))
        self.clear_search.add_class("buddy-search-clear")
        self.controls = w.VBox([self.scope, w.HBox([self.search, self.clear_search], layout=w.Layout(width="100%"))])
        self.controls.add_class("buddy-history-controls")

        self.summary = w.HTML()
        self.summary.add_class("buddy-summary")
        self.rows = [SessionRowWidget(on_open, errors) for _ in range(page_size)]
        self.rows_box = w.VBox(self.rows, layout=w.Layout(width="100%"))
        self.rows_box.add_class("buddy-session-list")
        self.prev = w.Button(description="‹ Newer", layout=w.Layout(width="auto"))
        self.prev.add_class("buddy-prev")
        self.next = w.Button(description="Older ›", layout=w.Layout(width="auto"))
        self.next.add_class("buddy-next")
        self.page_label = w.Label()
        self.page_label.add_class("buddy-page-label")
        self.pager = w.HBox([self.prev, self.page_label, self.next], layout=w.Layout(justify_content="space-between"))
        self.pager.add_class("buddy-pager")
        self.listing = w.VBox([self.summary, self.rows_box, self.pager], layout=w.Layout(width="100%"))
        self.listing.add_class("buddy-listing")

        self.scope.observe(errors.guard(self._scope_changed, "scope"), "value")
        self.search.observe(errors.guard(self._search_changed, "search"), "value")
        self.clear_search.on_click(errors.guard(lambda _: setattr(self.search, "value", ""), "search"))
        self.prev.on_click(errors.guard(lambda _: self.go(self.offset - self.page_size), "page"))
        self.next.on_click(errors.guard(lambda _: self.go(self.offset + self.page_size), "page"))

    # -- state -------------------------------------------------------------------------

    @property
    def visible_rows(self) -> list[SessionRow]:
        return [r.row for r in self.rows if r.row is not None]

    def row_widget(self, session_id: str) -> SessionRowWidget:
        for widget in self.rows:
            if widget.row is not None and widget.row.session_id == session_id:
                return widget
        raise KeyError(f"session {session_id!r} is not on this page")

    # -- actions -----------------------------------------------------------------------

    def _scope_changed(self, _change: dict) -> None:
        self.offset = 0
        self.refresh()

    def _search_changed(self, change: dict) -> None:
        query = (change["new"] or "").strip()
        if query == self.query:
            return  # a space typed between words: the same search
        self.query = query
        self.offset = 0
        self.refresh()

    def go(self, offset: int) -> None:
        self.offset = max(0, offset)
        self.refresh()

    def refresh(self) -> None:
        """Query the current page (or the search) and show it."""
        with self._lock:
            if self.query:
                rows = self.sources.search(self.scope.value, self.query, limit=self.page_size)
                page = Page(rows, len(rows), 0)
            else:
                page = self.sources.page(self.scope.value, self.offset, self.page_size)
            self._show(page)

    def _show(self, page: Page) -> None:
        self.offset, self.total, self.notices = page.offset, page.total, page.notices
        current = self._current()
        folder = self.scope.value == "folder"
        for widget, row in zip(self.rows, page.rows):
            widget.show(row, current=row.local and row.session_id == current, show_notebook=folder)
        for widget in self.rows[len(page.rows):]:
            widget.hide()
        if self.query:
            text = f"{plural(len(page.rows), 'conversation')} match “{html.escape(self.query)}”"
        elif page.total == 0:
            text = {"notebook": "No conversations in this notebook yet: ask with <code>%buddy</code>.",
                    "archived": "No archived conversations.",
                    "folder": "No conversations in this folder yet."}[self.scope.value]
        else:
            text = ""
        if page.notices:
            text += "".join(f"<br><small>{html.escape(n)}</small>" for n in page.notices)
        self.summary.value = text
        self.summary.layout.display = "block" if text else "none"
        paged = not self.query and page.total > self.page_size
        self.pager.layout.display = "flex" if paged else "none"
        self.prev.disabled = page.offset <= 0
        self.next.disabled = page.offset + self.page_size >= page.total
        first = page.offset + 1 if page.rows else 0
        self.page_label.value = f"{first:,}–{page.offset + len(page.rows):,} of {page.total:,}"
