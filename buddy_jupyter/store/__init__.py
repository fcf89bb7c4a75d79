"""The per-notebook DuckDB store: the only code that writes the conversation tables."""

from .events import Event, EventBus
from .store import Store, StoreWarning
from .streaming import StreamingText

__all__ = ["Event", "EventBus", "Store", "StoreWarning", "StreamingText"]
