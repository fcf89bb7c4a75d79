"""The ``%buddy`` subcommands, registered into ``magics.SUBCOMMANDS`` on import.

Each handler gets the magics object, its parsed arguments (or the raw rest of
the line) and the cell body, and returns something IPython displays.
"""

from . import analytics, interop, sessions, tutor  # noqa: F401
from . import course  # noqa: F401,E402
