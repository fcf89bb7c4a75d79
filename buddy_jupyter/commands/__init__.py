"""The ``%buddy`` subcommands: the table, the context handlers get, and the modules that fill the table.

Importing this package registers every subcommand; the magics import it, never the other way round.
"""

from .context import CommandContext
from .table import SUBCOMMANDS, Subcommand, help_text, split_args

from . import analytics, interop, sessions, tutor, course  # noqa: F401  (each registers its own; this order is the help's)

__all__ = ["SUBCOMMANDS", "CommandContext", "Subcommand", "help_text", "split_args"]
