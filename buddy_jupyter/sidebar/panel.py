"""``BuddySidebar``: the panel that composes the history list, a transcript and progress.

A plain ipywidgets ``VBox`` (so it also displays inline, in Notebook 7 or VS
Code); ``placement.open_sidebar`` puts it into JupyterLab's right side panel.
Stable CSS classes name its parts for styling and for browser tests:
``buddy-sidebar``, ``buddy-stop``, ``buddy-error``, ``buddy-notice``,
``buddy-scope``, ``buddy-search``, ``buddy-session-row``, ``buddy-transcript``,
``buddy-footer``, ``buddy-continue``, ``buddy-rename``, ``buddy-archive``,
``buddy-delete``, ``buddy-confirm-delete``, ``buddy-export``, ``buddy-progress``.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .errors import ErrorArea
from .history import PAGE_SIZE, HistoryList
from .live import EventQueue, Throttle
from .progress import ProgressView
from .sources import SessionRow, Sources
from .subshell import follow_frontend_subshell
from .transcript import TranscriptView

if TYPE_CHECKING:
    from ..state import KernelBuddy
    from ..store import Event, Store

LIST_EVENTS = frozenset({"session.created", "session.updated", "session.deleted", "message.updated"})

STYLE = """
.buddy-sidebar { padding: 4px; box-sizing: border-box; }
.buddy-sidebar .widget-text input { min-width: 0; }
.buddy-sidebar .buddy-back { flex: 0 0 auto; }
.buddy-sidebar .buddy-search-clear, .buddy-sidebar .buddy-error-dismiss { padding: 0; flex: 0 0 auto; }
.buddy-sidebar .buddy-transcript .jp-OutputArea-prompt { display: none; }
.buddy-sidebar .buddy-transcript .jp-OutputArea-output { padding: 0 4px; }
.buddy-sidebar .buddy-session-row { border-bottom: 1px solid var(--jp-border-color2, #ddd); padding: 2px 0; }
.buddy-sidebar .buddy-session-open { text-align: left; font-weight: 600; background: transparent; }
.buddy-sidebar .buddy-session-open:hover { background: var(--jp-layout-color2, #eee); }
.buddy-sidebar .buddy-session-meta { margin: 0 0 0 6px; line-height: 1.3; }
.buddy-sidebar .buddy-transcript { border-top: 1px solid var(--jp-border-color2, #ddd); }
.buddy-sidebar .buddy-transcript .jp-RenderedMarkdown { padding-right: 4px; }
.buddy-sidebar .buddy-error { color: var(--jp-error-color1, #c00); }
.buddy-sidebar .buddy-table td, .buddy-sidebar .buddy-table th { padding: 0 6px; text-align: left; }
"""


class BuddySidebar(w.VBox):
    """Browse, search and continue the buddy's conversations; follows the store live."""

    def __init__(self, kernel_buddy: "KernelBuddy", *, page_size: int = PAGE_SIZE, min_interval: float = 0.2):
        self.kb = kernel_buddy
        self.errors = ErrorArea()
        self.sources = Sources(kernel_buddy.history_scope)
        guard = self.errors.guard

        self.heading = w.HTML("<b>Buddy</b> · history")
        self.status = w.HTML(layout=w.Layout(flex="1 1 auto"))
        self.status.add_class("buddy-status")
        self.stop = w.Button(description="Stop", icon="stop", button_style="warning",
                             tooltip="Stop the answer being written (the part written so far is kept)",
                             layout=w.Layout(width="auto", display="none"))
        self.stop.add_class("buddy-stop")
        # Its click must run while the %buddy cell blocks the main shell: on the frontend's subshell.
        follow_frontend_subshell(self.stop)
        header = w.HBox([self.heading, self.status, self.stop], layout=w.Layout(width="100%", align_items="center"))
        header.add_class("buddy-header")
        self.notice = w.HTML(layout=w.Layout(display="none"))
        self.notice.add_class("buddy-notice")

        self.history = HistoryList(self.sources, self.errors, self.open_session, page_size=page_size,
                                   current=lambda: self.kb.current_session_id)
        self.transcript = TranscriptView(kernel_buddy, self.sources, self.errors, on_back=self.show_list,
                                         notify=self.notify, on_changed=self.history.refresh)
        self.progress = ProgressView(kernel_buddy.history_scope, self.errors)
        history_tab = w.VBox([self.history.controls, self.history.listing, self.transcript],
                             layout=w.Layout(width="100%"))
        self.tabs = w.Tab([history_tab, self.progress], titles=("History", "Progress"), selected_index=0)
        self.tabs.add_class("buddy-tabs")
        self.style_sheet = w.HTML(f"<style>{STYLE}</style>")
        self.style_sheet.add_class("buddy-style")
        super().__init__([self.style_sheet, header, self.errors, self.notice, self.tabs],
                         layout=w.Layout(width="100%", overflow="auto"))
        self.add_class("buddy-sidebar")

        self.stop.on_click(guard(self._stop, "stop"))
        self.tabs.observe(guard(self._tab_changed, "tab"), "selected_index")

        self._lock = threading.RLock()
        self._streaming: dict[str, Any] = {}
        """Text and reasoning parts of answers still running, with the deltas seen so far: a
        conversation opened mid-answer shows the text streamed before it was opened."""
        self._events = EventQueue()
        self._throttle = Throttle(guard(self._drain, "live update"), min_interval)
        self._store: Store | None = None
        self._unsubscribe = None
        self._follow()
        guard(self.history.refresh, "history")()
        self._update_status()

    # -- following the store ---------------------------------------------------------------

    def _follow(self) -> "Store":
        """Subscribe to this kernel's store (again, when the notebook or data_dir changed)."""
        store = self.kb.store
        if store is not self._store:
            if self._unsubscribe is not None:
                self._unsubscribe()
            self._store = store
            self._unsubscribe = store.events.subscribe(self._on_event)
        return store

    def _on_event(self, event: "Event") -> None:
        """On the writer's thread: queue and poke, nothing more."""
        self._events.put(event)
        self._throttle()

    def flush(self) -> None:
        """Apply queued events now rather than at the next throttled render (for tests)."""
        self._throttle.flush()

    def _drain(self) -> None:
        with self._lock:
            self._drain_locked()

    def _drain_locked(self) -> None:
        events = self._events.drain()
        if not events:
            return
        transcript_changed = list_changed = status_changed = False
        for event in events:
            self._track_streaming(event)
            if self.transcript.apply(event):
                transcript_changed = True
            if event.kind in LIST_EVENTS:
                list_changed = True
            if event.kind == "session.status":
                status_changed = True
        if transcript_changed:
            self.transcript.render()
        if list_changed and not self.history.query:
            self.history.refresh()
        if status_changed:
            self._update_status()

    def _track_streaming(self, event: "Event") -> None:
        kind, data = event.kind, event.data
        if kind == "part.updated" and data.type in ("text", "reasoning"):
            if data.time is not None and data.time.end is None:
                self._streaming[data.id] = data
            else:
                self._streaming.pop(data.id, None)
        elif kind == "part.delta":
            part = self._streaming.get(data["part_id"])
            if part is not None:
                field = data.get("field", "text")
                self._streaming[part.id] = part.model_copy(update={field: (getattr(part, field, "") or "") + data["delta"]})
        elif (kind == "session.status" and data == "idle") or kind == "session.deleted":
            for part_id in [p.id for p in self._streaming.values() if p.session_id == event.session_id]:
                del self._streaming[part_id]

    @property
    def busy(self) -> bool:
        store = self._store
        statuses = store.status.values() if store is not None else ()
        return any(s == "busy" for s in statuses) or bool(getattr(self.kb, "answering", False))

    def _update_status(self) -> None:
        busy = self.busy
        self.stop.layout.display = "inline-flex" if busy else "none"
        self.stop.disabled = not busy
        self.status.value = "<small>answering…</small>" if busy else ""

    # -- actions ----------------------------------------------------------------------------

    def _stop(self, _button: Any = None) -> None:
        stopped = self.kb.cancel_answer()
        self.stop.disabled = True
        self.notify("Stopping the answer…" if stopped else "No answer is running.")

    def _tab_changed(self, change: dict) -> None:
        if change["new"] == 1:
            self.progress.load_once()

    def add_css(self, css: str) -> None:
        """Replace the panel's extra CSS (placement uses it to hide stale side-panel tabs)."""
        self.style_sheet.value = f"<style>{STYLE}{css}</style>"

    def notify(self, text: str) -> None:
        self.notice.value = f"<small>{html.escape(text)}</small>"
        self.notice.layout.display = "block" if text else "none"

    def open_session(self, row: SessionRow) -> None:
        """Show ``row``'s conversation in place of the list."""
        self._follow()
        with self._lock:
            self.transcript.show_session(row)
            if row.local:
                streaming = [p for p in self._streaming.values() if p.session_id == row.session_id]
                if self.transcript.overlay(streaming):
                    self.transcript.render()
        self.history.listing.layout.display = "none"

    def show_list(self) -> None:
        self.transcript.close_view()
        self.history.listing.layout.display = "flex"
        self.history.refresh()

    def refresh(self) -> None:
        """Re-read everything shown (the list, the open conversation, progress if loaded)."""
        guard = self.errors.guard
        self._follow()
        guard(self.history.refresh, "history")()
        if self.transcript.row is not None:
            guard(self.open_session, "open")(self.transcript.row)
        if self.progress.loaded:
            guard(self.progress.load, "progress")()
        self._update_status()

    def close(self) -> None:
        """Stop following the store and close every widget of the panel."""
        unsubscribe, self._unsubscribe = getattr(self, "_unsubscribe", None), None
        if unsubscribe is not None:
            unsubscribe()
        if hasattr(self, "_throttle"):
            self._throttle.close()
        if hasattr(self, "sources"):
            self.sources.close()
        for widget in _descendants(self):
            if widget is not self:
                widget.close()
        super().close()


def _descendants(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()) or ():
        found += _descendants(child)
    for name in ("layout", "style"):
        part = getattr(widget, name, None)
        if isinstance(part, w.Widget):
            found.append(part)
    return found
