"""The history sidebar: browse, search and continue buddy conversations.

Importing this package is free: ipywidgets, duckdb and pandas load when
``open_sidebar`` (or ``BuddySidebar``) is first used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BuddySidebar", "close_sidebar", "open_sidebar"]


def open_sidebar(kernel_buddy: Any, where: str = "auto", **options: Any) -> Any:
    """Show the sidebar for ``kernel_buddy``; see ``placement.open_sidebar``."""
    from .placement import open_sidebar as _open

    return _open(kernel_buddy, where=where, **options)


def close_sidebar(kernel_buddy: Any) -> bool:
    """Remove ``kernel_buddy``'s sidebar (for ``unload_ipython_extension``)."""
    from .placement import close_sidebar as _close

    return _close(kernel_buddy)


def __getattr__(name: str) -> Any:
    if name == "BuddySidebar":
        from .panel import BuddySidebar

        return BuddySidebar
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
