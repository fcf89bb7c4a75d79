"""Remember the warnings the learner saw, so ``%buddy explain`` can explain the last one.

Why a ``warnings.showwarning`` wrapper: IPython has no event for warnings; a global filter
("always", "error") would change which warnings the learner sees, and
``catch_warnings(record=True)`` would hide them. The wrapper sees exactly the warnings that
are shown, after the filters have decided, keeps a short record, and passes each one on
unchanged. It costs nothing until a warning is shown. It is installed when the extension
registers and removed when it unloads (or made inert, if something wrapped it after us).
Importing this module imports only the standard library's ``warnings``.
"""

from __future__ import annotations

import sys
import threading
import warnings
import weakref
from dataclasses import dataclass
from typing import Any

KEEP = 10
"""Warnings remembered (the newest ones)."""


@dataclass(frozen=True)
class WarningRecord:
    category: type
    message: str
    filename: str
    lineno: int
    line: str
    error_id: int | None
    """``id(sys.last_value)`` when the warning was shown: tells whether an error came after it."""

    @property
    def category_names(self) -> list[str]:
        return [klass.__name__ for klass in self.category.__mro__]

    def after_error(self, error: BaseException | None) -> bool:
        """Was this warning shown after ``error`` (the notebook's last error) was raised?"""
        return error is None or self.error_id == id(error)


_records: list[WarningRecord] = []
_shells: list[Any] = []
_original: Any = None


def _showwarning(message, category, filename, lineno, file=None, line=None):
    try:  # cells run on the main thread; a background thread's warning is not the learner's
        if _original is not None and _shells and threading.current_thread() is threading.main_thread() \
                and not _in_buddy_cell():
            last = getattr(sys, "last_value", None)
            text = str(message)[:4000]
            _records.append(WarningRecord(category if isinstance(category, type) else Warning, text,
                                          str(filename), int(lineno or 0), (line or "")[:500],
                                          None if last is None else id(last)))
            del _records[:-KEEP]
    except Exception:  # recording is a convenience: the learner's warning is shown whatever happens
        pass
    target = _original if _original is not None else warnings._showwarning_orig  # type: ignore[attr-defined]
    return target(message, category, filename, lineno, file, line)


_BUDDY_CELL = ("%buddy", "%%buddy", "get_ipython().run_line_magic('buddy'", "get_ipython().run_cell_magic('buddy'")


def _in_buddy_cell() -> bool:
    """Warnings raised while the buddy itself runs (``%buddy ...``) are not the learner's."""
    import linecache

    for ref in _shells:
        shell = ref()
        names = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
        current = "".join(linecache.getlines(next(reversed(names)))) if names else ""
        if not current:
            history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
            current = history[-1] if history else ""
        if current.lstrip().startswith(_BUDDY_CELL):
            return True
    return False


def install(shell: Any) -> None:
    """Start recording shown warnings (idempotent)."""
    global _original
    if not any(ref() is shell for ref in _shells):
        _shells.append(weakref.ref(shell))
    if warnings.showwarning is not _showwarning:
        _original = warnings.showwarning
        warnings.showwarning = _showwarning


def uninstall(shell: Any) -> None:
    """Stop recording for ``shell``; the last one out restores ``warnings.showwarning``."""
    global _original
    _shells[:] = [ref for ref in _shells if ref() is not None and ref() is not shell]
    if _shells:
        return
    if warnings.showwarning is _showwarning:
        warnings.showwarning = _original or warnings._showwarning_orig  # type: ignore[attr-defined]
    _original = None  # if someone wrapped us, we stay in their chain but only pass warnings on
    _records.clear()


def last_warning() -> WarningRecord | None:
    return _records[-1] if _records else None


def last_problem() -> tuple[str, Any]:
    """The notebook's newest problem: ("error", exception), ("warning", record) or ("", None).

    A ``UsageError`` (a magic's own one-line message) is not the learner's error."""
    error = getattr(sys, "last_value", None)
    if error is not None and type(error).__name__ == "UsageError":
        error = None
    warning = last_warning()
    if warning is not None and warning.after_error(error):
        return "warning", warning
    if error is not None:
        return "error", error
    return "", None


def clear() -> None:
    _records.clear()
