"""Errors inside widget callbacks are shown in the panel, never lost.

ipywidgets logs an exception raised in a callback to the kernel's log, where a
learner never looks. Every callback of the sidebar goes through ``ErrorArea.guard``:
the one-line message appears in the panel's error area (with a dismiss button)
and the traceback goes to the logger.
"""

from __future__ import annotations

import functools
import html
import logging
from typing import Any, Callable, TypeVar

import ipywidgets as w

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def one_line(error: BaseException) -> str:
    """``Type: first line of the message`` (BuddyErrors show their message alone)."""
    from ..errors import BuddyError

    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, BuddyError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class ErrorArea(w.HBox):
    """A one-line error message with a dismiss button; hidden while empty."""

    def __init__(self) -> None:
        self.message = w.HTML(layout=w.Layout(flex="1 1 auto"))
        self.message.add_class("buddy-error-text")
        self.dismiss = w.Button(description="×", tooltip="Dismiss", layout=w.Layout(width="28px"))
        self.dismiss.add_class("buddy-error-dismiss")
        super().__init__([self.message, self.dismiss], layout=w.Layout(display="none", width="100%"))
        self.add_class("buddy-error")
        self.errors: list[str] = []
        """Every message shown since the panel opened (tests and debugging read this)."""
        self.dismiss.on_click(self.guard(lambda _: self.clear()))

    @property
    def text(self) -> str:
        return self.errors[-1] if self.errors and self.layout.display != "none" else ""

    def show(self, error: BaseException | str, where: str = "") -> None:
        text = error if isinstance(error, str) else one_line(error)
        if where:
            text = f"{where}: {text}"
        self.errors.append(text)
        self.message.value = f"<span title='{html.escape(text, quote=True)}'>⚠ {html.escape(text)}</span>"
        self.layout.display = "flex"

    def clear(self) -> None:
        self.message.value = ""
        self.layout.display = "none"

    def guard(self, fn: F, where: str = "") -> F:
        """``fn`` with any exception shown here (and logged) instead of raised."""

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as error:  # shown to the learner, with the traceback in the log
                log.exception("sidebar callback %s failed", getattr(fn, "__qualname__", fn))
                try:
                    self.show(error, where)
                except Exception:  # the error area itself failed: the log has it
                    log.exception("could not show the sidebar error")
                return None

        return guarded  # type: ignore[return-value]
