"""``python -m buddy_jupyter ...``: the ``buddy`` command (see ``cli/``)."""

import sys

from .cli import main

sys.exit(main())
