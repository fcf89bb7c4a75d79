"""One conversation: its Markdown, a footer of tokens, cost and time, and its actions.

While an answer streams, the view keeps the messages in memory and applies the
store's events to them (``apply``): a delta appends text, a written part or
message replaces its copy. Nothing is read from the store per token.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Callable

import ipywidgets as w

from ..schema.messages import AssistantMessage, MessageWithParts
from ..transcript import message_markdown
from .errors import ErrorArea
from .fmt import duration, plural
from .sources import SessionRow, Sources

if TYPE_CHECKING:
    from ..schema import Session
    from ..state import KernelBuddy
    from ..store import Event, Store


def _button(description: str, css: str, **kwargs) -> w.Button:
    button = w.Button(description=description, layout=w.Layout(width="auto"), **kwargs)
    button.add_class(css)
    return button


class TranscriptView(w.VBox):
    """The open conversation with Continue, Rename, Archive, Delete and Export."""

    def __init__(self, kernel_buddy: "KernelBuddy", sources: Sources, errors: ErrorArea, *,
                 on_back: Callable[[], None], notify: Callable[[str], None], on_changed: Callable[[], None]):
        self.kb = kernel_buddy
        self.sources = sources
        self.errors = errors
        self._on_back = on_back
        self._notify = notify
        self._on_changed = on_changed
        self._lock = threading.RLock()
        self.row: SessionRow | None = None
        self.store: Store | None = None
        self.session: Session | None = None
        self.messages: list[MessageWithParts] = []
        self.exported = None
        """The path of the last export."""
        self.renders = 0
        """How many times the Markdown was rendered (the throttle keeps this low while streaming)."""

        self.back = _button("‹ Back", "buddy-back", tooltip="Back to the list")
        self.title = w.HTML(layout=w.Layout(flex="1 1 auto"))
        self.title.add_class("buddy-transcript-title")
        self.continue_button = _button("Continue", "buddy-continue", button_style="primary",
                                       tooltip="Make this the session %buddy talks in")
        self.rename_button = _button("Rename", "buddy-rename")
        self.archive_button = _button("Archive", "buddy-archive")
        self.export_button = _button("Export", "buddy-export", tooltip="Save as Markdown next to the notebook")
        self.delete_button = _button("Delete", "buddy-delete")
        self.confirm_delete = _button("Confirm delete", "buddy-confirm-delete", button_style="danger")
        self.cancel_delete = _button("Cancel", "buddy-cancel-delete")
        self.confirm_box = w.HBox([self.confirm_delete, self.cancel_delete], layout=w.Layout(display="none"))
        self.rename_text = w.Text(layout=w.Layout(flex="1 1 auto", width="auto"))
        self.rename_text.add_class("buddy-rename-text")
        self.rename_save = _button("Save", "buddy-rename-save", button_style="primary")
        self.rename_cancel = _button("Cancel", "buddy-rename-cancel")
        self.rename_box = w.HBox([self.rename_text, self.rename_save, self.rename_cancel],
                                 layout=w.Layout(display="none", width="100%"))
        actions = w.HBox([self.continue_button, self.rename_button, self.archive_button, self.export_button,
                          self.delete_button], layout=w.Layout(flex_flow="row wrap"))
        actions.add_class("buddy-actions")
        self.output = w.Output(layout=w.Layout(width="100%", overflow="auto"))
        self.output.add_class("buddy-transcript")
        self.footer = w.HTML()
        self.footer.add_class("buddy-footer")
        super().__init__([w.HBox([self.back, self.title], layout=w.Layout(width="100%")), actions, self.confirm_box,
                          self.rename_box, self.output, self.footer],
                         layout=w.Layout(display="none", width="100%"))
        self.add_class("buddy-transcript-view")

        guard = errors.guard
        self.back.on_click(guard(lambda _: self._on_back(), "back"))
        self.continue_button.on_click(guard(self._continue, "continue"))
        self.rename_button.on_click(guard(self._start_rename, "rename"))
        self.rename_save.on_click(guard(self._save_rename, "rename"))
        self.rename_cancel.on_click(guard(lambda _: self._close_rename(), "rename"))
        self.archive_button.on_click(guard(self._archive, "archive"))
        self.export_button.on_click(guard(self._export, "export"))
        self.delete_button.on_click(guard(self._ask_delete, "delete"))
        self.confirm_delete.on_click(guard(self._delete, "delete"))
        self.cancel_delete.on_click(guard(lambda _: self._close_confirm(), "delete"))

    # -- what is shown -------------------------------------------------------------------

    @property
    def markdown(self) -> str:
        """The Markdown currently displayed ('' when nothing is open)."""
        if not self.output.outputs:
            return ""
        return self.output.outputs[0]["data"]["text/markdown"]

    @property
    def session_id(self) -> str | None:
        return self.session.id if self.session is not None else None

    @property
    def local(self) -> bool:
        return self.row is not None and self.row.local

    def show_session(self, row: SessionRow) -> None:
        """Load ``row``'s conversation from its store and show it."""
        store = self.sources.store_for(row)
        session = store.get_session(row.session_id)
        messages = store.get_messages(row.session_id)
        with self._lock:
            self.row, self.store, self.session, self.messages = row, store, session, list(messages)
            self._close_confirm()
            self._close_rename()
            self.render()
            self.layout.display = "flex"

    def close_view(self) -> None:
        with self._lock:
            self.row = self.store = self.session = None
            self.messages = []
            self.output.outputs = ()
            self.layout.display = "none"

    def render(self) -> None:
        with self._lock:
            session = self.session
            if session is None:
                return
            self.renders += 1
            title = session.title or "Untitled session"
            where = "" if self.local else f"<br><small>{html.escape(self.row.notebook_name)} (read-only here)</small>"
            self.title.value = f"<b>{html.escape(title)}</b>{where}"
            body = "\n\n---\n\n".join(message_markdown(m) for m in self.messages) or "_No messages yet._"
            self.output.outputs = ({"output_type": "display_data", "metadata": {},
                                    "data": {"text/markdown": body, "text/plain": body}},)
            self.footer.value = f"<small>{html.escape(self.footer_text())}</small>"
            self._refresh_actions()

    def footer_text(self) -> str:
        """Messages, tokens, cost and time of the open conversation."""
        answers = [m.info for m in self.messages if isinstance(m.info, AssistantMessage)]
        tokens_in = sum(a.tokens.input for a in answers)
        tokens_out = sum(a.tokens.output for a in answers)
        approx = "~" if any(a.tokens.estimated for a in answers) else ""
        costs = [a.cost for a in answers if a.cost is not None]
        answer_seconds = sum((a.time_completed - a.time_created).total_seconds()
                             for a in answers if a.time_completed is not None)
        bits = [plural(len(self.messages), "message"),
                f"{approx}{tokens_in:,} in / {approx}{tokens_out:,} out tokens",
                f"${sum(costs):.4f}" if costs else "cost unknown",
                f"answers took {duration(answer_seconds)}"]
        if self.row is not None and self.row.seconds is not None:
            bits.append(f"time spent {duration(self.row.seconds)}")
        return " · ".join(bits)

    def _refresh_actions(self) -> None:
        session = self.session
        local = self.local
        current = local and session is not None and session.id == self.kb.current_session_id
        self.continue_button.disabled = not local or current
        self.continue_button.description = "Current" if current else "Continue"
        archived = session is not None and session.time_archived is not None
        self.archive_button.description = "Unarchive" if archived else "Archive"
        readonly_tip = "" if local else f"Open {self.row.notebook_name if self.row else 'its notebook'} to change it"
        for button in (self.rename_button, self.archive_button, self.delete_button):
            button.disabled = not local
            button.tooltip = readonly_tip
        if self.confirm_box.layout.display != "none":
            self.delete_button.disabled = True  # waiting for "Confirm delete"

    # -- live events ---------------------------------------------------------------------

    def apply(self, event: "Event") -> bool:
        """Fold one store event into the open conversation; True when the view changed."""
        with self._lock:
            if self.session is None or not self.local or event.session_id != self.session.id:
                return False
            kind, data = event.kind, event.data
            if kind == "session.updated":
                self.session = data
            elif kind == "session.deleted":
                self.session = self.session.model_copy(update={"title": f"{self.session.title} (deleted)"})
                self.messages = []
            elif kind == "message.updated":
                self._upsert_message(data)
            elif kind == "part.updated":
                self._upsert_part(data)
            elif kind == "part.delta":
                return self._append_delta(data["part_id"], data.get("field", "text"), data["delta"])
            else:
                return False
            return True

    def overlay(self, parts: list) -> bool:
        """Put streamed text newer than the store's copy (deltas not yet written) into the view."""
        changed = False
        with self._lock:
            for part in parts:
                for item in self.messages:
                    if item.info.id != part.message_id:
                        continue
                    old = next((p for p in item.parts if p.id == part.id), None)
                    if old is None or len(getattr(part, "text", "")) > len(getattr(old, "text", "")):
                        self._upsert_part(part)
                        changed = True
        return changed

    def _upsert_message(self, info) -> None:
        for index in range(len(self.messages) - 1, -1, -1):
            item = self.messages[index]
            if item.info.id == info.id:
                self.messages[index] = MessageWithParts.model_construct(info=info, parts=item.parts)
                return
        self.messages.append(MessageWithParts.model_construct(info=info, parts=[]))

    def _upsert_part(self, part) -> None:
        for item in reversed(self.messages):
            if item.info.id != part.message_id:
                continue
            for index, old in enumerate(item.parts):
                if old.id == part.id:
                    item.parts[index] = part
                    return
            item.parts.append(part)
            return

    def _append_delta(self, part_id: str, field: str, delta: str) -> bool:
        for item in reversed(self.messages):
            for index in range(len(item.parts) - 1, -1, -1):
                part = item.parts[index]
                if part.id == part_id:
                    item.parts[index] = part.model_copy(update={field: (getattr(part, field, "") or "") + delta})
                    return True
        return False

    # -- actions ---------------------------------------------------------------------------

    def _require(self) -> tuple["Store", "Session"]:
        if self.store is None or self.session is None:
            raise RuntimeError("no conversation is open")
        return self.store, self.session

    def _continue(self, _button=None) -> None:
        _, session = self._require()
        chosen = self.kb.switch(session.id)
        self._notify(f"%buddy now continues “{chosen.title or chosen.id}”.")
        self.render()
        self._on_changed()

    def _start_rename(self, _button=None) -> None:
        _, session = self._require()
        self.rename_text.value = session.title
        self.rename_box.layout.display = "flex"

    def _save_rename(self, _button=None) -> None:
        store, session = self._require()
        self.session = store.set_title(session.id, self.rename_text.value.strip())
        self._close_rename()
        self.render()
        self._on_changed()

    def _close_rename(self) -> None:
        self.rename_box.layout.display = "none"

    def _archive(self, _button=None) -> None:
        store, session = self._require()
        archive = session.time_archived is None
        self.session = store.archive_session(session.id, archive)
        self._notify(f"{'Archived' if archive else 'Unarchived'} “{session.title or session.id}”.")
        self.render()
        self._on_changed()

    def _export(self, _button=None) -> None:
        from ..export import write_export

        store, session = self._require()
        path = write_export(store, session.id, "md")
        self.exported = path
        self._notify(f"Exported to {path}")

    def _ask_delete(self, _button=None) -> None:
        self._require()
        self.confirm_box.layout.display = "flex"
        self.delete_button.disabled = True

    def _close_confirm(self) -> None:
        self.confirm_box.layout.display = "none"
        self.delete_button.disabled = not self.local

    def _delete(self, _button=None) -> None:
        store, session = self._require()
        if self.confirm_box.layout.display == "none":
            raise RuntimeError("click Delete first, then Confirm delete")
        store.delete_session(session.id)
        if self.kb.current_session_id == session.id:
            self.kb.current_session_id = None
        self._notify(f"Deleted “{session.title or session.id}”.")
        self.close_view()
        self._on_back()
        self._on_changed()
