"""``python -m buddy_jupyter.cli ...``: the ``buddy`` command."""

import sys

from .main import main

sys.exit(main())
