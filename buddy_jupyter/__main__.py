"""``python -m buddy_jupyter ...``: the ``buddy`` command (see ``cli.py``)."""

import sys

from .cli import main

sys.exit(main())
