"""Which history a read spans: the value analytics, the buddy's tools and the sidebar take.

A kernel hands out a ``HistoryScope`` (``KernelBuddy.history_scope``) instead of itself, so
code that reads the history depends on four facts, not on the kernel's state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_IDLE_THRESHOLD = 300.0


@dataclass(frozen=True)
class HistoryScope:
    store: "Store | None" = None
    """This notebook's store (held by this kernel), or None outside a notebook (the ``buddy`` command)."""
    root: Path | None = None
    """Every store under this folder too; None reads ``store`` alone."""
    data_dir: str | os.PathLike[str] = ""
    """A central folder of stores (``Buddy.data_dir``), read with ``root``."""
    idle_threshold: float = DEFAULT_IDLE_THRESHOLD
    """Seconds of inactivity that end a study session in the time figures."""

    def this_notebook(self) -> "HistoryScope":
        return replace(self, root=None)

    def where(self) -> dict[str, Any]:
        """The keywords every public analytics function takes: ``store``, ``root``, ``data_dir``."""
        return {"store": self.store, "root": self.root, "data_dir": self.data_dir}

    def stores(self) -> list[Path]:
        """The store files this scope reads."""
        if self.root is None:
            return [Path(self.store.path)] if self.store is not None else []
        from .history import list_stores

        return list_stores(self.root, data_dir=self.data_dir)

    def describe(self) -> str:
        return str(self.root) if self.root is not None else "this notebook"
