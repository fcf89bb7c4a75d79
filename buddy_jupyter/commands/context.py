"""What a subcommand handler may use of the magics: the kernel's buddy, the notebook's variables, a way to ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..state import KernelBuddy


@dataclass(frozen=True)
class CommandContext:
    """Handed to every handler as its first argument (``ctx``) instead of the magics object."""

    kb: KernelBuddy
    """The kernel's buddy: settings, the store, the current session, the activity recorder."""
    user_ns: dict[str, Any]
    """The notebook's variables (the shell's user namespace)."""
    ask: Callable[..., None]
    """``ask(text, **options)``: ask as ``%buddy TEXT`` does; ``options`` are the magic's own by name
    (``session``, ``model``, ``format``, ``no_context``, ``var``), the others keep their defaults."""
