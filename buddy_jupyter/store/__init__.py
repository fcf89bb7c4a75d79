"""The per-notebook DuckDB store: the only code that writes the conversation tables.

Importing this package is cheap (``%load_ext`` and the folder-wide history read its
view definitions): each name below loads its module, and pydantic, on first use.
"""

from ..lazy import lazy_exports

_EXPORTS = {"Event": "events", "EventBus": "events", "Store": "store", "StoreWarning": "store",
            "StreamingText": "streaming"}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
